// Domain events as stored: each once under its key, queued for every subscription of its tenant
// that wants it, and announced on PostgreSQL's channel for live streams. Whoever publishes
// (an activity, or the API for what people do) starts the deliveries with its own Temporal client.
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { eventChannel, wants, type EventNotice } from '../domain/events.ts';

export interface DomainEventInput {
  tenantId: string | null;
  type: string;
  workflowId?: string | null;
  data: Record<string, unknown>;
}

/** Stores the event (once per key) and its deliveries; answers the deliveries to start. */
export async function storeEvent(prisma: PrismaClient, key: string, input: DomainEventInput) {
  const event = await prisma.domainEvent.upsert({
    where: { key },
    create: { key, tenantId: input.tenantId, type: input.type, workflowId: input.workflowId ?? null, data: input.data as Prisma.InputJsonValue },
    update: {},
  });
  let deliveryIds: string[] = [];
  if (event.tenantId) {
    const subscriptions = await prisma.webhookSubscription.findMany({ where: { tenantId: event.tenantId, active: true }, select: { id: true, events: true } });
    const wanting = subscriptions.filter((s) => wants(s.events, event.type));
    if (wanting.length > 0) {
      await prisma.webhookDelivery.createMany({ data: wanting.map((s) => ({ subscriptionId: s.id, eventId: event.id })), skipDuplicates: true });
      const deliveries = await prisma.webhookDelivery.findMany({ where: { eventId: event.id, subscriptionId: { in: wanting.map((s) => s.id) } }, select: { id: true } });
      deliveryIds = deliveries.map((d) => d.id);
    }
  }
  return { event, deliveryIds };
}

/** Announces a stored event to the live streams. */
export async function announceEvent(prisma: PrismaClient, event: { id: string; tenantId: string | null; type: string; workflowId: string | null; at: Date; data: unknown }): Promise<void> {
  const notice: EventNotice = { id: event.id, tenantId: event.tenantId, type: event.type, workflowId: event.workflowId, at: event.at.toISOString() };
  const withData = JSON.stringify({ ...notice, data: event.data });
  // NOTIFY payloads stop at 8000 bytes: a larger event is announced and read from the table.
  await prisma.$executeRaw`SELECT pg_notify(${eventChannel}, ${withData.length < 7500 ? withData : JSON.stringify(notice)})`;
}
