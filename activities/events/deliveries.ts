// Sending one event to one subscriber: a signed POST, retried by the `deliverWebhook` workflow
// until the receiver answers 2xx or the deadline passes. The event id is the webhook-id of every
// attempt, so a receiver that got an attempt it answered badly can drop the repeat.
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { failureTypes } from '../../workflows/failure-types.ts';
import { signedHeaders } from './standard-webhooks.ts';

export function createDeliveryActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  return {
    async sendWebhook(input: { deliveryId: string }): Promise<{ statusCode: number; attempts: number }> {
      const delivery = await prisma.webhookDelivery.findUnique({ where: { id: input.deliveryId }, include: { event: true, subscription: true } });
      if (!delivery) throw ApplicationFailure.nonRetryable(`Delivery ${input.deliveryId} does not exist.`, failureTypes.webhookRefused);
      if (delivery.status === 'delivered') return { statusCode: delivery.lastStatusCode ?? 200, attempts: delivery.attempts };
      if (!delivery.subscription.active) throw ApplicationFailure.nonRetryable('The subscription was switched off.', failureTypes.webhookRefused);
      const { attempts } = await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { attempts: { increment: 1 } } });
      const { event, subscription } = delivery;
      const body = JSON.stringify({ type: event.type, timestamp: event.at.toISOString(), data: { ...(event.data as object), tenantId: event.tenantId, workflowId: event.workflowId } });
      let statusCode = 0;
      let error: string;
      try {
        const response = await fetch(subscription.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Branchline-Webhooks/1', ...signedHeaders(subscription.secret, event.id, body) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
        statusCode = response.status;
        await response.body?.cancel();
        if (response.ok) {
          await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'delivered', lastStatusCode: statusCode, lastError: null, deliveredAt: new Date() } });
          return { statusCode, attempts };
        }
        error = `The receiver answered ${statusCode}.`;
      } catch (failure) {
        error = `No answer: ${(failure as Error).message}`;
      }
      await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { lastStatusCode: statusCode || null, lastError: error } });
      throw ApplicationFailure.retryable(error, failureTypes.webhookNotDelivered);
    },

    async giveUpWebhook(input: { deliveryId: string; reason: string }): Promise<void> {
      await prisma.webhookDelivery.updateMany({ where: { id: input.deliveryId, status: 'pending' }, data: { status: 'failed', lastError: input.reason } });
    },
  };
}
