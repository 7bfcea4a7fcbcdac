// Sending one event to one subscriber: a signed POST, retried by the `deliverWebhook` workflow
// until the receiver answers 2xx or the deadline passes. The event id is the webhook-id of every
// attempt, so a receiver that got an attempt it answered badly can drop the repeat. Each attempt
// checks the destination afresh: one that resolves somewhere webhooks may not go gets nothing.
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { failureTypes } from '../../domain/failure-types.ts';
import { signedHeaders } from '../../runtime/standard-webhooks.ts';
import type { WebhookDestinations } from '../../runtime/webhook-destinations.ts';

export function createDeliveryActivities(deps: { prisma: PrismaClient; webhookDestinations: WebhookDestinations }) {
  const { prisma, webhookDestinations } = deps;
  return {
    async sendWebhook(input: { deliveryId: string }): Promise<{ statusCode: number; attempts: number }> {
      const delivery = await prisma.webhookDelivery.findUnique({ where: { id: input.deliveryId }, include: { event: true, subscription: true } });
      if (!delivery) throw ApplicationFailure.nonRetryable(`Delivery ${input.deliveryId} does not exist.`, failureTypes.webhookRefused);
      if (delivery.status === 'delivered') return { statusCode: delivery.lastStatusCode ?? 200, attempts: delivery.attempts };
      if (!delivery.subscription.active) throw ApplicationFailure.nonRetryable('The subscription was switched off.', failureTypes.webhookRefused);
      const { event, subscription } = delivery;
      const destination = await webhookDestinations.check(subscription.url);
      if (destination.verdict === 'forbidden') {
        const refusal = `Not sent: the URL's host ${destination.reason}.`;
        await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { lastStatusCode: null, lastError: refusal } });
        throw ApplicationFailure.nonRetryable(refusal, failureTypes.webhookDestinationForbidden);
      }
      const { attempts } = await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { attempts: { increment: 1 } } });
      const body = JSON.stringify({ type: event.type, timestamp: event.at.toISOString(), data: { ...(event.data as object), tenantId: event.tenantId, workflowId: event.workflowId } });
      let statusCode = 0;
      let error: string;
      try {
        if (destination.verdict === 'unresolved') throw new Error(`the URL's host ${destination.reason}`);
        statusCode = await webhookDestinations.post(destination, {
          headers: { 'content-type': 'application/json', 'user-agent': 'Branchline-Webhooks/1', ...signedHeaders(subscription.secret, event.id, body) },
          body,
          timeoutMs: 10_000,
        });
        if (statusCode >= 200 && statusCode < 300) {
          await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'delivered', lastStatusCode: statusCode, lastError: null, deliveredAt: new Date() } });
          return { statusCode, attempts };
        }
        error = statusCode >= 300 && statusCode < 400 ? `The receiver answered ${statusCode}, a redirect, which webhooks do not follow.` : `The receiver answered ${statusCode}.`;
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
