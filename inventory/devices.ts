// A site's devices as the inventory keeps them: where to reach each one, its WAN links as its
// configuration names them, and its status from planned to online (or retired).
import { ApplicationFailure } from '@temporalio/common';
import { Prisma, type PrismaClient } from '../prisma/client.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { secretReference, type WanLinkConfig } from '../domain/render/device-config.ts';
import { wanLinkConfigs, type DeviceTarget, type PlannedDevice, type WanLinkPlan } from '../domain/site-plan.ts';
import { isSealed, secretBox, type SecretBox } from '../runtime/secret-box.ts';

/** A device with its WAN links in name order: the order its configuration and its tunnels take them in. */
export const deviceInclude = { wanLinks: { orderBy: { name: 'asc' } } } as const satisfies Prisma.DeviceInclude;
export type DeviceRow = Prisma.DeviceGetPayload<{ include: typeof deviceInclude }>;
type WanLinkRow = DeviceRow['wanLinks'][number];
/** What reaching a device takes. */
type DeviceAddress = Pick<DeviceRow, 'id' | 'serial' | 'platform' | 'managementAddress' | 'netconfPort' | 'snmpPort' | 'hostKeySha256'>;

/** How configurations name a WAN link's PPPoE password, which only the device activity fills in. */
export const pppoePasswordSecret = (wanLinkId: string) => secretReference(`wan-link/${wanLinkId}/pppoe-password`);

/** The box a WAN link's PPPoE password is sealed in at rest. */
export const wanLinkSecretsBox = (secretsKey: Buffer): SecretBox => secretBox(secretsKey, 'wan-link-secrets');

/**
 * A PPPoE password as the inventory holds it, opened. One stored before passwords were sealed
 * is plain text, and is taken as it is.
 */
export const openPppoePassword = (box: SecretBox, stored: string): string => (isSealed(stored) ? box.open(stored) : stored);

export function targetOf(device: DeviceAddress): DeviceTarget | null {
  if (!device.serial || !device.managementAddress) return null;
  return {
    deviceId: device.id,
    serial: device.serial,
    platform: device.platform,
    host: device.managementAddress,
    netconfPort: device.netconfPort,
    snmpPort: device.snmpPort,
    ...(device.hostKeySha256 ? { hostKeySha256: device.hostKeySha256 } : {}),
  };
}

/** A WAN link as configuration needs it: its PPPoE password stays in the inventory, named by a secret reference. */
export function wanLinkPlan(link: WanLinkRow): WanLinkPlan {
  const { name, interfaceName, backupOnly } = link;
  switch (link.addressing) {
    case 'dhcp':
      return { name, interfaceName, backupOnly, addressing: { mode: 'dhcp' } };
    case 'static':
      return { name, interfaceName, backupOnly, addressing: { mode: 'static', address: link.staticAddress!, gateway: link.gateway!, dnsServers: link.dnsServers } };
    case 'pppoe':
      return {
        name, interfaceName, backupOnly,
        addressing: { mode: 'pppoe', username: link.pppoeUsername!, authentication: link.pppoeAuthentication!, passwordSecret: pppoePasswordSecret(link.id) },
      };
  }
}

/** WAN links in name order, the one order they take in configurations (code points, whatever the database's collation). */
export const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * A device's WAN links as its configuration has them, in name order, and the names of those
 * tunnels ride (the links that are not backup-only). Stored or only modelled, a device's links
 * are put in order here, so that the preview and the onboarding agree.
 */
export function deviceLinks(links: WanLinkPlan[]): { wanLinks: WanLinkConfig[]; primaryLinks: string[] } {
  const ordered = [...links].sort(byName);
  return { wanLinks: wanLinkConfigs(ordered), primaryLinks: ordered.filter((link) => !link.backupOnly).map((link) => link.name) };
}

export function plannedDevice(device: DeviceRow): PlannedDevice {
  return {
    id: device.id,
    role: device.role,
    hostname: device.hostname,
    model: device.model,
    platform: device.platform,
    serial: device.serial,
    status: device.status,
    target: targetOf(device),
    softwareVersion: device.softwareVersion,
    ...deviceLinks(device.wanLinks.map(wanLinkPlan)),
  };
}

/** Where a device is and how to reach it, for a change to that device alone (an upgrade). */
export async function deviceTarget(prisma: PrismaClient, deviceId: string): Promise<{ hostname: string; siteId: string; tenantId: string; model: string; target: DeviceTarget }> {
  const device = await prisma.device.findUnique({ where: { id: deviceId }, include: { ...deviceInclude, site: { select: { tenantId: true } } } });
  if (!device) throw ApplicationFailure.nonRetryable(`Device ${deviceId} does not exist.`, failureTypes.deviceNotFound);
  const target = targetOf(device);
  if (!target) throw ApplicationFailure.nonRetryable(`${device.hostname} has never been provisioned: it has no address to reach.`, failureTypes.deviceNotFound);
  if (device.status === 'rma') throw ApplicationFailure.nonRetryable(`${device.hostname} is being replaced (RMA): it is upgraded once the new box is in service.`, failureTypes.upgradePreCheckFailed);
  return { hostname: device.hostname, siteId: device.siteId, tenantId: device.site.tenantId, model: device.model, target };
}

/** What the events about a device name. */
export interface DeviceSummary {
  tenantId: string;
  siteId: string;
  deviceId: string;
  hostname: string;
}

export interface Admission {
  deviceId: string;
  serial: string;
  address: string;
  netconfPort: number;
  snmpPort: number;
  hostKeySha256: string;
  softwareVersion: string;
}

/**
 * The box phoned home and was admitted: where to reach it, its host key (pinned from now on), the
 * code used up. It is nobody's unclaimed box any more, even if a call it made while its serial was
 * being bound listed it there again.
 */
export async function admitDevice(prisma: PrismaClient, input: Admission): Promise<DeviceSummary & { target: DeviceTarget }> {
  const admit = prisma.device.update({
    where: { id: input.deviceId },
    data: {
      serial: input.serial,
      managementAddress: input.address,
      netconfPort: input.netconfPort,
      snmpPort: input.snmpPort,
      hostKeySha256: input.hostKeySha256,
      softwareVersion: input.softwareVersion,
      activationCodeHash: null,
      status: 'provisioning',
      lastSeenAt: new Date(),
    },
    include: { ...deviceInclude, site: { select: { tenantId: true } } },
  });
  const claimed = prisma.unclaimedDevice.deleteMany({ where: { serial: input.serial } });
  const [device] = await prisma.$transaction([admit, claimed]).catch((error: unknown) => {
    // Serials are unique among devices holding their box: another device took this one meanwhile.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw ApplicationFailure.nonRetryable(`Serial ${input.serial} is in service on another device already.`, failureTypes.serialInService);
    }
    throw error;
  });
  return { tenantId: device.site.tenantId, siteId: device.siteId, deviceId: device.id, hostname: device.hostname, target: targetOf(device)! };
}

export interface DeviceStatusChange {
  deviceId: string;
  status: 'planned' | 'provisioning' | 'online' | 'offline' | 'upgrading';
  softwareVersion?: string;
}

export async function setDeviceStatus(prisma: PrismaClient, input: DeviceStatusChange): Promise<DeviceSummary> {
  const device = await prisma.device.update({
    where: { id: input.deviceId },
    data: {
      status: input.status,
      ...(input.softwareVersion ? { softwareVersion: input.softwareVersion } : {}),
      ...(input.status === 'online' ? { lastSeenAt: new Date() } : {}),
    },
    select: { id: true, siteId: true, hostname: true, site: { select: { tenantId: true } } },
  });
  return { tenantId: device.site.tenantId, siteId: device.siteId, deviceId: device.id, hostname: device.hostname };
}

/** A decommissioned site's device gives its serial back, so the box can serve another site. */
export async function retireDevice(prisma: PrismaClient, deviceId: string): Promise<void> {
  await prisma.device.update({
    where: { id: deviceId },
    data: { status: 'retired', serial: null, managementAddress: null, hostKeySha256: null, activationCodeHash: null },
  });
}
