// Starting, following, retrying and aborting a site's onboarding, and decommissioning it. The API
// holds no orchestration logic: it starts workflows with business ids, queries and updates them.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { decommissionProgressQuery, decommissionWorkflowId } from '../../workflows/decommission-site.messages.ts';
import { abortOnboardingUpdate, onboardingProgressQuery, onboardingWorkflowId, retryOnboardingUpdate, type OnboardingProgress } from '../../workflows/onboard-site.messages.ts';
import { ztpProgressQuery, type ZtpProgress } from '../../workflows/ztp.messages.ts';
import type { Action } from '../../domain/permissions.ts';
import {
  decommissionProgressSchema, onboardingProgressSchema, ztpDeviceSchema, ztpProgressSchema, type ZtpDevice,
} from '../../domain/progress.ts';
import type { Principal } from '../access/principal.ts';
import { named, type ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { runStarted, temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { ticketSchema } from '../schemas/ticket.ts';

const siteParams = z.object({ siteId: z.uuid() });

/** A device's zero-touch provisioning, in the run that lists it or in a ZTP child run, with its steps. */
export const deviceProvisioning = ztpDeviceSchema.extend(ztpProgressSchema.pick({ serial: true, steps: true }).shape);

/** Each device's provisioning: as the run lists it, or read from its ZTP child's own progress (none yet: no steps). */
export function provisioningOf(temporal: Client, devices: ZtpDevice[]): Promise<z.infer<typeof deviceProvisioning>[]> {
  return Promise.all(devices.map(async (device) => {
    if (device.steps) return { ...device, serial: device.serial ?? null, steps: device.steps };
    const child: ZtpProgress | undefined = await temporal.workflow.getHandle(device.workflowId).query(ztpProgressQuery).catch(() => undefined);
    return { ...device, serial: child?.serial ?? null, steps: child?.steps ?? [] };
  }));
}

/** The run's progress, each device with its provisioning, and the run as Temporal sees it. */
const onboardingProgress = named('OnboardingProgress', onboardingProgressSchema.extend({
  devices: z.array(deviceProvisioning),
  workflowId: z.string(),
  runId: z.string(),
  /** The run as Temporal sees it: RUNNING, COMPLETED, FAILED, … */
  execution: z.string(),
  temporalUiUrl: temporalUiLink,
}));

/** The decommissioning's steps; its state as text, as the API has always documented it. */
const decommissionProgress = decommissionProgressSchema.pick({ steps: true, error: true }).extend({ execution: z.string(), state: z.string() });

export function onboardingRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;

  const siteOf = async (principal: Principal, siteId: string, action: Action) => {
    const site = await prisma.site.findUnique({ where: { id: siteId }, select: { id: true, tenantId: true, name: true } });
    principal.assert(site?.tenantId, 'site', action, `Site ${siteId}`);
    return site!;
  };

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/onboarding',
    summary: 'Start onboarding a planned (or failed) site; idempotent per site and per ITSM ticket',
    tags: ['Onboarding'],
    access: { type: 'site', action: 'execute' },
    params: siteParams,
    body: z.object({
      ticket: ticketSchema.optional(),
      phoneHomeWithinMinutes: z.number().int().min(1).max(60 * 24 * 90).default(60 * 24 * 7).describe('How long the boxes have to phone home'),
    }),
    status: 202,
    response: runStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const started = await runs.startOnboarding({ principal, req }, { siteId: params.siteId, ...body });
      res.location(started.progressUrl);
      return started;
    },
  });

  api.route(router, {
    method: 'get',
    path: '/sites/:siteId/onboarding',
    summary: "The site's onboarding: every step with its status, times and error, and each device's provisioning",
    tags: ['Onboarding'],
    access: { type: 'site', action: 'read' },
    params: siteParams,
    response: onboardingProgress,
    handler: async ({ params, principal }) => {
      await siteOf(principal, params.siteId, 'read');
      const handle = temporal.workflow.getHandle(onboardingWorkflowId(params.siteId));
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`An onboarding of site ${params.siteId}`);
        throw error;
      }
      const progress: OnboardingProgress = await handle.query(onboardingProgressQuery);
      const devices = await provisioningOf(temporal, progress.devices);
      return {
        ...progress,
        devices,
        workflowId: description.workflowId,
        runId: description.runId,
        execution: description.status.name,
        ...temporalRunLink(deps, principal, description.workflowId, description.runId),
      };
    },
  });

  /** Retry and abort are updates the workflow accepts only while it waits for a decision. */
  const onboardingDecision = async (principal: Principal, siteId: string, action: string) => {
    const site = await siteOf(principal, siteId, 'execute');
    return {
      workflowId: onboardingWorkflowId(site.id),
      refusal: (execution: string | undefined) => (execution
        ? problems.conflict(`The onboarding of ${site.name} is ${execution.toLowerCase()}: it takes no decision.`)
        : problems.notFound(`An onboarding of site ${siteId}`)),
      audit: { action, objectType: 'site', objectId: site.id, tenantId: site.tenantId, after: (result: unknown) => result },
    };
  };

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/onboarding/retry',
    summary: 'Retry a failed onboarding from the step that failed',
    tags: ['Onboarding'],
    access: { type: 'site', action: 'execute' },
    params: siteParams,
    response: z.object({ attempt: z.number().int() }),
    handler: async ({ params, principal }, req) =>
      runs.decide({ principal, req }, await onboardingDecision(principal, params.siteId, 'site.onboarding.retry'), (run) => run.executeUpdate(retryOnboardingUpdate)),
  });

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/onboarding/abort',
    summary: 'Give up a failed onboarding (what it did is undone already)',
    tags: ['Onboarding'],
    access: { type: 'site', action: 'execute' },
    params: siteParams,
    body: z.object({ reason: z.string().max(500).optional() }),
    response: z.object({ aborted: z.literal(true) }),
    handler: async ({ params, body, principal }, req) =>
      runs.decide({ principal, req }, await onboardingDecision(principal, params.siteId, 'site.onboarding.abort'), (run) =>
        run.executeUpdate(abortOnboardingUpdate, { args: [{ ...(body.reason ? { reason: body.reason } : {}) }] })),
  });

  api.route(router, {
    method: 'post',
    path: '/sites/:siteId/decommission',
    summary: "Decommission a site: its tunnels off the hubs and peers, its devices reset, its addresses released",
    tags: ['Onboarding'],
    access: { type: 'site', action: 'execute' },
    params: siteParams,
    body: z.object({ ticket: ticketSchema.optional() }),
    status: 202,
    response: runStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const started = await runs.startDecommission({ principal, req }, { siteId: params.siteId, ...body });
      res.location(started.progressUrl);
      return started;
    },
  });

  api.route(router, {
    method: 'get',
    path: '/sites/:siteId/decommission',
    summary: "The site's decommissioning, step by step",
    tags: ['Onboarding'],
    access: { type: 'site', action: 'read' },
    params: siteParams,
    response: decommissionProgress,
    handler: async ({ params, principal }) => {
      await siteOf(principal, params.siteId, 'read');
      const handle = temporal.workflow.getHandle(decommissionWorkflowId(params.siteId));
      const description = await handle.describe();
      const progress = await handle.query(decommissionProgressQuery);
      return { execution: description.status.name, state: progress.state, steps: progress.steps, error: progress.error };
    },
  });

  return router;
}
