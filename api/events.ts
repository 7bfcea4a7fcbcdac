// Events of what happens through the API itself (an alarm acknowledged or cleared by a person, a
// box refused at the ZTP front door): stored and announced as the workflows' are, each delivery
// run by a `deliverWebhook` workflow.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { announceEvent, storeEvent, type DomainEventInput } from '../inventory/events.ts';
import type { AlarmChange } from '../inventory/alarms.ts';
import type { Logger } from '../runtime/logger.ts';
import type { deliverWebhook } from '../workflows/deliver-webhook.ts';
import { deliveryWorkflowId } from '../workflows/deliver-webhook.messages.ts';

export interface EventDependencies {
  prisma: PrismaClient;
  temporal: Client;
  log: Logger;
}

/**
 * Publishes an event. The change it reports is made already: a delivery that cannot be started
 * now (Temporal unreachable) stays pending in the subscription's log, and the answer is not failed.
 */
export async function publishApiEvent(deps: EventDependencies, input: DomainEventInput): Promise<void> {
  const { event, deliveryIds } = await storeEvent(deps.prisma, randomUUID(), input);
  for (const deliveryId of deliveryIds) {
    try {
      await deps.temporal.workflow.start<typeof deliverWebhook>('deliverWebhook', {
        workflowId: deliveryWorkflowId(deliveryId), taskQueue: taskQueues.orchestration, args: [{ deliveryId }], workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) deps.log.warn({ deliveryId, eventId: event.id, error: (error as Error).message }, 'could not start a webhook delivery');
    }
  }
  await announceEvent(deps.prisma, event);
}

/** One event per alarm changed: `alarm.raised`, `alarm.acknowledged` or `alarm.cleared`, with who and why for people's changes. */
export async function publishAlarmEvents(deps: EventDependencies, type: 'alarm.raised' | 'alarm.acknowledged' | 'alarm.cleared', alarms: AlarmChange[], extra: Record<string, unknown> = {}): Promise<void> {
  for (const alarm of alarms) await publishApiEvent(deps, { tenantId: alarm.tenantId, type, data: { ...alarm, ...extra } });
}
