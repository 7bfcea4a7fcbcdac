// Sites in service that steer voice, one per simulated box, written straight into the inventory,
// and boxes carrying the RPM probes the sites' configuration would (services rpm probe <link> test
// sla): what the telemetry tests and the SLA benchmark poll, without onboarding thousands first.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../prisma/client.ts';
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
    box.store.reset(rpmProbesConfig(box.links.map((link) => link.name)));
    return {
      serial: box.serial, model: box.model, address: box.identity.address, snmpPort: box.identity.snmpPort, netconfPort: box.identity.netconfPort,
      hostKeySha256: box.hostKeySha256, softwareVersion: box.softwareVersion(), links: box.links,
    };
  });
}

/** Each simulated link's type (simulator/device.ts defaultLinks). */
const linkTypes: Record<string, 'broadband' | 'mpls' | 'lte'> = { wan0: 'broadband', wan1: 'mpls', lte: 'lte' };

/** An SLA probe per link, one probe a second, five a test: what the renderer's RPM tests look like. */
export const rpmProbesConfig = (links: readonly string[]) => `<configuration><services><rpm>${links.map((link) => `<probe><name>${link}</name><test><name>sla</name>`
  + '<probe-type>icmp-ping</probe-type><target><address>192.0.2.1</address></target><probe-count>5</probe-count><probe-interval>1</probe-interval></test></probe>').join('')}</rpm></services></configuration>`;

export interface SteeredSite {
  siteId: string;
  deviceId: string;
  serial: string;
  /** WAN link ids by name. */
  links: Record<string, string>;
}

/**
 * One active site per box, its links those of the box, a voice policy on the baseline profile
 * (which the simulator's healthy links, LTE included, meet) attached to every one. Written in
 * batches of a thousand.
 */
export async function createSteeredSites(prisma: PrismaClient, boxes: readonly Box[], tenantId: string, options: { namePrefix: string }): Promise<SteeredSite[]> {
  const profile = await prisma.slaProfile.create({ data: { tenantId, name: `${options.namePrefix} voice`, maxLatencyMs: slaPresets.baseline.rttMs, maxJitterMs: slaPresets.baseline.jitterMs, maxLossPermille: slaPresets.baseline.lossPermille, match: 'any', preset: 'baseline' } });
  const policy = await prisma.appSlaPolicy.create({ data: { tenantId, name: `${options.namePrefix} voice`, applications: ['voice'], slaProfileId: profile.id, preferredLinkTypes: ['mpls', 'broadband', 'lte'] } });
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
    ]);
    sites.push(...batch.map((b) => ({ siteId: b.siteId, deviceId: b.deviceId, serial: b.box.serial, links: b.links })));
  }
  return sites;
}
