// Starting, following, retrying and aborting a site's onboarding, and decommissioning it. The API
// holds no orchestration logic: it starts workflows with business ids, queries and updates them.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import {
  decommissionProgressQuery, decommissionSite, decommissionWorkflowId,
} from '../../workflows/decommission-site.ts';
import {
  abortOnboardingUpdate, onboardingProgressQuery, onboardingWorkflowId, onboardSite, retryOnboardingUpdate, type OnboardingProgress,
} from '../../workflows/onboard-site.ts';
import { searchAttributeKeys, taskQueues } from '../../workflows/task-queues.ts';
import { ztpProgressQuery, type ZtpProgress } from '../../workflows/ztp.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';

const siteParams = z.object({ siteId: z.uuid() });
const ticket = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$/, 'is an ITSM ticket number such as CHG0030001');

const runStarted = z.object({
  workflowId: z.string(),
  runId: z.string(),
  siteId: z.uuid(),
  /** Whether this request started the run (false: it was running already, for this site or this ticket). */
  started: z.boolean(),
  progressUrl: z.string(),
  temporalUiUrl: z.string(),
}).openapi('RunStarted');

const stepSchema = z.object({
  name: z.string(), label: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'compensating', 'compensated', 'skipped']),
  startedAt: z.string().optional(), endedAt: z.string().optional(), error: z.string().optional(), detail: z.string().optional(),
}).openapi('Step');

const onboardingProgress = z.object({
  workflowId: z.string(),
  runId: z.string(),
  /** The run as Temporal sees it: RUNNING, COMPLETED, FAILED, … */
  execution: z.string(),
  temporalUiUrl: z.string(),
  siteId: z.uuid(),
  siteName: z.string().nullable(),
  state: z.enum(['running', 'compensating', 'failed', 'completed', 'aborted']),
  attempt: z.number().int(),
  steps: z.array(stepSchema),
  failedStep: z.string().nullable(),
  error: z.string().nullable(),
  deadline: z.string().nullable(),
  devices: z.array(z.object({
    deviceId: z.string(), hostname: z.string(), workflowId: z.string(), serial: z.string().nullable(), steps: z.array(stepSchema),
  })),
}).openapi('OnboardingProgress');

export function onboardingRouter(api: ApiDefinition, deps: { prisma: PrismaClient; temporal: Client; namespace: string; temporalUiUrl: string }): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const uiLink = (workflowId: string, runId: string) =>
    `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;

  const siteOf = async (siteId: string) => {
    const site = await prisma.site.findUnique({ where: { id: siteId }, include: { devices: { select: { serial: true } } } });
    if (!site) throw problems.notFound(`Site ${siteId}`);
    return site;
  };

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/onboarding',
    summary: 'Start onboarding a planned (or failed) site; idempotent per site and per ITSM ticket',
    tags: ['Onboarding'],
    params: siteParams,
    body: z.object({
      ticket: ticket.optional(),
      phoneHomeWithinMinutes: z.number().int().min(1).max(60 * 24 * 90).default(60 * 24 * 7).describe('How long the boxes have to phone home'),
    }),
    status: 202,
    response: runStarted,
    handler: async ({ params, body }, _req, res) => {
      const site = await siteOf(params.siteId);
      const workflowId = onboardingWorkflowId(site.id);
      const byTicket = body.ticket
        ? await prisma.runSummary.findFirst({ where: { ticket: body.ticket, kind: 'site_onboarding' }, orderBy: { startedAt: 'desc' } })
        : null;
      const progressUrl = `/api/v1/sites/${site.id}/onboarding`;
      res.location(progressUrl);
      if (byTicket) {
        // One ticket, one run, whatever became of it: ITSM systems send again when unsure.
        if (byTicket.siteId !== site.id) throw problems.conflict(`Ticket ${body.ticket} already started the onboarding of another site.`, { workflowId: byTicket.workflowId });
        const runId = byTicket.runId ?? '';
        return { workflowId: byTicket.workflowId, runId, siteId: site.id, started: false, progressUrl, temporalUiUrl: uiLink(byTicket.workflowId, runId) };
      }
      const running = await temporal.workflow.getHandle(workflowId).describe().then((d) => d.status.name === 'RUNNING' ? d : undefined, () => undefined);
      if (!running && !['planned', 'failed'].includes(site.status)) {
        throw problems.conflict(`${site.name} is ${site.status}: only a planned or failed site can be onboarded.`, { status: site.status });
      }
      const runId = running?.runId ?? (await temporal.workflow.start(onboardSite, {
        workflowId,
        taskQueue: taskQueues.orchestration,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ siteId: site.id, tenantId: site.tenantId, ...(body.ticket ? { ticket: body.ticket } : {}), phoneHomeWithin: `${body.phoneHomeWithinMinutes} minutes` }],
        typedSearchAttributes: [
          { key: searchAttributeKeys.tenant, value: site.tenantId },
          { key: searchAttributeKeys.site, value: site.id },
          { key: searchAttributeKeys.deviceSerials, value: site.devices.flatMap((d) => (d.serial ? [d.serial] : [])) },
          ...(body.ticket ? [{ key: searchAttributeKeys.ticket, value: body.ticket }] : []),
        ],
      })).firstExecutionRunId;
      return { workflowId, runId, siteId: site.id, started: !running, progressUrl, temporalUiUrl: uiLink(workflowId, runId) };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/sites/:siteId/onboarding',
    summary: "The site's onboarding: every step with its status, times and error, and each device's provisioning",
    tags: ['Onboarding'],
    params: siteParams,
    response: onboardingProgress,
    handler: async ({ params }) => {
      await siteOf(params.siteId);
      const handle = temporal.workflow.getHandle(onboardingWorkflowId(params.siteId));
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`An onboarding of site ${params.siteId}`);
        throw error;
      }
      const progress: OnboardingProgress = await handle.query(onboardingProgressQuery);
      const devices = await Promise.all(progress.devices.map(async (device) => {
        const child: ZtpProgress | undefined = await temporal.workflow.getHandle(device.workflowId).query(ztpProgressQuery).catch(() => undefined);
        return { ...device, serial: child?.serial ?? null, steps: child?.steps ?? [] };
      }));
      return {
        ...progress,
        devices,
        workflowId: description.workflowId,
        runId: description.runId,
        execution: description.status.name,
        temporalUiUrl: uiLink(description.workflowId, description.runId),
      };
    },
  });

  /** Retry and abort are updates the workflow accepts only while it waits for a decision. */
  const decide = async <T>(siteId: string, update: () => Promise<T>): Promise<T> => {
    const site = await siteOf(siteId);
    const run = await temporal.workflow.getHandle(onboardingWorkflowId(siteId)).describe().catch(() => undefined);
    if (!run) throw problems.notFound(`An onboarding of site ${siteId}`);
    if (run.status.name !== 'RUNNING') throw problems.conflict(`The onboarding of ${site.name} is ${run.status.name.toLowerCase()}: it takes no decision.`);
    try {
      return await update();
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw problems.conflict(error.cause?.message ?? error.message);
      throw error;
    }
  };

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/onboarding/retry',
    summary: 'Retry a failed onboarding from the step that failed',
    tags: ['Onboarding'],
    params: siteParams,
    response: z.object({ attempt: z.number().int() }),
    handler: ({ params }) => decide(params.siteId, () =>
      temporal.workflow.getHandle(onboardingWorkflowId(params.siteId)).executeUpdate(retryOnboardingUpdate)),
  });

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/onboarding/abort',
    summary: 'Give up a failed onboarding (what it did is undone already)',
    tags: ['Onboarding'],
    params: siteParams,
    body: z.object({ reason: z.string().max(500).optional() }),
    response: z.object({ aborted: z.literal(true) }),
    handler: ({ params, body }) => decide(params.siteId, () =>
      temporal.workflow.getHandle(onboardingWorkflowId(params.siteId)).executeUpdate(abortOnboardingUpdate, { args: [{ ...(body.reason ? { reason: body.reason } : {}) }] })),
  });

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/decommission',
    summary: "Decommission a site: its tunnels off the hubs and peers, its devices reset, its addresses released",
    tags: ['Onboarding'],
    params: siteParams,
    body: z.object({ ticket: ticket.optional() }),
    status: 202,
    response: runStarted,
    handler: async ({ params, body }, _req, res) => {
      const site = await siteOf(params.siteId);
      if (!['active', 'failed', 'decommissioning'].includes(site.status)) {
        throw problems.conflict(`${site.name} is ${site.status}: only an active or failed site can be decommissioned.`, { status: site.status });
      }
      const onboarding = await temporal.workflow.getHandle(onboardingWorkflowId(site.id)).describe().catch(() => undefined);
      if (onboarding?.status.name === 'RUNNING') throw problems.conflict(`${site.name} is still being onboarded: abort that first.`, { workflowId: onboarding.workflowId });
      const workflowId = decommissionWorkflowId(site.id);
      const handle = await temporal.workflow.start(decommissionSite, {
        workflowId,
        taskQueue: taskQueues.orchestration,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ siteId: site.id, tenantId: site.tenantId, ...(body.ticket ? { ticket: body.ticket } : {}) }],
        typedSearchAttributes: [
          { key: searchAttributeKeys.tenant, value: site.tenantId },
          { key: searchAttributeKeys.site, value: site.id },
          ...(body.ticket ? [{ key: searchAttributeKeys.ticket, value: body.ticket }] : []),
        ],
      });
      const progressUrl = `/api/v1/sites/${site.id}/decommission`;
      res.location(progressUrl);
      return { workflowId, runId: handle.firstExecutionRunId, siteId: site.id, started: true, progressUrl, temporalUiUrl: uiLink(workflowId, handle.firstExecutionRunId) };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/sites/:siteId/decommission',
    summary: "The site's decommissioning, step by step",
    tags: ['Onboarding'],
    params: siteParams,
    response: z.object({ execution: z.string(), state: z.string(), steps: z.array(stepSchema), error: z.string().nullable() }),
    handler: async ({ params }) => {
      await siteOf(params.siteId);
      const handle = temporal.workflow.getHandle(decommissionWorkflowId(params.siteId));
      const description = await handle.describe();
      const progress = await handle.query(decommissionProgressQuery);
      return { execution: description.status.name, state: progress.state, steps: progress.steps, error: progress.error };
    },
  });

  return router;
}
