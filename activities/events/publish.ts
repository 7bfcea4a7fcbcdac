// Domain events: something happened (a run started, a site went active). Each is stored once,
// announced on PostgreSQL's `branchline_events` channel for the UI's live streams, and queued for
// every subscription of its tenant that wants it, each delivery run by a `deliverWebhook` workflow.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client.ts';
import { announceEvent, storeEvent, type DomainEventInput } from '../../inventory/events.ts';
import type { deliverWebhook } from '../../workflows/deliver-webhook.ts';
import { deliveryWorkflowId } from '../../workflows/deliver-webhook.messages.ts';
import { taskQueues } from '../../domain/task-queues.ts';

export type { DomainEventInput };

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

/**
 * Publishes an event. `key` distinguishes several events of one type from one activity attempt
 * (an alarm per device of a batch); a retry of the attempt gives the same keys.
 */
export async function publishEvent(deps: { prisma: PrismaClient; client: Client }, input: DomainEventInput, key?: string): Promise<void> {
  const { prisma, client } = deps;
  const { event, deliveryIds } = await storeEvent(prisma, key ? `${eventKey(input.type)}/${key}` : eventKey(input.type), input);
  for (const deliveryId of deliveryIds) {
    try {
      await client.workflow.start<typeof deliverWebhook>('deliverWebhook', {
        workflowId: deliveryWorkflowId(deliveryId),
        taskQueue: taskQueues.orchestration,
        args: [{ deliveryId }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  await announceEvent(prisma, event);
}
