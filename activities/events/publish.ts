// Domain events: something happened (a run started, a site went active). Each is stored once,
// announced on PostgreSQL's `branchline_events` channel for the UI's live streams, and queued for
// every subscription of its tenant that wants it, each delivery run by a `deliverWebhook` workflow.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Prisma, PrismaClient } from '../../prisma/client.ts';
import { eventChannel, wants, type EventNotice } from '../../domain/events.ts';
import type { deliverWebhook } from '../../workflows/deliver-webhook.ts';
import { deliveryWorkflowId } from '../../workflows/deliver-webhook.messages.ts';
import { taskQueues } from '../../domain/task-queues.ts';

export interface DomainEventInput {
  tenantId: string | null;
  type: string;
  workflowId?: string | null;
  data: Record<string, unknown>;
}

/**
 * The same activity attempt, retried, must not emit its event twice: inside an activity the key
 * is its workflow, run and activity id. Elsewhere every call is an event of its own.
 */
function eventKey(type: string): string {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    if (workflowExecution) return `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}/${type}`;
    return randomUUID();
  } catch {
    return randomUUID();
  }
}

/** The workflow the running activity belongs to, which its events name. */
export const runningWorkflow = () => Context.current().info.workflowExecution?.workflowId ?? null;

export async function publishEvent(deps: { prisma: PrismaClient; client: Client }, input: DomainEventInput): Promise<void> {
  const { prisma, client } = deps;
  const key = eventKey(input.type);
  const event = await prisma.domainEvent.upsert({
    where: { key },
    create: { key, tenantId: input.tenantId, type: input.type, workflowId: input.workflowId ?? null, data: input.data as Prisma.InputJsonValue },
    update: {},
  });
  if (event.tenantId) {
    const subscriptions = await prisma.webhookSubscription.findMany({ where: { tenantId: event.tenantId, active: true }, select: { id: true, events: true } });
    const wanting = subscriptions.filter((s) => wants(s.events, event.type));
    if (wanting.length > 0) {
      await prisma.webhookDelivery.createMany({ data: wanting.map((s) => ({ subscriptionId: s.id, eventId: event.id })), skipDuplicates: true });
      const deliveries = await prisma.webhookDelivery.findMany({ where: { eventId: event.id, subscriptionId: { in: wanting.map((s) => s.id) } }, select: { id: true } });
      for (const delivery of deliveries) {
        try {
          await client.workflow.start<typeof deliverWebhook>('deliverWebhook', {
            workflowId: deliveryWorkflowId(delivery.id),
            taskQueue: taskQueues.orchestration,
            args: [{ deliveryId: delivery.id }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }
    }
  }
  const notice: EventNotice = { id: event.id, tenantId: event.tenantId, type: event.type, workflowId: event.workflowId, at: event.at.toISOString() };
  const withData = JSON.stringify({ ...notice, data: event.data });
  // NOTIFY payloads stop at 8000 bytes: a larger event is announced and read from the table.
  await prisma.$executeRaw`SELECT pg_notify(${eventChannel}, ${withData.length < 7500 ? withData : JSON.stringify(notice)})`;
}
