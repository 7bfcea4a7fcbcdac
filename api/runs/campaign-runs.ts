// Bulk upgrades: a campaign's devices are chosen by filter and frozen at launch, each given its
// phase, and `upgrade-campaign/<campaignId>` does the rest. Every launch is a new campaign, so a
// second start of its id cannot happen; a ticket sent again gets the campaign it launched.
import { upgradableDeviceStatuses } from '../../domain/choices.ts';
import type { upgradeCampaign } from '../../workflows/upgrade-campaign.ts';
import { campaignWorkflowId } from '../../workflows/upgrade-campaign.messages.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { temporalNeverReached } from '../temporal.ts';
import { HttpProblem, problems } from '../problems.ts';
import type { CampaignBody } from '../schemas/campaign.ts';
import { auditStart, describeRun, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { campaignUrl, temporalRunLink } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

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

/**
 * What a campaign of this body would do, decided once for the launch and its preview: the image,
 * the devices the filter freezes (in id order) and each one's phase. Refuses what the launch would.
 */
export async function planCampaign(prisma: PrismaClient, body: CampaignBody) {
  const image = await prisma.firmwareImage.findUnique({ where: { id: body.imageId } });
  if (!image) throw problems.validation([{ path: 'imageId', message: 'no such image in the catalogue' }]);
  if (await prisma.upgradeCampaign.findFirst({ where: { tenantId: body.tenantId, name: body.name }, select: { id: true } })) {
    throw problems.validation([{ path: 'name', message: 'this tenant already has a campaign of that name' }]);
  }
  const devices = await prisma.device.findMany({
    where: {
      model: image.model, serial: { not: null }, managementAddress: { not: null }, status: { in: [...upgradableDeviceStatuses.values] },
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
}

export type CampaignRequest = CampaignBody & { ticket?: string | undefined };

export interface CampaignStarted {
  campaignId: string;
  workflowId: string;
  runId: string;
  started: boolean;
  progressUrl: string;
  temporalUiUrl?: string;
}

/** Launches a bulk upgrade: the campaign and its devices are stored, then its run starts. */
export async function launchCampaign(deps: RunDependencies, origin: Origin, request: CampaignRequest): Promise<CampaignStarted> {
  const { prisma, temporal } = deps;
  const { ticket, ...body } = request;
  origin.principal.assert(body.tenantId, 'campaign', 'execute', `Tenant ${body.tenantId}`);
  const answer = (campaignId: string, workflowId: string, runId: string, started: boolean): CampaignStarted => ({
    campaignId, workflowId, runId, started, progressUrl: campaignUrl(campaignId), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId: body.tenantId, ticket, kind: 'upgrade_campaign' });
  if (earlier) {
    const run = await describeRun(temporal, earlier.workflowId, earlier.runId ?? undefined);
    const campaignId = run?.memo?.['campaignId'];
    if (typeof campaignId !== 'string') throw problems.conflict(`Ticket ${ticket} already started ${earlier.workflowId}: one ticket starts one run.`, { workflowId: earlier.workflowId });
    return answer(campaignId, earlier.workflowId, earlier.runId ?? run!.runId, false);
  }
  const { image, devices, sizes, phases, concurrency } = await planCampaign(prisma, body);
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
  let runId: string;
  try {
    ({ runId } = await launch(temporal, workflowId, { refuse: problems.conflict(`Campaign ${created.id} is running already.`, { workflowId }) }, () =>
      temporal.workflow.start<typeof upgradeCampaign>('upgradeCampaign', {
        ...startOptions(workflowId, { tenantId: created.tenantId, ticket }),
        // The ticket sent again finds its campaign here.
        memo: { campaignId: created.id },
        args: [{ campaignId: created.id }],
      }), { prisma, tenantId: created.tenantId, ticket, kind: 'upgrade_campaign' }));
  } catch (error) {
    // Temporal was out of reach: the campaign did not begin, and its name stays free for the launch sent again.
    // Refused (its ticket claimed by a launch just before): no run either.
    if (temporalNeverReached(error) || error instanceof HttpProblem) await prisma.upgradeCampaign.delete({ where: { id: created.id } });
    throw error;
  }
  await auditStart(deps, origin, {
    action: 'campaign.start', objectType: 'campaign', objectId: created.id, tenantId: created.tenantId,
    after: { ...body, devices: devices.length, phases: sizes, ...(ticket ? { ticket } : {}) },
  });
  return answer(created.id, workflowId, runId, true);
}
