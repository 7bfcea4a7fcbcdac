// An upgrade campaign as stored: its plan as frozen at launch, the devices of a phase still to
// do, and each device's status as it goes, which the API lists without asking the run.
import { notStartedCampaignDeviceStatuses } from '../domain/choices.ts';
import type { PrismaClient } from '../prisma/client.ts';
import type { MaintenanceWindow } from '../workflows/maintenance-window.ts';
import type { UpgradeImage } from '../workflows/upgrade-device.messages.ts';

export interface CampaignPlan {
  campaignId: string;
  tenantId: string;
  name: string;
  image: UpgradeImage;
  concurrency: number;
  failureBudgetPct: number;
  phaseFailureBudgetPct: number | null;
  maintenanceWindow: MaintenanceWindow | null;
  deadline: string | null;
  /** Devices per phase, in order. */
  phaseSizes: number[];
}

export interface CampaignCandidate {
  deviceId: string;
  hostname: string;
  timezone: string;
  attempts: number;
}

export type CampaignDeviceStatus = 'pending' | 'waiting_window' | 'upgrading' | 'upgraded' | 'failed' | 'rolled_back' | 'skipped';
export type CampaignStatus = 'scheduled' | 'running' | 'paused' | 'completed' | 'halted' | 'aborted';

export async function campaignPlan(prisma: PrismaClient, campaignId: string): Promise<CampaignPlan> {
  const campaign = await prisma.upgradeCampaign.findUniqueOrThrow({ where: { id: campaignId }, include: { image: true } });
  const phases = await prisma.campaignDevice.groupBy({ by: ['phase'], where: { campaignId: campaign.id }, _count: { _all: true }, orderBy: { phase: 'asc' } });
  const phaseSizes: number[] = [];
  for (const { phase, _count } of phases) phaseSizes[phase] = _count._all;
  return {
    campaignId: campaign.id,
    tenantId: campaign.tenantId,
    name: campaign.name,
    image: { model: campaign.image.model, version: campaign.image.version, sha256: campaign.image.sha256, sizeBytes: Number(campaign.image.sizeBytes) },
    concurrency: campaign.concurrency,
    failureBudgetPct: Number(campaign.failureBudgetPct),
    phaseFailureBudgetPct: campaign.phaseFailureBudgetPct === null ? null : Number(campaign.phaseFailureBudgetPct),
    maintenanceWindow: campaign.maintenanceWindow as MaintenanceWindow | null,
    deadline: campaign.deadline?.toISOString() ?? null,
    phaseSizes: Array.from(phaseSizes, (size) => size ?? 0),
  };
}

/** The next devices of a phase still to start, in a stable order, after `after`. */
export async function campaignDevicesToStart(prisma: PrismaClient, input: { campaignId: string; phase: number; after?: string; limit: number }): Promise<CampaignCandidate[]> {
  const rows = await prisma.campaignDevice.findMany({
    where: { campaignId: input.campaignId, phase: input.phase, status: { in: [...notStartedCampaignDeviceStatuses.values] }, ...(input.after ? { deviceId: { gt: input.after } } : {}) },
    orderBy: { deviceId: 'asc' },
    take: input.limit,
    select: { deviceId: true, attempts: true, device: { select: { hostname: true, site: { select: { timezone: true } } } } },
  });
  return rows.map((row) => ({ deviceId: row.deviceId, hostname: row.device.hostname, timezone: row.device.site.timezone, attempts: row.attempts }));
}

/**
 * A device's state in the campaign. `started` counts an attempt, only when the device was not
 * started yet: recording the same start again (a retried activity) counts it once.
 */
export async function recordCampaignDevice(prisma: PrismaClient, input: { campaignId: string; deviceId: string; status: CampaignDeviceStatus; error?: string; started?: boolean }): Promise<void> {
  const key = { campaignId: input.campaignId, deviceId: input.deviceId };
  const data = { status: input.status, error: input.error ?? null };
  if (input.started) {
    const { count } = await prisma.campaignDevice.updateMany({
      where: { ...key, status: { in: [...notStartedCampaignDeviceStatuses.values] } },
      data: { ...data, attempts: { increment: 1 } },
    });
    if (count === 1) return;
  }
  await prisma.campaignDevice.update({ where: { campaignId_deviceId: key }, data });
}

/** Devices never started (the campaign was aborted or halted) end as skipped; answers how many. */
export async function skipRemainingDevices(prisma: PrismaClient, input: { campaignId: string; reason: string }): Promise<number> {
  const { count } = await prisma.campaignDevice.updateMany({
    where: { campaignId: input.campaignId, status: { in: [...notStartedCampaignDeviceStatuses.values] } },
    data: { status: 'skipped', error: input.reason },
  });
  return count;
}

export async function setCampaignStatus(prisma: PrismaClient, input: { campaignId: string; status: CampaignStatus }): Promise<void> {
  await prisma.upgradeCampaign.update({ where: { id: input.campaignId }, data: { status: input.status } });
}
