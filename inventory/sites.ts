// A site through its life: its status as onboarding and decommissioning move it, its activation,
// what decommissioning undoes, and the audit entries the runs leave.
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../prisma/client.ts';
import { admissionAlarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import type { DecommissionPlan } from '../domain/site-plan.ts';
import { clearAlarms, type AlarmChange } from './alarms.ts';
import { deviceInclude, targetOf } from './devices.ts';
import { farEnds } from './far-ends.ts';

export type SiteStatus = 'planned' | 'onboarding' | 'active' | 'failed' | 'decommissioning' | 'decommissioned';

export interface SiteStatusChange {
  siteId: string;
  status: SiteStatus;
  reason?: string;
  provisioningDeadline?: string;
}

export const siteNotFound = (siteId: string) => ApplicationFailure.nonRetryable(`Site ${siteId} does not exist.`, failureTypes.siteNotFound);

/** The site cannot be onboarded now; the message says why. */
export const siteNotReady = (reason: string) => ApplicationFailure.nonRetryable(reason, failureTypes.siteNotReady);

/** Moves the site to a status (with why, and by when its boxes must phone home); answers its tenant. */
export async function setSiteStatus(prisma: PrismaClient, input: SiteStatusChange): Promise<{ tenantId: string }> {
  return prisma.site.update({
    where: { id: input.siteId },
    data: {
      status: input.status,
      statusReason: input.reason ?? null,
      ...(input.provisioningDeadline ? { provisioningDeadline: new Date(input.provisioningDeadline) } : {}),
      version: { increment: 1 },
    },
    select: { tenantId: true },
  });
}

/**
 * The onboarding's end, in one transaction: every device online on the version it runs (the
 * alarms about getting its box admitted cleared), the site active.
 */
export async function activateSite(prisma: PrismaClient, input: { siteId: string; devices: { deviceId: string; softwareVersion: string }[] }): Promise<AlarmChange[]> {
  return prisma.$transaction(async (tx) => {
    for (const d of input.devices) await tx.device.update({ where: { id: d.deviceId }, data: { status: 'online', softwareVersion: d.softwareVersion, lastSeenAt: new Date() } });
    const cleared = await clearAlarms(tx, { deviceIds: input.devices.map((d) => d.deviceId), types: admissionAlarmTypes });
    await tx.site.update({ where: { id: input.siteId }, data: { status: 'active', statusReason: null, version: { increment: 1 } } });
    return cleared;
  });
}

/** A device is upgraded only at an active site that no other workflow is changing. */
export async function assertSiteIdle(prisma: PrismaClient, siteId: string): Promise<void> {
  const site = await prisma.site.findUnique({ where: { id: siteId }, select: { name: true, status: true } });
  if (!site) throw siteNotFound(siteId);
  if (site.status !== 'active') throw ApplicationFailure.nonRetryable(`${site.name} is ${site.status}: another change is under way or the site is not in service.`, failureTypes.siteBusy);
}

/**
 * A run's last word on a site in the audit log; answers the site's name and status now (null once
 * it is gone). Given the activity attempt's key, a retry of the attempt writes no second entry.
 */
export async function auditSiteEvent(
  prisma: PrismaClient,
  input: { tenantId: string; siteId: string; action: 'site.activated' | 'site.decommissioned'; workflowId: string; activityKey?: string },
): Promise<{ name: string | null; status: string | null }> {
  await prisma.auditEntry.createMany({
    data: [{
      actorType: 'system', actorId: input.workflowId, tenantId: input.tenantId, action: input.action, objectType: 'site', objectId: input.siteId,
      ...(input.activityKey ? { activityKey: `${input.activityKey}/${input.action}` } : {}),
    }],
    skipDuplicates: true,
  });
  const site = await prisma.site.findUnique({ where: { id: input.siteId }, select: { name: true, status: true } });
  return { name: site?.name ?? null, status: site?.status ?? null };
}

/**
 * What decommissioning undoes: the tunnels on the other ends (hubs and mesh peers, whichever
 * side allocated them) and the site's own devices.
 */
export async function decommissionPlan(prisma: PrismaClient, siteId: string): Promise<DecommissionPlan> {
  const site = await prisma.site.findUnique({ where: { id: siteId }, include: { devices: { include: deviceInclude } } });
  if (!site) throw siteNotFound(siteId);
  return {
    siteId: site.id, tenantId: site.tenantId, name: site.name, status: site.status,
    devices: site.devices.map((d) => ({ id: d.id, hostname: d.hostname, target: targetOf(d) })),
    peers: (await farEnds(prisma, site)).map(({ target, hostname, tunnels }) => ({ target, hostname, tunnels })),
  };
}
