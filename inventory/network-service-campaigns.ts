// Network-service campaigns: one function's package changed across every network service of a
// template version. The campaign names the version its services move to — the version chaining the
// new package in that function's place: an existing later version that does (a campaign halted
// before, run again), else a new version superseding the one changed. Its VNF instances are frozen
// at launch with their phase; each service moves to the new version the moment its change
// completes, so a halted campaign leaves every service on the version that says what it runs.
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { notStartedCampaignDeviceStatuses } from '../domain/choices.ts';
import type { CampaignCandidate, CampaignDeviceStatus, CampaignStatus } from './campaigns.ts';
import { createTemplateIn, templateInclude, type TemplateFunction, type TemplateRow } from './network-services.ts';

/** Why a campaign cannot be stored (a conflict with the template's versions, or a campaign of the same change under way). */
export class ServiceCampaignRefused extends Error {
  constructor(message: string, readonly campaignId?: string) {
    super(message);
  }
}

/** The template's functions with `packageId` in function `position`'s place. */
const withPackage = (row: TemplateRow, position: number, packageId: string): TemplateFunction[] =>
  row.functions.map((f) => ({ packageId: f.position === position ? packageId : f.packageId, flavour: f.flavour, leftInterface: f.leftInterface, rightInterface: f.rightInterface }));

const sameChain = (row: TemplateRow, functions: TemplateFunction[]) =>
  row.functions.length === functions.length && row.functions.every((f, i) => {
    const wanted = functions[i]!;
    return f.packageId === wanted.packageId && f.flavour === wanted.flavour && f.leftInterface === wanted.leftInterface && f.rightInterface === wanted.rightInterface;
  });

/** The VNF instances a campaign on `from` would change: function `position` of each active service not on the package yet, in id order. */
export async function campaignInstances(prisma: PrismaClient, input: { fromTemplateId: string; position: number; packageId: string }) {
  return prisma.vnfInstance.findMany({
    where: {
      position: input.position, packageId: { not: input.packageId }, status: { in: ['running', 'degraded'] },
      serviceInstance: { serviceId: input.fromTemplateId, status: 'active' },
    },
    orderBy: { id: 'asc' },
    select: { id: true, serviceInstanceId: true, package: { select: { version: true } } },
  });
}

export interface NewServiceCampaign {
  tenantId: string;
  from: TemplateRow;
  position: number;
  packageId: string;
  phases: number[];
  concurrency: number;
  failureBudgetPct: number;
  ticket?: string | undefined;
  instances: { vnfInstanceId: string; serviceInstanceId: string; phase: number; fromVersion: string }[];
}

/** Stores the campaign, its instances and the version its services move to, in one transaction. */
export async function createServiceCampaign(prisma: PrismaClient, input: NewServiceCampaign) {
  return prisma.$transaction(async (tx) => {
    // Two launches of one change at once (a double click, a resend without its key) take turns here:
    // the second finds the first's campaign under way and is refused, rather than changing the same functions again.
    await tx.$queryRaw`SELECT id FROM network_service WHERE id = ${input.from.id}::uuid FOR UPDATE`;
    const underWay = await tx.networkServiceCampaign.findFirst({
      where: { fromTemplateId: input.from.id, position: input.position, packageId: input.packageId, status: { in: ['scheduled', 'running', 'paused'] } },
      select: { id: true },
    });
    if (underWay) throw new ServiceCampaignRefused(`Campaign ${underWay.id} makes this change to ${input.from.name} version ${input.from.version} already: follow it.`, underWay.id);
    const functions = withPackage(input.from, input.position, input.packageId);
    const later = await tx.networkService.findMany({ where: { tenantId: input.tenantId, name: input.from.name, version: { gt: input.from.version } }, include: templateInclude, orderBy: { version: 'asc' } });
    let to = later.find((row) => sameChain(row, functions));
    const createdVersion = !to;
    if (!to) {
      const latest = later.at(-1);
      if (latest) throw new ServiceCampaignRefused(`${input.from.name} version ${input.from.version} is superseded by version ${latest.version}, which does not chain that package there: change the latest version.`);
      to = await createTemplateIn(tx, {
        tenantId: input.tenantId, name: input.from.name, functions, supersedes: input.from,
        description: input.from.description,
      });
    }
    const campaign = await tx.networkServiceCampaign.create({
      data: {
        tenantId: input.tenantId, fromTemplateId: input.from.id, toTemplateId: to.id, position: input.position, packageId: input.packageId,
        phases: input.phases, concurrency: input.concurrency, failureBudgetPct: input.failureBudgetPct, ticket: input.ticket ?? null,
      },
    });
    await tx.networkServiceCampaignInstance.createMany({ data: input.instances.map((i) => ({ campaignId: campaign.id, ...i })) });
    return { campaign, to: { id: to.id, version: to.version }, createdVersion };
  });
}

/** A campaign that never began goes, with the version it created if nothing uses it. */
export async function dropServiceCampaign(prisma: PrismaClient, input: { campaignId: string; createdVersion: boolean }): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const campaign = await tx.networkServiceCampaign.delete({ where: { id: input.campaignId } });
    if (!input.createdVersion) return;
    await tx.networkService.delete({ where: { id: campaign.toTemplateId } });
    await tx.networkService.update({ where: { id: campaign.fromTemplateId }, data: { supersededAt: null } });
  });
}

/** What the campaign's run needs: its limits, phases and where its services move. */
export interface ServiceCampaignPlan {
  campaignId: string;
  tenantId: string;
  /** What it does, in the operator's words ("secure-edge v1 → v2: vsrx 23.4R1"). */
  name: string;
  packageId: string;
  toTemplateId: string;
  concurrency: number;
  failureBudgetPct: number;
  phaseSizes: number[];
}

export const serviceCampaignName = (campaign: { fromTemplate: { name: string; version: number }; toTemplate: { version: number }; package: { name: string; version: string } }) =>
  `${campaign.fromTemplate.name} v${campaign.fromTemplate.version} → v${campaign.toTemplate.version}: ${campaign.package.name} ${campaign.package.version}`;

export async function serviceCampaignPlan(prisma: PrismaClient, campaignId: string): Promise<ServiceCampaignPlan> {
  const campaign = await prisma.networkServiceCampaign.findUniqueOrThrow({ where: { id: campaignId }, include: { fromTemplate: true, toTemplate: true, package: true } });
  const phases = await prisma.networkServiceCampaignInstance.groupBy({ by: ['phase'], where: { campaignId }, _count: { _all: true }, orderBy: { phase: 'asc' } });
  const phaseSizes: number[] = [];
  for (const { phase, _count } of phases) phaseSizes[phase] = _count._all;
  return {
    campaignId, tenantId: campaign.tenantId, name: serviceCampaignName(campaign), packageId: campaign.packageId, toTemplateId: campaign.toTemplateId,
    concurrency: campaign.concurrency, failureBudgetPct: campaign.failureBudgetPct, phaseSizes: Array.from(phaseSizes, (size) => size ?? 0),
  };
}

/** The next instances of a phase still to change, in a stable order, after `after` (an instance id). */
export async function serviceCampaignInstancesToStart(prisma: PrismaClient, input: { campaignId: string; phase: number; after?: string; limit: number }): Promise<CampaignCandidate[]> {
  const rows = await prisma.networkServiceCampaignInstance.findMany({
    where: { campaignId: input.campaignId, phase: input.phase, status: { in: [...notStartedCampaignDeviceStatuses.values] }, ...(input.after ? { vnfInstanceId: { gt: input.after } } : {}) },
    orderBy: { vnfInstanceId: 'asc' },
    take: input.limit,
    select: { vnfInstanceId: true, attempts: true, vnfInstance: { select: { name: true, device: { select: { hostname: true } }, site: { select: { timezone: true } } } } },
  });
  return rows.map((row) => ({ deviceId: row.vnfInstanceId, hostname: `${row.vnfInstance.name} on ${row.vnfInstance.device.hostname}`, timezone: row.vnfInstance.site.timezone, attempts: row.attempts }));
}

/** An instance's outcome; once its change completed, its service (and its functions) move to the campaign's version. */
export async function recordServiceCampaignInstance(prisma: PrismaClient, input: { campaignId: string; vnfInstanceId: string; status: CampaignDeviceStatus; error?: string; started?: boolean }): Promise<void> {
  await prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const row = await tx.networkServiceCampaignInstance.update({
      where: { campaignId_vnfInstanceId: { campaignId: input.campaignId, vnfInstanceId: input.vnfInstanceId } },
      data: { status: input.status, error: input.error ?? null, ...(input.started ? { attempts: { increment: 1 } } : {}) },
      include: { campaign: { select: { toTemplateId: true } } },
    });
    if (input.status !== 'upgraded') return;
    await tx.networkServiceInstance.update({ where: { id: row.serviceInstanceId }, data: { serviceId: row.campaign.toTemplateId } });
    await tx.vnfInstance.updateMany({ where: { serviceInstanceId: row.serviceInstanceId }, data: { serviceId: row.campaign.toTemplateId } });
  });
}

/** Instances never started (the campaign was aborted or halted) end as skipped; answers how many. */
export async function skipRemainingServiceInstances(prisma: PrismaClient, input: { campaignId: string; reason: string }): Promise<number> {
  const { count } = await prisma.networkServiceCampaignInstance.updateMany({
    where: { campaignId: input.campaignId, status: { in: [...notStartedCampaignDeviceStatuses.values] } },
    data: { status: 'skipped', error: input.reason },
  });
  return count;
}

export async function setServiceCampaignStatus(prisma: PrismaClient, input: { campaignId: string; status: CampaignStatus }): Promise<void> {
  const closed = ['completed', 'halted', 'aborted'].includes(input.status);
  await prisma.networkServiceCampaign.update({ where: { id: input.campaignId }, data: { status: input.status, ...(closed ? { closedAt: new Date() } : {}) } });
}
