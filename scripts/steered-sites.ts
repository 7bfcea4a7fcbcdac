// Sites in service that steer voice, one per simulated box, written straight into the inventory,
// and boxes running the branch configuration such a site's onboarding leaves (its RPM probe per
// link, its forwarding instance per link that steering leads applications into): what the
// telemetry tests and the SLA benchmark poll and steer, without onboarding thousands first.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../prisma/client.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import type { DampeningSettings } from '../domain/sla-steering.ts';
import { slaPresets } from '../domain/sla.ts';
import type { Fleet } from '../simulator/fleet.ts';

/** A simulated box as the inventory records it, and its WAN links. */
export interface Box {
  serial: string;
  model: string;
  address: string;
  snmpPort: number;
  netconfPort: number;
  hostKeySha256: string;
  softwareVersion: string;
  links: { name: string; interfaceName: string }[];
}

/** The boxes of a fleet in this process, each now probing its links. */
export function probingBoxes(fleet: Fleet): Box[] {
  return [...fleet.devices.values()].map((box) => {
    box.store.reset(branchConfig(box.serial, box.links));
    return {
      serial: box.serial, model: box.model, address: box.identity.address, snmpPort: box.identity.snmpPort, netconfPort: box.identity.netconfPort,
      hostKeySha256: box.hostKeySha256, softwareVersion: box.softwareVersion(), links: box.links,
    };
  });
}

/** Each simulated link's type (simulator/device.ts defaultLinks). */
const linkTypes: Record<string, 'broadband' | 'mpls' | 'lte'> = { wan0: 'broadband', wan1: 'mpls', lte: 'lte' };

/** The site's DNS server: what each link's probe aims at (the links take their addresses by DHCP). */
const siteDnsServer = '192.0.2.53';

/** What a steered branch runs once onboarded: stage 2 of a site whose links take DHCP, without LAN segments. */
export const branchConfig = (serial: string, links: readonly { name: string; interfaceName: string }[]) => junosRenderer.stage2({
  hostname: serial.toLowerCase(), loopback: '10.255.0.1/32', dnsServers: [siteDnsServer], lanSegments: [], tunnels: [],
  wanLinks: links.map((link) => ({ name: link.name, interfaceName: link.interfaceName, address: 'dhcp' })),
});

export interface SteeredSite {
  siteId: string;
  deviceId: string;
  serial: string;
  /** WAN link ids by name. */
  links: Record<string, string>;
}

/**
 * One active site per box, its links those of the box, a voice policy on the baseline profile
 * (which the simulator's healthy links, LTE included, meet), preferring MPLS, broken out locally
 * and dampened as given, attached to every one. Written in batches of a thousand.
 */
export async function createSteeredSites(
  prisma: PrismaClient, boxes: readonly Box[], tenantId: string, options: { namePrefix: string; dampening?: Partial<DampeningSettings> },
): Promise<SteeredSite[]> {
  const dampening = options.dampening ?? {};
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms / 1000));
  const profile = await prisma.slaProfile.create({ data: { tenantId, name: `${options.namePrefix} voice`, maxLatencyMs: slaPresets.baseline.rttMs, maxJitterMs: slaPresets.baseline.jitterMs, maxLossPermille: slaPresets.baseline.lossPermille, match: 'any', preset: 'baseline' } });
  const policy = await prisma.appSlaPolicy.create({ data: {
    tenantId, name: `${options.namePrefix} voice`, applications: ['voice'], slaProfileId: profile.id, preferredLinkTypes: ['mpls', 'broadband', 'lte'], breakout: 'local',
    flapThreshold: dampening.flapThreshold, flapWindowSeconds: seconds(dampening.flapWindowMs), holdDownSeconds: seconds(dampening.holdDownMs), smoothingWindowSeconds: seconds(dampening.smoothingWindowMs),
  } });
  const sites: SteeredSite[] = [];
  for (let start = 0; start < boxes.length; start += 1000) {
    const batch = boxes.slice(start, start + 1000).map((box, i) => ({
      box, siteId: randomUUID(), deviceId: randomUUID(), name: `${options.namePrefix} ${start + i + 1}`,
      links: Object.fromEntries(box.links.map((link) => [link.name, randomUUID()])) as Record<string, string>,
    }));
    await prisma.$transaction([
      prisma.site.createMany({ data: batch.map((b) => ({ id: b.siteId, tenantId, name: b.name, status: 'active' as const })) }),
      prisma.device.createMany({
        data: batch.map((b) => ({
          id: b.deviceId, siteId: b.siteId, role: 'primary' as const, hostname: b.name.toLowerCase().replace(/\W+/g, '-'), model: b.box.model, platform: 'junos',
          serial: b.box.serial, managementAddress: b.box.address, netconfPort: b.box.netconfPort, snmpPort: b.box.snmpPort,
          hostKeySha256: b.box.hostKeySha256, softwareVersion: b.box.softwareVersion, status: 'online' as const,
        })),
      }),
      prisma.wanLink.createMany({
        data: batch.flatMap((b) => b.box.links.map((link) => ({
          id: b.links[link.name]!, siteId: b.siteId, deviceId: b.deviceId, name: link.name, type: linkTypes[link.name] ?? 'broadband', interfaceName: link.interfaceName, bandwidthMbps: 100,
        }))),
      }),
      prisma.siteAppSlaPolicy.createMany({ data: batch.map((b) => ({ siteId: b.siteId, policyId: policy.id })) }),
      // A thousand sites' rows take seconds on a loaded machine: more than Prisma's default 5 s.
    ], { timeout: 120_000 });
    sites.push(...batch.map((b) => ({ siteId: b.siteId, deviceId: b.deviceId, serial: b.box.serial, links: b.links })));
  }
  return sites;
}
