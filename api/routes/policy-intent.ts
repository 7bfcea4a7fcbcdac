// A tenant's policy intent and its deployments. The intent is one aggregate, read and replaced
// whole under its ETag, validated as one (an error per field; shadowed rules as warnings). A
// deployment (a dry run, a new version, a rollback to an earlier version, a retry of failed
// sites) starts `deployPolicy/<deploymentId>`; versions are the deployments that made them.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client.ts';
import { compareIntents, intentSchema, validateIntent } from '../../domain/intent.ts';
import { policyDeploymentProgressSchema, type PolicyDeploymentProgress } from '../../domain/progress.ts';
import { intentContext, parseIntent, tenantIntent } from '../../inventory/policy-deployments.ts';
import {
  abortPolicyDeploymentUpdate, deployPolicyWorkflowId, pausePolicyDeploymentUpdate, policyDeploymentProgressQuery, resumePolicyDeploymentUpdate,
} from '../../workflows/deploy-policy.messages.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import { etagOf, ifMatch } from '../etag.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { deploymentStrategy, policyDeploymentBody } from '../schemas/policy-deployment.ts';
import { versionNumber, versionNumberText } from '../schemas/version-number.ts';
import { describeRun } from '../runs/launch.ts';
import type { RunRegistry } from '../runs/registry.ts';

const tags = ['Policies'];
const tenantParams = z.object({ tenantId: z.uuid() });
const deploymentParams = z.object({ deploymentId: z.uuid() });
const fieldProblem = z.object({ path: z.string(), message: z.string() });
const intentView = z.object({ tenantId: z.uuid(), intent: intentSchema, warnings: z.array(fieldProblem) }).openapi('TenantIntent');

const strategy = { ...deploymentStrategy, ticket: z.string().min(1).max(100).optional() };
const deploymentBody = policyDeploymentBody;
const rollbackBody = z.object({ version: versionNumber(), dryRun: z.boolean().default(false), ...strategy }).strict();
const retryBody = z.object({ ...strategy }).strict();

const deploymentStarted = z.object({
  deploymentId: z.uuid(), version: z.number().int().nullable(), workflowId: z.string(), runId: z.string(), started: z.boolean(), progressUrl: z.string(), temporalUiUrl: z.string().optional(),
}).openapi('PolicyDeploymentStarted');

const deploymentView = z.object({
  id: z.uuid(), tenantId: z.uuid(), version: z.number().int().nullable(), dryRun: z.boolean(), rollbackOf: z.number().int().nullable(), retryOf: z.uuid().nullable(),
  status: z.string(), concurrency: z.number().int(), failureBudgetPct: z.number().int(), waveSizes: z.array(z.number().int()),
  note: z.string().nullable(), ticket: z.string().nullable(), createdBy: z.string().nullable(), createdAt: z.date(), closedAt: z.date().nullable(),
}).openapi('PolicyDeployment');

export function policyIntentRouter(api: ApiDefinition, deps: { prisma: PrismaClient; temporal: Client }, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;

  const tenantOf = async (principal: Principal, tenantId: string, action: 'read' | 'write' | 'execute') => {
    const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
    principal.assert(tenant?.id, 'site', action, `Tenant ${tenantId}`);
  };
  const deploymentOf = async (principal: Principal, deploymentId: string, action: 'read' | 'execute') => {
    const row = await prisma.policyDeployment.findUnique({ where: { id: deploymentId }, omit: { intent: true } });
    principal.assert(row?.tenantId, 'site', action, `Policy deployment ${deploymentId}`);
    return row!;
  };
  /** The intent's ETag: its updatedAt; an intent never written has the epoch's. */
  const sendIntentEtag = (res: { setHeader(name: string, value: string): void }, updatedAt: Date | null) => res.setHeader('ETag', etagOf(updatedAt ?? new Date(0)));

  api.route(router, {
    method: 'get', path: '/tenants/:tenantId/policy-intent', summary: "A tenant's policy intent (with its ETag), and the rules an earlier one shadows", tags,
    access: { type: 'site', action: 'read' }, params: tenantParams, response: intentView,
    handler: async ({ params, principal }, _req, res) => {
      await tenantOf(principal, params.tenantId, 'read');
      const { intent, updatedAt } = await tenantIntent(prisma, params.tenantId);
      sendIntentEtag(res, updatedAt);
      return { tenantId: params.tenantId, intent, warnings: validateIntent(intent, await intentContext(prisma, params.tenantId)).warnings };
    },
  });

  api.route(router, {
    method: 'put', path: '/tenants/:tenantId/policy-intent',
    summary: "Replace a tenant's policy intent whole (If-Match required); no device changes until it is deployed", tags,
    access: { type: 'site', action: 'write' }, params: tenantParams, body: intentSchema, response: intentView,
    handler: async ({ params, body, principal }, req, res) => {
      await tenantOf(principal, params.tenantId, 'write');
      const check = validateIntent(body, await intentContext(prisma, params.tenantId));
      if (check.errors.length > 0) throw problems.validation(check.errors);
      const before = await tenantIntent(prisma, params.tenantId);
      const seen = ifMatch(req, before.updatedAt ?? new Date(0));
      // Written only over the version read: a concurrent write makes this match nothing, and 412.
      const written = before.updatedAt === null
        ? await prisma.tenantIntent.createMany({ data: [{ tenantId: params.tenantId, document: body }], skipDuplicates: true })
        : await prisma.tenantIntent.updateMany({ where: { tenantId: params.tenantId, updatedAt: seen }, data: { document: body } });
      if (written.count === 0) ifMatch(req, (await tenantIntent(prisma, params.tenantId)).updatedAt ?? new Date(0));
      const after = await tenantIntent(prisma, params.tenantId);
      await recordAudit(prisma, principal, req, { action: 'policy-intent.update', objectType: 'policy-intent', objectId: params.tenantId, tenantId: params.tenantId, before: before.intent, after: after.intent });
      sendIntentEtag(res, after.updatedAt);
      return { tenantId: params.tenantId, intent: after.intent, warnings: check.warnings };
    },
  });

  const start = (tenantId: string, principal: Principal, req: Request, request: Omit<Parameters<RunRegistry['startPolicyDeployment']>[1], 'tenantId'>) =>
    runs.startPolicyDeployment({ principal, req }, { tenantId, ...request });

  api.route(router, {
    method: 'post', path: '/tenants/:tenantId/policy-deployments',
    summary: "Deploy the tenant's intent as a new policy version (a dry run first, then waves), or preview it only (dryRun)", tags,
    access: { type: 'site', action: 'execute' }, params: tenantParams, body: deploymentBody, status: 202, response: deploymentStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const started = await start(params.tenantId, principal, req, body);
      res.location(started.progressUrl);
      return started;
    },
  });

  api.route(router, {
    method: 'post', path: '/tenants/:tenantId/policy-rollback',
    summary: 'Roll the tenant back to an earlier policy version: a deployment of that version, as a new one (it becomes the intent again)', tags,
    access: { type: 'site', action: 'execute' }, params: tenantParams, body: rollbackBody, status: 202, response: deploymentStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const { version, ...rest } = body;
      const started = await start(params.tenantId, principal, req, { ...rest, rollbackTo: version });
      res.location(started.progressUrl);
      return started;
    },
  });

  api.route(router, {
    method: 'get', path: '/tenants/:tenantId/policy-versions', summary: "The tenant's policy versions, newest first (each the deployment that made it)", tags,
    access: { type: 'site', action: 'read' }, params: tenantParams, response: z.object({ items: z.array(deploymentView) }),
    handler: async ({ params, principal }) => {
      await tenantOf(principal, params.tenantId, 'read');
      const items = await prisma.policyDeployment.findMany({ where: { tenantId: params.tenantId, version: { not: null }, retryOf: null }, orderBy: { version: 'desc' }, omit: { intent: true }, take: 500 });
      return { items };
    },
  });

  const versionIntent = async (tenantId: string, version: number, path: string) => {
    const row = await prisma.policyDeployment.findFirst({ where: { tenantId, version, retryOf: null }, select: { intent: true } });
    if (!row) throw problems.validation([{ path, message: `the tenant has no policy version ${version}` }]);
    return parseIntent(row.intent);
  };
  const sectionChange = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) });
  api.route(router, {
    method: 'get', path: '/tenants/:tenantId/policy-versions/compare', summary: 'What changed from one policy version to another (or to the intent now), by section and name', tags,
    access: { type: 'site', action: 'read' }, params: tenantParams,
    query: z.object({ from: versionNumberText(), to: versionNumberText().optional().describe('None: the intent as it is now') }),
    response: z.object({ from: intentSchema, to: intentSchema, changes: z.record(z.string(), sectionChange) }),
    handler: async ({ params, query, principal }) => {
      await tenantOf(principal, params.tenantId, 'read');
      const from = await versionIntent(params.tenantId, query.from, 'from');
      const to = query.to === undefined ? (await tenantIntent(prisma, params.tenantId)).intent : await versionIntent(params.tenantId, query.to, 'to');
      return { from, to, changes: compareIntents(from, to) };
    },
  });

  api.route(router, {
    method: 'get', path: '/policy-deployments/:deploymentId', summary: 'A policy deployment with its live progress (dry run, waves, failures)', tags,
    access: { type: 'site', action: 'read' }, params: deploymentParams,
    response: deploymentView.extend({ execution: z.string(), progress: policyDeploymentProgressSchema.nullable() }),
    handler: async ({ params, principal }) => {
      const row = await deploymentOf(principal, params.deploymentId, 'read');
      const handle = temporal.workflow.getHandle(deployPolicyWorkflowId(row.id));
      const description = await describeRun(temporal, deployPolicyWorkflowId(row.id));
      const progress: PolicyDeploymentProgress | null = description?.status.name === 'RUNNING' ? await handle.query(policyDeploymentProgressQuery)
        : description?.status.name === 'COMPLETED' ? await handle.result() as PolicyDeploymentProgress : null;
      return { ...row, execution: description?.status.name ?? 'UNKNOWN', progress };
    },
  });

  api.route(router, {
    method: 'get', path: '/policy-deployments/:deploymentId/sites', summary: "A deployment's sites: each one's dry-run diff (or no change) and outcome", tags,
    access: { type: 'site', action: 'read' }, params: deploymentParams,
    query: z.object({ status: z.enum(['pending', 'no_change', 'changed', 'deploying', 'deployed', 'failed', 'rolled_back', 'skipped']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
    response: z.object({ items: z.array(z.object({ siteId: z.uuid(), siteName: z.string(), wave: z.number().int(), status: z.string(), diff: z.string(), error: z.string().nullable() })) }),
    handler: async ({ params, query, principal }) => {
      await deploymentOf(principal, params.deploymentId, 'read');
      const rows = await prisma.policyDeploymentSite.findMany({
        where: { deploymentId: params.deploymentId, ...(query.status ? { status: query.status } : {}) }, orderBy: { siteId: 'asc' }, take: query.limit, include: { site: { select: { name: true } } },
      });
      return { items: rows.map((r) => ({ siteId: r.siteId, siteName: r.site.name, wave: r.wave, status: r.status, diff: r.diff, error: r.error })) };
    },
  });

  api.route(router, {
    method: 'post', path: '/policy-deployments/:deploymentId/retry', summary: "Retry a finished deployment's failed sites: a new deployment of the same version to those sites", tags,
    access: { type: 'site', action: 'execute' }, params: deploymentParams, body: retryBody, status: 202, response: deploymentStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const row = await deploymentOf(principal, params.deploymentId, 'execute');
      if (!['completed_with_failures', 'halted', 'aborted'].includes(row.status)) throw problems.conflict(`The deployment is ${row.status}: only a finished deployment with failed sites is retried.`);
      const started = await start(row.tenantId, principal, req, { ...body, dryRun: false, retryOf: row.id });
      res.location(started.progressUrl);
      return started;
    },
  });

  for (const name of ['pause', 'resume', 'abort'] as const) {
    api.route(router, {
      method: 'post', path: `/policy-deployments/:deploymentId/${name}`,
      summary: { pause: 'Pause: no new site starts; those under way finish', resume: 'Resume a paused deployment', abort: 'Abort: no new site starts; those under way finish; the rest are skipped' }[name],
      tags, access: { type: 'site', action: 'execute' }, params: deploymentParams,
      body: z.object({ reason: z.string().max(500).optional() }), response: policyDeploymentProgressSchema,
      handler: async ({ params, body, principal }, req) => {
        const row = await deploymentOf(principal, params.deploymentId, 'execute');
        return runs.decide({ principal, req }, {
          workflowId: deployPolicyWorkflowId(row.id),
          refusal: () => problems.conflict(`The deployment is ${row.status}: it takes no ${name}.`),
          audit: { action: `policy-deployment.${name}`, objectType: 'policy-deployment', objectId: row.id, tenantId: row.tenantId, after: (progress: PolicyDeploymentProgress) => ({ state: progress.state }) },
        }, (run) => (name === 'pause' ? run.executeUpdate(pausePolicyDeploymentUpdate)
          : name === 'resume' ? run.executeUpdate(resumePolicyDeploymentUpdate)
            : run.executeUpdate(abortPolicyDeploymentUpdate, { args: [{ ...(body?.reason ? { reason: body.reason } : {}) }] })));
      },
    });
  }

  return router;
}
