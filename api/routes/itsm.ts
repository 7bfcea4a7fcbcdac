// ITSM inbound. An integration (ServiceNow…) holds a secret per tenant and sends change requests
// signed with it (Standard Webhooks: HMAC-SHA256 over id, timestamp and body). A request with a
// bad signature, a timestamp over five minutes old or an id seen before is refused; a ticket sent
// again gets the run its first request started: one ticket, one run.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { newSigningSecret, verify, type VerifyFailure } from '../../runtime/standard-webhooks.ts';
import { Prisma } from '../../prisma/client.ts';
import { unauthenticated } from '../access/authenticate.ts';
import type { Permissions } from '../../domain/permissions.ts';
import { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { rawBodyOf } from '../openapi.ts';
import {
  decommissionProgressUrl, onboardingProgressUrl, runStarted, startDecommission, startOnboarding, temporalRunLink, ticketSchema,
  type OperationDependencies, type RunStarted,
} from '../operations.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';

const operations = {
  'site.onboard': z.object({ siteId: z.uuid(), phoneHomeWithinMinutes: z.number().int().min(1).max(60 * 24 * 90).default(60 * 24 * 7) }),
  'site.decommission': z.object({ siteId: z.uuid() }),
};
type Operation = keyof typeof operations;

/** The fields of a ServiceNow change_request that matter here, plus the operation and its parameters. */
const changeRequest = z.object({
  number: ticketSchema.describe('The ticket number, e.g. CHG0030001: one ticket starts one run'),
  short_description: z.string().min(1).max(160),
  description: z.string().max(4000).optional(),
  sys_id: z.string().max(64).optional(),
  operation: z.enum(Object.keys(operations) as [Operation, ...Operation[]]),
  parameters: z.record(z.string(), z.unknown()),
}).openapi('ItsmChangeRequest');

const integration = z.object({
  id: z.uuid(), tenantId: z.uuid(), name: z.string(), createdAt: z.date(), revokedAt: z.date().nullable(),
}).openapi('ItsmIntegration');

const changeRequestRecord = z.object({
  id: z.uuid(), integrationId: z.uuid(), tenantId: z.uuid(), ticket: z.string(), operation: z.string(), shortDescription: z.string(),
  parameters: z.unknown(), workflowId: z.string(), runId: z.string().nullable(), receivedAt: z.date(),
}).openapi('ItsmChangeRequestRecord');

const refusals: Record<VerifyFailure, string> = {
  'missing-headers': 'The request must carry webhook-id, webhook-timestamp and webhook-signature.',
  'stale-timestamp': 'The request is over five minutes old (or from the future): send it afresh, newly signed.',
  'bad-signature': 'The signature does not match the body with this integration\'s secret.',
};

/** What an integration may do in its tenant: follow sites and runs, and run the operations above. */
const integrationPermissions: Permissions = { site: ['read', 'execute'], run: ['read'] };

export function itsmRouter(api: ApiDefinition, deps: OperationDependencies): Router {
  const router = Router();
  const { prisma } = deps;

  async function verifySigned(req: Request): Promise<Principal> {
    const id = String(req.params['integrationId'] ?? '');
    const found = z.uuid().safeParse(id).success ? await prisma.itsmIntegration.findUnique({ where: { id } }) : null;
    if (!found || found.revokedAt) throw unauthenticated('No such ITSM integration, or it was revoked.');
    const result = verify(found.secret, { id: req.get('webhook-id'), timestamp: req.get('webhook-timestamp'), signature: req.get('webhook-signature') }, rawBodyOf(req) ?? '');
    if (!result.ok) throw unauthenticated(refusals[result.reason]);
    // An id is good once: a captured request replayed within its five minutes is refused.
    await prisma.itsmRequestId.deleteMany({ where: { integrationId: found.id, receivedAt: { lt: new Date(Date.now() - 15 * 60_000) } } });
    try {
      await prisma.itsmRequestId.create({ data: { integrationId: found.id, requestId: result.id } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw problems.conflict(`Request ${result.id} was received already: a new request needs a new webhook-id.`);
      }
      throw error;
    }
    return new Principal({ type: 'itsm', id: found.id, name: found.name }, [
      { scope: 'tenant', opcoId: null, tenantId: found.tenantId, role: 'ITSM integration', permissions: integrationPermissions },
    ], new Map());
  }

  api.route(router, {
    method: 'post',
    path: '/itsm/:integrationId/change-requests',
    summary: 'An ITSM change request starts its operation, once per ticket (signed, Standard Webhooks style)',
    tags: ['ITSM'],
    access: { verify: verifySigned },
    params: z.object({ integrationId: z.uuid() }),
    // Missing ones are the signature's to refuse (401); these limits hold before the id is recorded.
    headers: z.object({
      'webhook-id': z.string().max(200, 'is at most 200 characters').optional().describe('The request\'s own id: each is accepted once'),
      'webhook-timestamp': z.string().max(20, 'is at most 20 characters').optional().describe('When the request was signed, in seconds since 1970'),
    }),
    body: changeRequest,
    status: 202,
    response: runStarted.extend({ ticket: z.string() }),
    handler: async ({ params, body, principal }, req, res) => {
      const tenantId = principal.grants[0]!.tenantId!;
      const earlier = await prisma.itsmChangeRequest.findUnique({ where: { tenantId_ticket: { tenantId, ticket: body.number } } });
      if (earlier) return answerFor(earlier, principal, res);
      const parsed = operations[body.operation].safeParse(body.parameters);
      if (!parsed.success) throw problems.validation(parsed.error.issues.map((i) => ({ path: ['parameters', ...i.path].join('.'), message: i.message })));
      const parameters: { siteId: string; phoneHomeWithinMinutes?: number } = parsed.data;
      const site = await prisma.site.findUnique({ where: { id: parameters.siteId }, include: { devices: { select: { serial: true } } } });
      principal.assert(site?.tenantId, 'site', 'execute', `Site ${parameters.siteId}`);
      const started = body.operation === 'site.onboard'
        ? await startOnboarding(deps, principal, site!, { ticket: body.number, phoneHomeWithinMinutes: parameters.phoneHomeWithinMinutes! })
        : await startDecommission(deps, principal, site!, { ticket: body.number });
      try {
        await prisma.itsmChangeRequest.create({
          data: {
            integrationId: params.integrationId, tenantId, ticket: body.number, operation: body.operation,
            shortDescription: body.short_description, parameters: parameters as Prisma.InputJsonValue,
            workflowId: started.workflowId, runId: started.runId,
          },
        });
      } catch (error) {
        // The same ticket sent twice at once: the other request recorded it first, with the same run.
        if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
        return answerFor((await prisma.itsmChangeRequest.findUnique({ where: { tenantId_ticket: { tenantId, ticket: body.number } } }))!, principal, res);
      }
      await recordAudit(prisma, principal, req, {
        action: `itsm.${body.operation}`, objectType: 'site', objectId: site!.id, tenantId,
        after: { ticket: body.number, shortDescription: body.short_description, workflowId: started.workflowId },
      });
      res.location(started.progressUrl);
      return { ...started, ticket: body.number };
    },
  });

  function answerFor(earlier: { ticket: string; workflowId: string; runId: string | null; parameters: unknown; operation: string }, principal: Principal, res: { location(url: string): void }): RunStarted & { ticket: string } {
    const siteId = (earlier.parameters as { siteId: string }).siteId;
    const progressUrl = earlier.operation === 'site.onboard' ? onboardingProgressUrl(siteId) : decommissionProgressUrl(siteId);
    res.location(progressUrl);
    const runId = earlier.runId ?? '';
    return { ticket: earlier.ticket, workflowId: earlier.workflowId, runId, siteId, started: false, progressUrl, ...temporalRunLink(deps, principal, earlier.workflowId, runId) };
  }

  const integrationParams = z.object({ integrationId: z.uuid() });

  api.route(router, {
    method: 'get', path: '/itsm-integrations', summary: 'List ITSM integrations', tags: ['ITSM'],
    access: { type: 'itsm', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional() }),
    response: pageOf(integration),
    handler: async ({ query, principal }) =>
      toPage(await prisma.itsmIntegration.findMany({ ...pageArgs(query, principal.tenantWhere('itsm', query.tenantId)), omit: { secret: true } }), query.limit),
  });

  api.route(router, {
    method: 'post', path: '/itsm-integrations', summary: 'Register an ITSM system for a tenant; its signing secret is shown once', tags: ['ITSM'],
    access: { type: 'itsm', action: 'write' },
    body: z.object({ tenantId: z.uuid(), name: z.string().trim().min(1).max(100) }),
    status: 201,
    response: integration.extend({ secret: z.string(), changeRequestUrl: z.string() }),
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'itsm', 'write', `Tenant ${body.tenantId}`);
      const created = await prisma.itsmIntegration.create({ data: { ...body, secret: newSigningSecret() } });
      const { secret, ...shown } = created;
      await recordAudit(prisma, principal, req, { action: 'itsm.integration.create', objectType: 'itsm', objectId: created.id, tenantId: created.tenantId, after: shown });
      res.location(`/api/v1/itsm-integrations/${created.id}`);
      return { ...shown, secret, changeRequestUrl: `/api/v1/itsm/${created.id}/change-requests` };
    },
  });

  api.route(router, {
    method: 'delete', path: '/itsm-integrations/:integrationId', summary: 'Revoke an ITSM integration: its requests are refused from now on', tags: ['ITSM'],
    access: { type: 'itsm', action: 'write' }, params: integrationParams, response: integration,
    handler: async ({ params, principal }, req) => {
      const before = await prisma.itsmIntegration.findUnique({ where: { id: params.integrationId }, omit: { secret: true } });
      principal.assert(before?.tenantId, 'itsm', 'write', `ITSM integration ${params.integrationId}`);
      const after = await prisma.itsmIntegration.update({ where: { id: before!.id }, data: { revokedAt: before!.revokedAt ?? new Date() }, omit: { secret: true } });
      await recordAudit(prisma, principal, req, { action: 'itsm.integration.revoke', objectType: 'itsm', objectId: after.id, tenantId: after.tenantId, before, after });
      return after;
    },
  });

  api.route(router, {
    method: 'get', path: '/itsm-change-requests', summary: 'Change requests received, newest last, each with the run it started', tags: ['ITSM'],
    access: { type: 'itsm', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional(), ticket: z.string().max(64).optional() }),
    response: pageOf(changeRequestRecord),
    handler: async ({ query, principal }) => {
      const where = { ...principal.tenantWhere('itsm', query.tenantId), ...(query.ticket ? { ticket: query.ticket } : {}) };
      return toPage(await prisma.itsmChangeRequest.findMany(pageArgs(query, where)), query.limit);
    },
  });

  return router;
}
