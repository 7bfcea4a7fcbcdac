// ITSM inbound. An integration (ServiceNow…) holds a secret per tenant and sends change requests
// signed with it (Standard Webhooks: HMAC-SHA256 over id, timestamp and body). A request with a
// bad signature or a timestamp over five minutes old is refused; one whose id was answered with a
// 2xx gets that answer again (api/idempotency.ts), one that failed is handled afresh. Each operation
// starts its run through the run registry, as the REST routes do; a ticket sent again gets the run
// its first request started (one ticket, one run: api/runs/tickets.ts).
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
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { HttpProblem, problems, type FieldError } from '../problems.ts';
import type { Origin } from '../runs/launch.ts';
import { temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { changeRequest, changeRequestOperationNames, changeRequestOperations, type ChangeRequestOperation } from '../schemas/change-request.ts';

const changeRequestAccepted = z.object({
  ticket: z.string(),
  operation: z.enum(changeRequestOperationNames),
  workflowId: z.string(),
  runId: z.string(),
  /** Whether this request started the run (false: its ticket, or the same request, started it before). */
  started: z.boolean(),
  progressUrl: z.string(),
  temporalUiUrl: temporalUiLink,
  siteId: z.uuid().optional().describe('The site a site operation runs on'),
  deviceId: z.uuid().optional().describe('The device an upgrade or a replacement runs on'),
  campaignId: z.uuid().optional().describe('The campaign launched'),
  deploymentId: z.uuid().optional().describe('The policy deployment started'),
  networkServiceId: z.uuid().optional().describe('The network service instantiated or terminated'),
}).openapi('ItsmRunStarted');
type ChangeRequestAccepted = z.infer<typeof changeRequestAccepted>;

type OperationParameters<O extends ChangeRequestOperation> = z.infer<(typeof changeRequestOperations)[O]>;
type Start<O extends ChangeRequestOperation> = (origin: Origin, parameters: OperationParameters<O>, ticket: string, tenantId: string) =>
  Promise<Omit<ChangeRequestAccepted, 'ticket' | 'operation'>>;

/** Each operation's start in the run registry, and the object it names in the answer. */
function operationStarts(runs: RunRegistry): { [O in ChangeRequestOperation]: Start<O> } {
  const run = ({ workflowId, runId, started, progressUrl, temporalUiUrl }: { workflowId: string; runId: string; started: boolean; progressUrl: string; temporalUiUrl?: string }) =>
    ({ workflowId, runId, started, progressUrl, ...(temporalUiUrl ? { temporalUiUrl } : {}) });
  return {
    'site.onboard': async (origin, parameters, ticket) => ({ ...run(await runs.startOnboarding(origin, { ...parameters, ticket })), siteId: parameters.siteId }),
    'site.decommission': async (origin, parameters, ticket) => ({ ...run(await runs.startDecommission(origin, { ...parameters, ticket })), siteId: parameters.siteId }),
    'device.upgrade': async (origin, parameters, ticket) => ({ ...run(await runs.startDeviceUpgrade(origin, { ...parameters, ticket })), deviceId: parameters.deviceId }),
    'campaign.launch': async (origin, parameters, ticket, tenantId) => {
      const launched = await runs.launchCampaign(origin, { ...parameters, tenantId, ticket });
      return { ...run(launched), campaignId: launched.campaignId };
    },
    // Admitted by the host key the spare reported: no activation code goes through ITSM (api/runs/device-runs.ts says why).
    'device.rma': async (origin, parameters, ticket) =>
      ({ ...run(await runs.startReplacement(origin, { ...parameters, admitBy: 'host_key', ticket })), deviceId: parameters.deviceId }),
    'policy.deploy': async (origin, { rollbackTo, ...parameters }, ticket, tenantId) => {
      const started = await runs.startPolicyDeployment(origin, { ...parameters, tenantId, ticket, ...(rollbackTo !== undefined ? { rollbackTo } : {}) });
      return { ...run(started), deploymentId: started.deploymentId };
    },
    'network-service.instantiate': async (origin, { siteId, ...request }, ticket) => {
      const started = await runs.startNetworkService(origin, siteId, { ...request, ticket });
      return { ...run(started), siteId, networkServiceId: started.serviceInstanceId };
    },
    'network-service.terminate': async (origin, parameters, ticket) => {
      const asked = await runs.terminateNetworkService(origin, { ...parameters, ticket });
      return { ...run(asked), networkServiceId: asked.serviceInstanceId };
    },
  };
}

/** A field error of the operation's parameters, named as the change request holds them. */
const inParameters = (errors: FieldError[]) => problems.validation(errors.map((error) => ({ ...error, path: `parameters.${error.path}` })));

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
const integrationPermissions: Permissions = {
  site: ['read', 'execute'], device: ['read', 'execute'], campaign: ['read', 'execute'], rma: ['read', 'execute'], run: ['read'],
};

export function itsmRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma } = deps;
  const starts = operationStarts(runs);

  async function verifySigned(req: Request): Promise<Principal> {
    const id = String(req.params['integrationId'] ?? '');
    const found = z.uuid().safeParse(id).success ? await prisma.itsmIntegration.findUnique({ where: { id } }) : null;
    if (!found || found.revokedAt) throw unauthenticated('No such ITSM integration, or it was revoked.');
    const result = verify(found.secret, { id: req.get('webhook-id'), timestamp: req.get('webhook-timestamp'), signature: req.get('webhook-signature') }, rawBodyOf(req) ?? '');
    if (!result.ok) throw unauthenticated(refusals[result.reason]);
    // The webhook-id is the request's idempotency key (access.requestId): a resend, or a captured
    // request replayed within its five minutes, gets the first 2xx answer back and starts nothing.
    return new Principal({ type: 'itsm', id: found.id, name: found.name }, [
      { scope: 'tenant', opcoId: null, tenantId: found.tenantId, role: 'ITSM integration', permissions: integrationPermissions },
    ], new Map());
  }

  api.route(router, {
    method: 'post',
    path: '/itsm/:integrationId/change-requests',
    summary: 'An ITSM change request starts its operation, once per ticket (signed, Standard Webhooks style)',
    tags: ['ITSM'],
    access: { verify: verifySigned, requestId: (req) => req.get('webhook-id') },
    params: z.object({ integrationId: z.uuid() }),
    // Missing ones are the signature's to refuse (401); these limits hold before the id is recorded.
    headers: z.object({
      'webhook-id': z.string().max(200, 'is at most 200 characters').optional().describe('The request\'s own id, kept across its retries: a resend gets the first 2xx answer back'),
      'webhook-timestamp': z.string().max(20, 'is at most 20 characters').optional().describe('When the request was signed, in seconds since 1970'),
    }),
    body: changeRequest.openapi('ItsmChangeRequest'),
    status: 202,
    response: changeRequestAccepted,
    handler: async ({ params, body, principal }, req, res) => {
      const tenantId = principal.grants[0]!.tenantId!;
      const parsed = changeRequestOperations[body.operation].safeParse(body.parameters);
      if (!parsed.success) throw inParameters(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
      const origin: Origin = { principal, req, audit: { action: `itsm.${body.operation}`, after: { ticket: body.number, shortDescription: body.short_description } } };
      const start = starts[body.operation] as Start<ChangeRequestOperation>;
      let started;
      try {
        started = await start(origin, parsed.data as never, body.number, tenantId);
      } catch (error) {
        if (error instanceof HttpProblem && error.slug === 'validation') throw inParameters(error.extensions['errors'] as FieldError[]);
        throw error;
      }
      try {
        await prisma.itsmChangeRequest.create({
          data: {
            integrationId: params.integrationId, tenantId, ticket: body.number, operation: body.operation,
            shortDescription: body.short_description, parameters: parsed.data as Prisma.InputJsonValue,
            workflowId: started.workflowId, runId: started.runId || null,
          },
        });
      } catch (error) {
        // The ticket recorded already: sent again, or twice at once (the other request recorded the same run).
        if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
      }
      res.location(started.progressUrl);
      return { ticket: body.number, operation: body.operation, ...started };
    },
  });

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
