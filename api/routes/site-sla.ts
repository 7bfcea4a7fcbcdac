// A site's SLA policies on its devices: the preview (each device's own diff of the change) and
// the push, a run of api/runs/sla-runs.ts, followed at its progress URL.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { applySlaPoliciesWorkflowId, type ApplySlaPoliciesResult } from '../../workflows/apply-sla-policies.messages.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { runStarted, temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { ticketSchema } from '../schemas/ticket.ts';

const tags = ['SLA'];
const params = z.object({ siteId: z.uuid() });
const deviceOutcome = z.object({
  deviceId: z.uuid(), hostname: z.string(), serial: z.string(), changed: z.boolean(),
  diff: z.string().optional().describe("The device's diff of the change (preview)"), version: z.number().int().optional().describe('The configuration version the push recorded'),
});

export function siteSlaRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();

  api.route(router, {
    method: 'post', path: '/sites/:siteId/sla-policies/preview', summary: "What pushing the site's SLA policies would change on each device, as the device diffs it (nothing is committed)", tags,
    access: { type: 'site', action: 'execute' }, params,
    response: z.object({ siteId: z.uuid(), devices: z.array(deviceOutcome) }).openapi('SlaPreview'),
    handler: async ({ params, principal }, req) => runs.previewSlaPush({ principal, req }, params.siteId),
  });

  api.route(router, {
    method: 'post', path: '/sites/:siteId/sla-policies/push', summary: "Push the site's SLA policies to its devices (confirmed commit, checks, under each device's lease)", tags,
    access: { type: 'site', action: 'execute' }, params,
    body: z.object({ ticket: ticketSchema.optional() }),
    status: 202, response: runStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const started = await runs.startSlaPush({ principal, req }, { siteId: params.siteId, ticket: body.ticket });
      res.location(started.progressUrl);
      return started;
    },
  });

  api.route(router, {
    method: 'get', path: '/sites/:siteId/sla-policies/push', summary: "The site's latest SLA push: its state, and each device's outcome once done", tags,
    access: { type: 'site', action: 'read' }, params,
    response: z.object({
      workflowId: z.string(), runId: z.string(), execution: z.string(), temporalUiUrl: temporalUiLink,
      devices: z.array(deviceOutcome).optional(), error: z.string().optional(),
    }),
    handler: async ({ params, principal }) => {
      const site = await deps.prisma.site.findUnique({ where: { id: params.siteId }, select: { tenantId: true } });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      const handle = deps.temporal.workflow.getHandle(applySlaPoliciesWorkflowId(params.siteId));
      try {
        const description = await handle.describe();
        const base = { workflowId: description.workflowId, runId: description.runId, execution: description.status.name, ...temporalRunLink(deps, principal, description.workflowId, description.runId) };
        if (description.status.name === 'COMPLETED') return { ...base, devices: ((await handle.result()) as ApplySlaPoliciesResult).devices };
        if (description.status.name === 'FAILED') return { ...base, error: await handle.result().then(() => undefined, (error: Error) => (error.cause as Error | undefined)?.message ?? error.message) };
        return base;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`An SLA push of site ${params.siteId}`);
        throw error;
      }
    },
  });

  return router;
}
