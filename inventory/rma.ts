// Replacing a device (RMA): what the replacement needs (where the device is, the far ends of its
// tunnels, what must be up on the new box), and the record of the replacement, from opened to
// closed (or failed) with both serials and times. The device keeps its id, hostname, site and
// configuration throughout; only the box bound to it changes.
import { ApplicationFailure } from '@temporalio/common';
import { Prisma, type PrismaClient } from '../prisma/client.ts';
import { admissionAlarmTypes, alarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { devicePolicies, wanLinkChecks, type RemovedTunnel, type RmaPlan } from '../domain/site-plan.ts';
import { configurationContent } from './config-history.ts';
import { clearAlarms, raiseAlarm } from './alarms.ts';
import { deviceInclude, plannedDevice, targetOf, type DeviceSummary } from './devices.ts';
import { farEnds } from './far-ends.ts';
import { storedSitePolicies } from './policies.ts';

/**
 * What replacing a device needs: where it is, the far ends of its tunnels, what must be up on
 * the replacement, the site's policies and the target image for the replacement's model (the
 * device's own unless told).
 */
export async function rmaPlan(prisma: PrismaClient, input: { deviceId: string; model?: string }): Promise<RmaPlan> {
  const device = await prisma.device.findUnique({ where: { id: input.deviceId }, include: deviceInclude });
  if (!device) throw ApplicationFailure.nonRetryable(`Device ${input.deviceId} does not exist.`, failureTypes.deviceNotFound);
  const site = await prisma.site.findUniqueOrThrow({
    where: { id: device.siteId },
    include: { devices: { include: deviceInclude }, lanSegments: { include: { department: true } }, departments: true, wanLinks: true },
  });
  const ends = await farEnds(prisma, site, device);
  const carriesLan = device.role === 'primary' || site.devices.length === 1;
  const planned = plannedDevice(device);
  const up = [
    ...(carriesLan ? site.lanSegments.map((s) => `irb.${s.vlanId}`) : []),
    ...ends.flatMap((end) => end.localUnits.map((unit) => `st0.${unit}`)),
  ];
  const image = await prisma.tenantTargetImage.findUnique({ where: { tenantId_model: { tenantId: site.tenantId, model: input.model ?? device.model } }, include: { image: true } });
  const previous = await prisma.rmaRecord.findFirst({ where: { deviceId: device.id, farTunnels: { not: Prisma.AnyNull } }, orderBy: { openedAt: 'desc' } });
  return {
    tenantId: site.tenantId, siteId: site.id, siteName: site.name, siteStatus: site.status, siteRole: site.role,
    device: { id: device.id, hostname: device.hostname, role: device.role, model: device.model, platform: device.platform, status: device.status, serial: device.serial, target: targetOf(device) },
    farEnds: ends,
    previousFarTunnels: (previous?.farTunnels ?? []) as unknown as RemovedTunnel[],
    checks: [
      ...wanLinkChecks(planned.wanLinks.filter((l) => planned.primaryLinks.includes(l.name))),
      ...[...new Set(up)].map((name) => ({ kind: 'interface-up' as const, interface: name })),
    ],
    policies: devicePolicies(await storedSitePolicies(prisma, site), planned),
    ...(image ? { targetImage: { model: image.model, version: image.image.version, sha256: image.image.sha256 } } : {}),
  };
}

async function deviceOf(prisma: PrismaClient, deviceId: string): Promise<DeviceSummary & { serial: string | null }> {
  const device = await prisma.device.findUniqueOrThrow({ where: { id: deviceId }, select: { id: true, siteId: true, hostname: true, serial: true, site: { select: { tenantId: true } } } });
  return { tenantId: device.site.tenantId, siteId: device.siteId, deviceId: device.id, hostname: device.hostname, serial: device.serial };
}

/** Opens the record (once, whatever the retries) and marks the device in RMA. */
export async function openRma(prisma: PrismaClient, input: { rmaId: string; deviceId: string; reason?: string; workflowId: string | null }) {
  const device = await deviceOf(prisma, input.deviceId);
  if (!device.serial) throw ApplicationFailure.nonRetryable(`${device.hostname} has never been provisioned: there is no box to replace.`, failureTypes.rmaRefused);
  const record = await prisma.rmaRecord.upsert({
    where: { id: input.rmaId },
    create: { id: input.rmaId, tenantId: device.tenantId, deviceId: device.deviceId, oldSerial: device.serial, reason: input.reason ?? null, workflowId: input.workflowId },
    update: {},
  });
  await prisma.device.update({ where: { id: device.deviceId }, data: { status: 'rma' } });
  return { device, record };
}

/** The last configuration on record for the device: what the replacement receives. */
export async function lastConfiguration(prisma: PrismaClient, deviceId: string): Promise<{ version: number; content: string } | null> {
  const latest = await prisma.configVersion.findFirst({ where: { deviceId }, orderBy: { version: 'desc' }, select: { version: true } });
  const content = latest && await configurationContent(prisma, deviceId, latest.version);
  return latest && content !== null ? { version: latest.version, content } : null;
}

export interface RmaGrant {
  rmaId: string;
  deviceId: string;
  newSerial: string;
  newModel: string;
  activationCodeHash?: string;
  hostKeySha256?: string;
  configVersion: number;
  farTunnels: RemovedTunnel[];
}

/**
 * Binds the new serial to the device with how the new box proves itself, forgetting the old
 * box's host key: its one-time activation code (the code's hash), or, for a spare that phoned
 * home already, the host key it reported. The next box to phone home with both is the new one.
 */
export async function grantRma(prisma: PrismaClient, input: RmaGrant): Promise<void> {
  // A login Branchline rotated exists on the failed box only: the new box is reached with the
  // credentials it comes with (the tenant's default profile, else the fleet's).
  const { credentialProfile } = await prisma.device.findUniqueOrThrow({ where: { id: input.deviceId }, select: { credentialProfile: { select: { netconfUsername: true } } } });
  const rotated = !!credentialProfile && await prisma.credentialRotation.count({
    where: { deviceId: input.deviceId, status: 'adopted', netconfUsername: credentialProfile.netconfUsername },
  }) > 0;
  try {
    await prisma.$transaction([
      prisma.device.update({
        where: { id: input.deviceId },
        data: {
          serial: input.newSerial, model: input.newModel, activationCodeHash: input.activationCodeHash ?? null, hostKeySha256: input.hostKeySha256 ?? null, status: 'rma',
          ...(rotated ? { credentialProfileId: null } : {}),
        },
      }),
      // The box may have phoned home before its serial was bound: it is claimed now.
      prisma.unclaimedDevice.deleteMany({ where: { serial: input.newSerial } }),
      prisma.rmaRecord.update({
        where: { id: input.rmaId },
        data: {
          status: 'granted', newSerial: input.newSerial, configVersion: input.configVersion,
          farTunnels: input.farTunnels as unknown as Prisma.InputJsonValue,
        },
      }),
    ]);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw ApplicationFailure.nonRetryable(`Serial ${input.newSerial} belongs to another device already.`, failureTypes.rmaRefused);
    }
    throw error;
  }
}

export async function markRmaProvisioning(prisma: PrismaClient, rmaId: string): Promise<void> {
  await prisma.rmaRecord.update({ where: { id: rmaId }, data: { status: 'provisioning' } });
}

/**
 * The replacement is in service: the device online again, the record closed with both serials
 * and times, and the alarms about getting its box admitted (a call with a wrong code or none…) cleared.
 */
export async function closeRma(prisma: PrismaClient, input: { rmaId: string; deviceId: string; softwareVersion: string }) {
  const device = await deviceOf(prisma, input.deviceId);
  const { record, cleared } = await prisma.$transaction(async (tx) => {
    const record = await tx.rmaRecord.update({ where: { id: input.rmaId }, data: { status: 'closed', closedAt: new Date() } });
    await tx.device.update({ where: { id: input.deviceId }, data: { status: 'online', softwareVersion: input.softwareVersion, lastSeenAt: new Date() } });
    // The box is in service again: an earlier replacement's failure, and it being unreachable, are over too.
    const cleared = await clearAlarms(tx, { deviceIds: [input.deviceId], types: [...admissionAlarmTypes, alarmTypes.rmaFailed, alarmTypes.deviceUnreachable] });
    return { record, cleared };
  });
  return { device, record, cleared };
}

/** The replacement did not come to pass: the device stays in RMA, with an alarm saying why. */
export async function endRma(prisma: PrismaClient, input: { rmaId: string; deviceId: string; status: 'failed' | 'aborted'; reason: string }) {
  const device = await deviceOf(prisma, input.deviceId);
  await prisma.rmaRecord.update({ where: { id: input.rmaId }, data: { status: input.status, reason: input.reason, closedAt: new Date() } });
  const message = `The replacement of ${device.hostname} ${input.status === 'aborted' ? 'was aborted' : 'failed'}: ${input.reason}`;
  const { alarm, raised } = await raiseAlarm(prisma, { tenantId: device.tenantId, siteId: device.siteId, deviceId: device.deviceId, type: alarmTypes.rmaFailed, severity: 'major', message, dedupeKey: `rma:${input.rmaId}` });
  return { device, alarm: raised ? alarm : null };
}
