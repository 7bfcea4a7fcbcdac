// Bulk upgrades: a campaign's devices are chosen by filter and frozen at launch, each given its
// phase; the upgradeCampaign workflow does the rest. Pause, resume and abort are the workflow's
// validated updates; per-device status is read from the database, the live picture from the run.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { campaignDeviceStatus } from '../../domain/choices.ts';
import { campaignProgressSchema } from '../../domain/progress.ts';
import { searchAttributeKeys, taskQueues } from '../../domain/task-queues.ts';
import type { upgradeCampaign } from '../../workflows/upgrade-campaign.ts';
import { abortCampaignUpdate, campaignProgressQuery, campaignWorkflowId, pauseCampaignUpdate, resumeCampaignUpdate, type CampaignProgress } from '../../workflows/upgrade-campaign.messages.ts';
import type { Action } from '../../domain/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { temporalRunLink, temporalUiLink, type OperationDependencies } from '../operations.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { campaignBody, maintenanceWindow, maxCampaignPhases, type CampaignBody } from '../schemas/campaign.ts';

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

/** Device counts per phase: each phase at least one device, the last taking the rest. */
export function phaseSizes(count: number, cumulativePercents: number[]): number[] {
  const sizes: number[] = [];
  let assigned = 0;
  for (const percent of cumulativePercents) {
    const upTo = Math.min(count, Math.max(assigned + 1, Math.ceil((percent / 100) * count)));
    if (upTo > assigned) sizes.push(upTo - assigned);
    assigned = upTo;
  }
  return sizes;
}

export function campaignsRouter(api: ApiDefinition, deps: OperationDependencies): Router {
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

  /**
   * What a campaign of this body would do, decided once for the launch and its preview: the image,
   * the devices the filter freezes (in id order) and each one's phase. Refuses what the launch would.
   */
  const planCampaign = async (body: CampaignBody) => {
    const image = await prisma.firmwareImage.findUnique({ where: { id: body.imageId } });
    if (!image) throw problems.validation([{ path: 'imageId', message: 'no such image in the catalogue' }]);
    if (await prisma.upgradeCampaign.findFirst({ where: { tenantId: body.tenantId, name: body.name }, select: { id: true } })) {
      throw problems.validation([{ path: 'name', message: 'this tenant already has a campaign of that name' }]);
    }
    const devices = await prisma.device.findMany({
      where: {
        model: image.model, serial: { not: null }, managementAddress: { not: null }, status: { in: ['online', 'offline'] },
        softwareVersion: body.filter.currentVersions ? { in: body.filter.currentVersions } : { not: image.version },
        site: {
          tenantId: body.tenantId, status: 'active',
          ...(body.filter.siteIds ? { id: { in: body.filter.siteIds } } : {}),
          ...(body.filter.siteTags ? { tags: { hasSome: body.filter.siteTags } } : {}),
        },
      },
      orderBy: { id: 'asc' },
      select: { id: true, hostname: true, softwareVersion: true, site: { select: { name: true } } },
    });
    if (devices.length === 0) throw problems.validation([{ path: 'filter', message: `no active ${image.model} of this tenant matches the filter below ${image.version}` }]);
    const sizes = body.strategy === 'canary' ? phaseSizes(devices.length, body.phases) : [devices.length];
    const phaseOf = sizes.flatMap((size, phase) => Array.from({ length: size }, () => phase));
    return {
      image, sizes,
      devices: devices.map((d, index) => ({ ...d, phase: phaseOf[index]! })),
      phases: body.strategy === 'canary' ? body.phases : [100],
      concurrency: body.strategy === 'serial' ? 1 : body.concurrency,
    };
  };

  api.route(router, {
    method: 'post', path: '/upgrade-campaigns/preview', summary: 'What launching this campaign would do now: the devices the filter freezes, phase by phase (nothing is started)', tags: ['Upgrades'],
    access: { type: 'campaign', action: 'execute' },
    body: campaignBody, response: campaignPreview,
    handler: async ({ body, principal }) => {
      principal.assert(body.tenantId, 'campaign', 'execute', `Tenant ${body.tenantId}`);
      const plan = await planCampaign(body);
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
      principal.assert(body.tenantId, 'campaign', 'execute', `Tenant ${body.tenantId}`);
      const { image, devices, sizes, phases, concurrency } = await planCampaign(body);
      const created = await prisma.$transaction(async (tx) => {
        const row = await tx.upgradeCampaign.create({
          data: {
            tenantId: body.tenantId, name: body.name, imageId: image.id, strategy: body.strategy, phases, concurrency,
            failureBudgetPct: body.failureBudgetPct, phaseFailureBudgetPct: body.phaseFailureBudgetPct ?? null,
            ...(body.maintenanceWindow ? { maintenanceWindow: body.maintenanceWindow } : {}),
            filter: body.filter, deadline: new Date(Date.now() + body.deadlineHours * 3_600_000),
          },
        });
        await tx.campaignDevice.createMany({ data: devices.map((d) => ({ campaignId: row.id, deviceId: d.id, phase: d.phase, fromVersion: d.softwareVersion ?? 'unknown' })) });
        return row;
      });
      const workflowId = campaignWorkflowId(created.id);
      await temporal.workflow.start<typeof upgradeCampaign>('upgradeCampaign', {
        workflowId, taskQueue: taskQueues.orchestration, args: [{ campaignId: created.id }],
        typedSearchAttributes: [{ key: searchAttributeKeys.tenant, value: created.tenantId }],
      });
      await recordAudit(prisma, principal, req, { action: 'campaign.start', objectType: 'campaign', objectId: created.id, tenantId: created.tenantId, after: { ...body, devices: devices.length, phases: sizes } });
      res.location(`/api/v1/upgrade-campaigns/${created.id}`);
      return toCampaign(await found(principal, created.id, 'read'), principal);
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
      const description = await handle.describe().catch(() => undefined);
      const progress: CampaignProgress | undefined = description?.status.name === 'RUNNING'
        ? await handle.query(campaignProgressQuery)
        : description ? await handle.result().catch(() => undefined) as CampaignProgress | undefined : undefined;
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
    const handle = temporal.workflow.getHandle(campaignWorkflowId(row.id));
    const run = await handle.describe().catch(() => undefined);
    if (run?.status.name !== 'RUNNING') throw problems.conflict(`${row.name} is ${row.status}: it takes no ${name}.`);
    try {
      const progress = name === 'pause' ? await handle.executeUpdate(pauseCampaignUpdate)
        : name === 'resume' ? await handle.executeUpdate(resumeCampaignUpdate)
          : await handle.executeUpdate(abortCampaignUpdate, { args: [{ ...(body?.reason ? { reason: body.reason } : {}) }] });
      await recordAudit(prisma, principal, req, { action: `campaign.${name}`, objectType: 'campaign', objectId: row.id, tenantId: row.tenantId, after: { state: progress.state } });
      return progress;
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw problems.conflict(error.cause?.message ?? error.message);
      throw error;
    }
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

