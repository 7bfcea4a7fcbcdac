// Bulk upgrades: a campaign's devices are chosen by filter and frozen at launch, each given its
// phase; the upgradeCampaign workflow does the rest (api/runs/campaign-runs.ts launches it). Pause,
// resume and abort are the workflow's validated updates; per-device status is read from the
// database, the live picture from the run.
import { WorkflowFailedError } from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { campaignDeviceStatus } from '../../domain/choices.ts';
import { campaignProgressSchema } from '../../domain/progress.ts';
import { abortCampaignUpdate, campaignProgressQuery, campaignWorkflowId, pauseCampaignUpdate, resumeCampaignUpdate, type CampaignProgress } from '../../workflows/upgrade-campaign.messages.ts';
import type { Action } from '../../domain/permissions.ts';
import type { Principal } from '../access/principal.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { planCampaign } from '../runs/campaign-runs.ts';
import { describeRun } from '../runs/launch.ts';
import { campaignUrl, temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { campaignBody, maintenanceWindow, maxCampaignPhases } from '../schemas/campaign.ts';

const campaign = z.object({
  id: z.uuid(), tenantId: z.uuid(), name: z.string(), imageId: z.uuid(), version: z.string(), model: z.string(),
  strategy: z.string(), phases: z.array(z.number()), concurrency: z.number(), failureBudgetPct: z.number(), phaseFailureBudgetPct: z.number().nullable(),
  maintenanceWindow: maintenanceWindow.nullable(), status: z.string(), deadline: z.date().nullable(), createdAt: z.date(), devices: z.number().int(),
  workflowId: z.string(), temporalUiUrl: temporalUiLink,
}).openapi('UpgradeCampaign');

const campaignPreview = z.object({
  model: z.string(), version: z.string(), concurrency: z.number().int(),
  phases: z.array(z.object({
    phase: z.number().int(),
    devices: z.array(z.object({ deviceId: z.uuid(), hostname: z.string(), siteName: z.string(), softwareVersion: z.string().nullable() })),
  })),
}).openapi('UpgradeCampaignPreview');

export function campaignsRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = z.object({ campaignId: z.uuid() });

  type Row = NonNullable<Awaited<ReturnType<typeof found>>>;
  const found = async (principal: Principal, id: string, action: Action) => {
    const row = await prisma.upgradeCampaign.findUnique({ where: { id }, include: { image: true, _count: { select: { devices: true } } } });
    principal.assert(row?.tenantId, 'campaign', action, `Campaign ${id}`);
    return row!;
  };
  const toCampaign = (row: Row, principal: Principal): z.infer<typeof campaign> => {
    const workflowId = campaignWorkflowId(row.id);
    return {
      id: row.id, tenantId: row.tenantId, name: row.name, imageId: row.imageId, version: row.image.version, model: row.image.model,
      strategy: row.strategy, phases: row.phases, concurrency: row.concurrency, failureBudgetPct: Number(row.failureBudgetPct),
      phaseFailureBudgetPct: row.phaseFailureBudgetPct === null ? null : Number(row.phaseFailureBudgetPct),
      maintenanceWindow: row.maintenanceWindow as z.infer<typeof maintenanceWindow> | null, status: row.status, deadline: row.deadline, createdAt: row.createdAt,
      devices: row._count.devices, workflowId, ...temporalRunLink(deps, principal, workflowId, ''),
    };
  };

  api.route(router, {
    method: 'post', path: '/upgrade-campaigns/preview', summary: 'What launching this campaign would do now: the devices the filter freezes, phase by phase (nothing is started)', tags: ['Upgrades'],
    access: { type: 'campaign', action: 'execute' },
    body: campaignBody, response: campaignPreview,
    handler: async ({ body, principal }) => {
      principal.assert(body.tenantId, 'campaign', 'execute', `Tenant ${body.tenantId}`);
      const plan = await planCampaign(prisma, body);
      return {
        model: plan.image.model, version: plan.image.version, concurrency: plan.concurrency,
        phases: plan.sizes.map((_size, phase) => ({
          phase,
          devices: plan.devices.filter((d) => d.phase === phase)
            .map((d) => ({ deviceId: d.id, hostname: d.hostname, siteName: d.site.name, softwareVersion: d.softwareVersion })),
        })),
      };
    },
  });

  api.route(router, {
    method: 'post', path: '/upgrade-campaigns', summary: 'Launch a bulk upgrade: the devices matching the filter are frozen now, phase by phase', tags: ['Upgrades'],
    access: { type: 'campaign', action: 'execute' },
    body: campaignBody, status: 202, response: campaign,
    handler: async ({ body, principal }, req, res) => {
      const launched = await runs.launchCampaign({ principal, req }, body);
      res.location(campaignUrl(launched.campaignId));
      return toCampaign(await found(principal, launched.campaignId, 'read'), principal);
    },
  });

  api.route(router, {
    method: 'get', path: '/upgrade-campaigns', summary: 'List campaigns', tags: ['Upgrades'],
    access: { type: 'campaign', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional() }),
    response: pageOf(campaign),
    handler: async ({ query, principal }) => {
      const rows = await prisma.upgradeCampaign.findMany({ ...pageArgs(query, principal.tenantWhere('campaign', query.tenantId)), include: { image: true, _count: { select: { devices: true } } } });
      const page = toPage(rows, query.limit);
      return { items: page.items.map((row) => toCampaign(row, principal)), nextCursor: page.nextCursor };
    },
  });

  // The run's progress as the API has always documented it: the state as text, the campaign's id left to the campaign.
  const progressSchema = campaignProgressSchema.omit({ campaignId: true }).extend({ state: z.string() });

  api.route(router, {
    method: 'get', path: '/upgrade-campaigns/:campaignId', summary: 'A campaign with its progress per phase and its failures', tags: ['Upgrades'],
    access: { type: 'campaign', action: 'read' }, params,
    response: campaign.extend({ execution: z.string(), progress: progressSchema.nullable() }),
    handler: async ({ params, principal }) => {
      const row = await found(principal, params.campaignId, 'read');
      const handle = temporal.workflow.getHandle(campaignWorkflowId(row.id));
      // No run (a campaign whose launch never reached Temporal): no progress. Temporal out of reach: 503.
      const description = await describeRun(temporal, campaignWorkflowId(row.id));
      const progress: CampaignProgress | undefined = description?.status.name === 'RUNNING'
        ? await handle.query(campaignProgressQuery)
        : description ? await closedProgress(handle.result()) : undefined;
      return { ...toCampaign(row, principal), ...temporalRunLink(deps, principal, campaignWorkflowId(row.id), description?.runId ?? ''), execution: description?.status.name ?? 'UNKNOWN', progress: progress ?? null };
    },
  });

  api.route(router, {
    method: 'get', path: '/upgrade-campaigns/:campaignId/devices', summary: "A campaign's devices with their status and error", tags: ['Upgrades'],
    access: { type: 'campaign', action: 'read' }, params,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200), phase: z.coerce.number().int().min(0).max(maxCampaignPhases - 1, `is a phase number, from 0 to ${maxCampaignPhases - 1}`).optional(), status: z.enum(campaignDeviceStatus.values).optional() }),
    response: z.object({ items: z.array(z.object({ deviceId: z.string(), hostname: z.string(), phase: z.number(), status: z.string(), fromVersion: z.string(), error: z.string().nullable(), attempts: z.number() })) }),
    handler: async ({ params, query, principal }) => {
      await found(principal, params.campaignId, 'read');
      const rows = await prisma.campaignDevice.findMany({
        where: { campaignId: params.campaignId, ...(query.phase !== undefined ? { phase: query.phase } : {}), ...(query.status ? { status: query.status } : {}) },
        orderBy: [{ phase: 'asc' }, { deviceId: 'asc' }], take: query.limit, include: { device: { select: { hostname: true } } },
      });
      return { items: rows.map((r) => ({ deviceId: r.deviceId, hostname: r.device.hostname, phase: r.phase, status: r.status, fromVersion: r.fromVersion, error: r.error, attempts: r.attempts })) };
    },
  });

  const decide = (name: 'pause' | 'resume' | 'abort') => async ({ params, body, principal }: { params: { campaignId: string }; body: { reason?: string } | undefined; principal: Principal }, req: Request) => {
    const row = await found(principal, params.campaignId, 'execute');
    return runs.decide({ principal, req }, {
      workflowId: campaignWorkflowId(row.id),
      refusal: () => problems.conflict(`${row.name} is ${row.status}: it takes no ${name}.`),
      audit: { action: `campaign.${name}`, objectType: 'campaign', objectId: row.id, tenantId: row.tenantId, after: (progress: CampaignProgress) => ({ state: progress.state }) },
    }, (run) => (name === 'pause' ? run.executeUpdate(pauseCampaignUpdate)
      : name === 'resume' ? run.executeUpdate(resumeCampaignUpdate)
        : run.executeUpdate(abortCampaignUpdate, { args: [{ ...(body?.reason ? { reason: body.reason } : {}) }] })));
  };
  for (const name of ['pause', 'resume', 'abort'] as const) {
    api.route(router, {
      method: 'post', path: `/upgrade-campaigns/:campaignId/${name}`,
      summary: { pause: 'Pause: no new device starts; those under way finish', resume: 'Resume a paused campaign', abort: 'Abort: no new device starts; those under way finish; the rest are skipped' }[name],
      tags: ['Upgrades'],
      access: { type: 'campaign', action: 'execute' }, params,
      body: z.object({ reason: z.string().max(500).optional() }),
      response: progressSchema,
      handler: (input, req) => decide(name)(input, req),
    });
  }

  return router;
}


/** A closed campaign's last progress is its result; a campaign that failed (or was terminated) has none. */
async function closedProgress(result: Promise<unknown>): Promise<CampaignProgress | undefined> {
  try {
    return (await result) as CampaignProgress;
  } catch (error) {
    if (error instanceof WorkflowFailedError) return undefined;
    throw error;
  }
}
