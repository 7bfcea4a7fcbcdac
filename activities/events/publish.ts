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
 * What a retry of the running activity has in common with its earlier attempts: its workflow, run
 * and activity id. Undefined outside an activity (or in one no workflow scheduled).
 */
export function activityAttemptKey(): string | undefined {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    return workflowExecution ? `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}` : undefined;
  } catch {
    return undefined;
  }
}

/** The same activity attempt, retried, must not emit its event twice. Elsewhere every call is an event of its own. */
function eventKey(type: string): string {
  const attempt = activityAttemptKey();
  return attempt ? `${attempt}/${type}` : randomUUID();
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
