// ITSM outbound: a tenant's subscriptions (URL, secret, events) and the log of every delivery.
// A URL must lead to a public address, or into a network the SP allows: the worker would
// otherwise POST from inside the SP's network on a tenant's behalf.
import { Router } from 'express';
import { z } from 'zod';
import { newSigningSecret } from '../../runtime/standard-webhooks.ts';
import type { WebhookDestinations } from '../../runtime/webhook-destinations.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { Principal } from '../access/principal.ts';
import type { Action } from '../../domain/permissions.ts';
import { recordAudit } from '../audit.ts';
import { sendEtag, updateIfMatch } from '../etag.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';

export const eventTypes = [
  'run.started', 'run.completed', 'run.failed', 'run.cancelled', 'run.terminated', 'run.timed_out',
  'site.status_changed', 'site.activated', 'site.decommissioned',
  'device.admitted', 'device.status_changed', 'device.rma_opened', 'device.replaced', 'device.rma_failed', 'device.rma_aborted',
  'alarm.raised', 'alarm.acknowledged', 'alarm.cleared',
] as const;

const eventPattern = z.string().refine(
  (p) => p === '*' || (eventTypes as readonly string[]).includes(p) || eventTypes.some((t) => p.endsWith('.*') && t.startsWith(p.slice(0, -1))),
  `is an event type (${eventTypes.join(', ')}), a family such as site.*, or *`,
);

const subscription = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  description: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
}).openapi('WebhookSubscription');

const delivery = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
  deliveredAt: z.date().nullable(),
}).openapi('WebhookDelivery');

const url = z.url({ protocol: /^https?$/, error: 'is an http or https URL' }).max(2000)
  .describe('Where events are POSTed: a public address (private, loopback, link-local and metadata destinations are refused unless an SP admin allows the network)');
const omit = { omit: { secret: true } } as const;

export function webhooksRouter(api: ApiDefinition, deps: { prisma: PrismaClient; webhookDestinations: WebhookDestinations }): Router {
  const router = Router();
  const { prisma, webhookDestinations } = deps;

  /** Refuses, as a field error, a URL whose host is or resolves to somewhere webhooks may not go. */
  const assertReachable = async (target: string) => {
    const destination = await webhookDestinations.check(target);
    if (destination.verdict !== 'allowed') throw problems.validation([{ path: 'url', message: destination.reason }]);
  };

  const params = z.object({ subscriptionId: z.uuid() });

  const found = async (principal: Principal, id: string, action: Action) => {
    const row = await prisma.webhookSubscription.findUnique({ where: { id }, ...omit });
    principal.assert(row?.tenantId, 'webhook', action, `Webhook subscription ${id}`);
    return row!;
  };

  api.route(router, {
    method: 'get', path: '/webhook-subscriptions', summary: 'List callback subscriptions', tags: ['ITSM'],
    access: { type: 'webhook', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional() }),
    response: pageOf(subscription),
    handler: async ({ query, principal }) =>
      toPage(await prisma.webhookSubscription.findMany({ ...pageArgs(query, principal.tenantWhere('webhook', query.tenantId)), ...omit }), query.limit),
  });

  api.route(router, {
    method: 'get', path: '/webhook-subscriptions/:subscriptionId', summary: 'Get a subscription (with its ETag)', tags: ['ITSM'],
    access: { type: 'webhook', action: 'read' }, params, response: subscription,
    handler: async ({ params, principal }, _req, res) => {
      const row = await found(principal, params.subscriptionId, 'read');
      sendEtag(res, row.updatedAt);
      return row;
    },
  });

  api.route(router, {
    method: 'post', path: '/webhook-subscriptions', summary: 'Subscribe a URL to events; the signing secret is shown once', tags: ['ITSM'],
    access: { type: 'webhook', action: 'write' },
    body: z.object({
      tenantId: z.uuid(),
      url,
      events: z.array(eventPattern).min(1).max(50),
      description: z.string().max(300).optional(),
    }),
    status: 201,
    response: subscription.extend({ secret: z.string().describe('whsec_…: verify webhook-signature with it (Standard Webhooks)') }),
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'webhook', 'write', `Tenant ${body.tenantId}`);
      await assertReachable(body.url);
      const created = await prisma.webhookSubscription.create({ data: { ...body, description: body.description ?? null, secret: newSigningSecret() } });
      const { secret, ...shown } = created;
      await recordAudit(prisma, principal, req, { action: 'webhook.create', objectType: 'webhook', objectId: created.id, tenantId: created.tenantId, after: shown });
      res.location(`/api/v1/webhook-subscriptions/${created.id}`);
      sendEtag(res, created.updatedAt);
      return { ...shown, secret };
    },
  });

  api.route(router, {
    method: 'patch', path: '/webhook-subscriptions/:subscriptionId', summary: 'Change the URL, events or switch a subscription off (If-Match required)', tags: ['ITSM'],
    access: { type: 'webhook', action: 'write' }, params,
    body: z.object({ url, events: z.array(eventPattern).min(1).max(50), active: z.boolean(), description: z.string().max(300).nullable() }).partial(),
    response: subscription,
    handler: async ({ params, body, principal }, req, res) => {
      const before = await found(principal, params.subscriptionId, 'write');
      if (body.url !== undefined) await assertReachable(body.url);
      const after = await updateIfMatch(req, before, (updatedAt) => prisma.webhookSubscription.updateMany({ where: { id: before.id, updatedAt }, data: body }),
        () => found(principal, params.subscriptionId, 'write'));
      await recordAudit(prisma, principal, req, { action: 'webhook.update', objectType: 'webhook', objectId: after.id, tenantId: after.tenantId, before, after });
      sendEtag(res, after.updatedAt);
      return after;
    },
  });

  api.route(router, {
    method: 'delete', path: '/webhook-subscriptions/:subscriptionId', summary: 'Delete a subscription and its delivery log', tags: ['ITSM'],
    access: { type: 'webhook', action: 'write' }, params, status: 204, response: z.null(),
    handler: async ({ params, principal }, req, res) => {
      const before = await found(principal, params.subscriptionId, 'write');
      await prisma.webhookSubscription.delete({ where: { id: before.id } });
      await recordAudit(prisma, principal, req, { action: 'webhook.delete', objectType: 'webhook', objectId: before.id, tenantId: before.tenantId, before });
      res.status(204).end();
    },
  });

  api.route(router, {
    method: 'get', path: '/webhook-subscriptions/:subscriptionId/deliveries', summary: "A subscription's deliveries, each with its attempts and last answer", tags: ['ITSM'],
    access: { type: 'webhook', action: 'read' }, params,
    query: pageQuery.extend({ status: z.enum(['pending', 'delivered', 'failed']).optional() }),
    response: pageOf(delivery),
    handler: async ({ params, query, principal }) => {
      await found(principal, params.subscriptionId, 'read');
      const where = { subscriptionId: params.subscriptionId, ...(query.status ? { status: query.status } : {}) };
      const rows = await prisma.webhookDelivery.findMany({ ...pageArgs(query, where), include: { event: { select: { type: true } } } });
      const page = toPage(rows, query.limit);
      return {
        items: page.items.map(({ event, subscriptionId: _subscription, ...row }) => ({ ...row, eventType: event.type })),
        nextCursor: page.nextCursor,
      };
    },
  });

  return router;
}
