// The other ends of a site's tunnels (hubs and mesh peers, whichever side allocated them), as
// decommissioning a site and replacing one of its devices find them.
import type { PrismaClient } from '../prisma/client.ts';
import type { FarEnd } from '../domain/site-plan.ts';
import { tunnelEnds } from './allocations.ts';
import { deviceInclude, plannedDevice, targetOf, type DeviceRow } from './devices.ts';

/**
 * The other ends of a site's tunnels, with the tunnels as they are configured there; only those
 * reaching `near` when it is given. A tunnel's `viaLink` is left empty: removing one needs no WAN link.
 */
export async function farEnds(prisma: PrismaClient, site: { id: string; devices: DeviceRow[] }, near?: DeviceRow): Promise<FarEnd[]> {
  const tunnels = await prisma.allocation.findMany({ where: { kind: 'tunnel_subnet', OR: [{ siteId: site.id }, { peerSiteId: site.id }] } });
  const units = await prisma.allocation.findMany({ where: { kind: 'tunnel_id', OR: [{ siteId: site.id }, { peerSiteId: site.id }] } });
  const primaryOf = (siteId: string) => prisma.device.findFirst({ where: { siteId, role: 'primary' }, include: deviceInclude });
  const remote = new Map<string, FarEnd>();
  for (const tunnel of tunnels) {
    const owner = tunnel.siteId === site.id;
    // The far end: the peer's primary device for the site's own tunnels, the owner's device otherwise.
    const far = owner
      ? await primaryOf(tunnel.peerSiteId!)
      : await prisma.device.findFirst({ where: { siteId: tunnel.siteId, role: tunnel.deviceRole }, include: deviceInclude });
    const nearDevice = owner ? site.devices.find((d) => d.role === tunnel.deviceRole) : site.devices.find((d) => d.role === 'primary');
    const farTarget = far && targetOf(far);
    if (!far || !farTarget || !nearDevice || (near && nearDevice.id !== near.id)) continue;
    const unitOn = (device: { siteId: string; role: string }) => units.find((u) =>
      u.siteId === tunnel.siteId && u.peerSiteId === tunnel.peerSiteId && u.deviceRole === tunnel.deviceRole && u.value.startsWith(`${device.siteId}/${device.role}:`));
    const unit = unitOn(far);
    if (!unit) continue;
    const entry = remote.get(far.id) ?? { siteId: far.siteId, target: farTarget, hostname: far.hostname, primaryLinks: plannedDevice(far).primaryLinks, tunnels: [], localUnits: [] };
    const ends = tunnelEnds(tunnel.value);
    entry.tunnels.push({
      name: nearDevice.hostname, unit: Number(unit.value.split(':')[1]), peer: nearDevice.managementAddress ?? '0.0.0.0',
      localAddress: owner ? ends.peerAddress : ends.localAddress, viaLink: '',
    });
    const localUnit = unitOn(nearDevice);
    if (localUnit) entry.localUnits.push(Number(localUnit.value.split(':')[1]));
    remote.set(far.id, entry);
  }
  return [...remote.values()];
}

/** The far ends of the tunnels reaching one device, as a replacement of it (RMA) finds them. */
export async function farEndsOfDevice(prisma: PrismaClient, deviceId: string): Promise<FarEnd[]> {
  const device = await prisma.device.findUniqueOrThrow({ where: { id: deviceId }, include: deviceInclude });
  const devices = await prisma.device.findMany({ where: { siteId: device.siteId }, include: deviceInclude });
  return farEnds(prisma, { id: device.siteId, devices }, device);
}
