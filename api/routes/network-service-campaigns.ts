// Network-service campaigns: one function of a template version moved to another package of the same
// product on every service of that version (`network-service-campaign/<id>`), started from the
// template, followed with its live progress and its instances, paused, resumed and aborted through
// the run's validated updates.
import { Router } from 'express';
import { z } from 'zod';
import { campaignDeviceStatus } from '../../domain/choices.ts';
import { campaignProgressSchema, type CampaignProgress } from '../../domain/progress.ts';
import { serviceCampaignName } from '../../inventory/network-service-campaigns.ts';
import {
  abortCampaignUpdate, campaignProgressQuery, networkServiceCampaignWorkflowId, pauseCampaignUpdate, resumeCampaignUpdate,
} from '../../workflows/network-service-campaign.messages.ts';
import type { Principal } from '../access/principal.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { networkServiceCampaignBody } from '../schemas/network-service-campaign.ts';
import { describeRun } from '../runs/launch.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';

const tags = ['Network services'];
const campaignParams = z.object({ networkServiceCampaignId: z.uuid() });

const started = z.object({
  campaignId: z.uuid(), templateVersion: z.object({ id: z.uuid(), version: z.number().int() }), instances: z.number().int(),
  workflowId: z.string(), runId: z.string(), started: z.boolean(), progressUrl: z.string(), temporalUiUrl: z.string().optional(),
}).openapi('NetworkServiceCampaignStarted');

const campaignView = z.object({
  id: z.uuid(), tenantId: z.uuid(), name: z.string(), position: z.number().int(),
  fromTemplate: z.object({ id: z.uuid(), name: z.string(), version: z.number().int() }),
  toTemplate: z.object({ id: z.uuid(), name: z.string(), version: z.number().int() }),
  package: z.object({ id: z.uuid(), product: z.string(), version: z.string() }),
  phases: z.array(z.number().int()), concurrency: z.number().int(), failureBudgetPct: z.number().int(), status: z.string(), ticket: z.string().nullable(),
  createdAt: z.date(), closedAt: z.date().nullable(), workflowId: z.string(), execution: z.string(), progress: campaignProgressSchema.nullable(),
}).openapi('NetworkServiceCampaign');

const templateRef = { select: { id: true, name: true, version: true } } as const;

export function networkServiceCampaignsRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;

  const found = async (principal: Principal, id: string, action: 'read' | 'execute') => {
    const row = await prisma.networkServiceCampaign.findUnique({ where: { id }, include: { fromTemplate: templateRef, toTemplate: templateRef, package: { select: { id: true, name: true, version: true } } } });
    principal.assert(row?.tenantId, 'site', action, `Network-service campaign ${id}`);
    return row!;
  };

  api.route(router, {
    method: 'post', path: '/network-service-templates/:networkServiceTemplateId/campaigns',
    summary: "Change one function's package on every active network service of this template version, in canary phases: each instance by its own change of package (rolled back by itself when the new one does not come up healthy); each service moves to the version naming the new package (made now, superseding this one, unless it exists) as its change completes", tags,
    access: { type: 'site', action: 'execute' }, params: z.object({ networkServiceTemplateId: z.uuid() }), body: networkServiceCampaignBody, status: 202, response: started,
    handler: async ({ params, body, principal }, req, res) => {
      const answer = await runs.startNetworkServiceCampaign({ principal, req }, params.networkServiceTemplateId, body);
      res.location(answer.progressUrl);
      return answer;
    },
  });

  api.route(router, {
    method: 'get', path: '/network-service-campaigns/:networkServiceCampaignId', summary: 'A network-service campaign with its live progress (phases, failures)', tags,
    access: { type: 'site', action: 'read' }, params: campaignParams, response: campaignView,
    handler: async ({ params, principal }) => {
      const row = await found(principal, params.networkServiceCampaignId, 'read');
      const workflowId = networkServiceCampaignWorkflowId(row.id);
      const description = await describeRun(temporal, workflowId);
      const handle = temporal.workflow.getHandle(workflowId);
      const progress: CampaignProgress | null = description?.status.name === 'RUNNING' ? await handle.query(campaignProgressQuery)
        : description?.status.name === 'COMPLETED' ? await handle.result() as CampaignProgress : null;
      return {
        id: row.id, tenantId: row.tenantId, name: serviceCampaignName(row), position: row.position, fromTemplate: row.fromTemplate, toTemplate: row.toTemplate,
        package: { id: row.package.id, product: row.package.name, version: row.package.version },
        phases: row.phases, concurrency: row.concurrency, failureBudgetPct: row.failureBudgetPct, status: row.status, ticket: row.ticket,
        createdAt: row.createdAt, closedAt: row.closedAt, workflowId, execution: description?.status.name ?? 'UNKNOWN', progress,
      };
    },
  });

  api.route(router, {
    method: 'get', path: '/network-service-campaigns/:networkServiceCampaignId/instances',
    summary: "A campaign's VNF instances (one per service) with their phase, status and error", tags,
    access: { type: 'site', action: 'read' }, params: campaignParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200), status: z.enum(campaignDeviceStatus.values).optional() }),
    response: z.object({
      items: z.array(z.object({
        vnfInstanceId: z.uuid(), serviceInstanceId: z.uuid(), name: z.string(), hostname: z.string(), phase: z.number().int(), status: z.string(),
        fromVersion: z.string(), error: z.string().nullable(), attempts: z.number().int(),
      })),
    }),
    handler: async ({ params, query, principal }) => {
      await found(principal, params.networkServiceCampaignId, 'read');
      const rows = await prisma.networkServiceCampaignInstance.findMany({
        where: { campaignId: params.networkServiceCampaignId, ...(query.status ? { status: query.status } : {}) },
        orderBy: [{ phase: 'asc' }, { vnfInstanceId: 'asc' }], take: query.limit,
        include: { vnfInstance: { select: { name: true, device: { select: { hostname: true } } } } },
      });
      return {
        items: rows.map((r) => ({
          vnfInstanceId: r.vnfInstanceId, serviceInstanceId: r.serviceInstanceId, name: r.vnfInstance.name, hostname: r.vnfInstance.device.hostname,
          phase: r.phase, status: r.status, fromVersion: r.fromVersion, error: r.error, attempts: r.attempts,
        })),
      };
    },
  });

  for (const name of ['pause', 'resume', 'abort'] as const) {
    api.route(router, {
      method: 'post', path: `/network-service-campaigns/:networkServiceCampaignId/${name}`,
      summary: { pause: 'Pause: no new change of package starts; those under way finish', resume: 'Resume a paused campaign', abort: 'Abort: changes under way finish; the rest are skipped' }[name],
      tags, access: { type: 'site', action: 'execute' }, params: campaignParams,
      body: z.object({ reason: z.string().max(500).optional() }), response: campaignProgressSchema,
      handler: async ({ params, body, principal }, req) => {
        const row = await found(principal, params.networkServiceCampaignId, 'execute');
        return runs.decide({ principal, req }, {
          workflowId: networkServiceCampaignWorkflowId(row.id),
          refusal: () => problems.conflict(`The campaign is ${row.status}: it takes no ${name}.`),
          audit: { action: `network-service-campaign.${name}`, objectType: 'network-service-campaign', objectId: row.id, tenantId: row.tenantId, after: (progress: CampaignProgress) => ({ state: progress.state }) },
        }, (run) => (name === 'pause' ? run.executeUpdate(pauseCampaignUpdate)
          : name === 'resume' ? run.executeUpdate(resumeCampaignUpdate)
            : run.executeUpdate(abortCampaignUpdate, { args: [{ ...(body?.reason ? { reason: body.reason } : {}) }] })));
      },
    });
  }

  return router;
}
