// One event to one subscriber, exactly once from our side: the send is retried with backoff
// until the receiver answers 2xx or the deadline passes, and the delivery log says which.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createDeliveryActivities } from '../activities/events/deliveries.ts';
import { databaseActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';

type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;

export interface DeliverWebhookInput {
  deliveryId: string;
  /** How long to keep trying; a receiver down for longer misses the event (the log shows it). */
  giveUpAfter?: string;
}

export async function deliverWebhook(input: DeliverWebhookInput): Promise<{ delivered: boolean; attempts?: number }> {
  const { sendWebhook } = proxyActivities<DeliveryActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: (input.giveUpAfter ?? '24 hours') as '24 hours',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: [failureTypes.webhookRefused] },
  });
  const { giveUpWebhook } = proxyActivities<DeliveryActivities>(databaseActivity);
  try {
    const { attempts } = await sendWebhook({ deliveryId: input.deliveryId });
    return { delivered: true, attempts };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause instanceof ApplicationFailure ? error.cause.message : (error.cause?.message ?? error.message);
    await giveUpWebhook({ deliveryId: input.deliveryId, reason: `Given up: ${cause}` });
    return { delivered: false };
  }
}
