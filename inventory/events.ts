// Domain events as stored: each once under its key, queued for every subscription of its tenant
// that wants it, and announced on PostgreSQL's channel for live streams. Whoever publishes
// (an activity, or the API for what people do) starts the deliveries with its own Temporal client.
import { uuidV7, type PrismaClient } from '../prisma/client.ts';
import { eventChannel, wants, type EventNotice } from '../domain/events.ts';

export interface DomainEventInput {
  tenantId: string | null;
  type: string;
  workflowId?: string | null;
  data: Record<string, unknown>;
}

interface StoredEvent {
  id: string;
  tenantId: string | null;
  type: string;
  workflowId: string | null;
  data: unknown;
  at: Date;
  /** The tenant's active subscriptions. */
  subscriptions: { id: string; events: string[] }[];
}

/** Stores the event (once per key) and its deliveries; answers the deliveries to start. */
export async function storeEvent(prisma: PrismaClient, key: string, input: DomainEventInput) {
  // One statement for the event and its tenant's subscriptions. A retry under the same key gets
  // the event stored first (the no-op update makes the conflicting row the one returned).
  const [stored] = await prisma.$queryRaw<StoredEvent[]>`
    WITH event AS (
      INSERT INTO domain_event (id, key, tenant_id, type, workflow_id, data)
      VALUES (${uuidV7()}::uuid, ${key}, ${input.tenantId}::uuid, ${input.type}, ${input.workflowId ?? null}, ${JSON.stringify(input.data)}::jsonb)
      ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
      RETURNING id, tenant_id, type, workflow_id, data, at)
    SELECT event.id, event.tenant_id AS "tenantId", event.type, event.workflow_id AS "workflowId", event.data, event.at,
      COALESCE((SELECT json_agg(json_build_object('id', s.id, 'events', s.events)) FROM webhook_subscription s
        WHERE s.tenant_id = event.tenant_id AND s.active), '[]') AS subscriptions
    FROM event`;
  const { subscriptions, ...event } = stored!;
  const wanting = subscriptions.filter((s) => wants(s.events, event.type));
  let deliveryIds: string[] = [];
  if (wanting.length > 0) {
    await prisma.webhookDelivery.createMany({ data: wanting.map((s) => ({ subscriptionId: s.id, eventId: event.id })), skipDuplicates: true });
    const deliveries = await prisma.webhookDelivery.findMany({ where: { eventId: event.id, subscriptionId: { in: wanting.map((s) => s.id) } }, select: { id: true } });
    deliveryIds = deliveries.map((d) => d.id);
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
