// What the telemetry pollers poll, read from the inventory: the devices of active sites that steer
// applications, each with the WAN links it probes, the SLA of every application its site steers,
// and the credential profile it logs in with (opened only in the poller, never in a workflow).
import type { PrismaClient } from '../prisma/client.ts';
import { applicationSignatures, type SlaThresholds } from '../domain/sla.ts';
import { shardOf } from '../domain/link-telemetry.ts';
import { hubPathsOf } from './allocations.ts';
import { thresholdsOf } from './policies.ts';
import { credentialProfileOf, credentialProfileSelect, openProfile, type OpenedCredentials } from './credentials.ts';
import type { SecretBox } from '../runtime/secret-box.ts';

export interface PolledDevice {
  deviceId: string;
  serial: string;
  siteId: string;
  platform: string;
  host: string;
  snmpPort: number;
  netconfPort: number;
  /** The SSH host key on record: a NETCONF session opened ahead of a change checks it as the change would. */
  hostKeySha256?: string;
  /** Its WAN links (and paths to its hubs, which have no WAN link id) by the name their RPM probe is owned by. */
  links: { name: string; wanLinkId: string | null }[];
  /** Per steered application (AppID signature), its SLA; an application two policies name follows the lower priority. */
  applications: Record<string, SlaThresholds>;
  /** Its profile's, else its tenant's default; none: the fleet's. */
  credentials?: OpenedCredentials;
}

/**
 * The devices of one shard (fixed shards, by a hash of the device id): a site's devices may sit in
 * different shards, each reporting its own links. Devices without a serial, an address or a WAN
 * link of their own (a site's links with no device belong to its primary) are not polled.
 */
export async function steeredDevices(prisma: PrismaClient, box: SecretBox, input: { shard: number; shards: number }): Promise<PolledDevice[]> {
  const policies = await prisma.appSlaPolicy.findMany({
    select: { tenantId: true, applications: true, siteTags: true, slaProfile: true, breakout: true, sites: { select: { siteId: true } } },
    orderBy: [{ priority: 'asc' }, { name: 'asc' }],
  });
  if (policies.length === 0) return [];
  const attachedTo = policies.map((p) => new Set(p.sites.map((s) => s.siteId)));
  const sites = await prisma.site.findMany({
    where: { status: 'active', tenantId: { in: [...new Set(policies.map((p) => p.tenantId))] } },
    select: {
      id: true, tenantId: true, tags: true,
      wanLinks: { select: { id: true, name: true, deviceId: true } },
      hubs: { select: { hubSiteId: true, priority: true, hub: { select: { devices: { where: { role: 'primary' }, select: { hostname: true } } } } } },
      devices: {
        where: { serial: { not: null }, managementAddress: { not: null }, status: { notIn: ['planned', 'rma', 'retired'] } },
        select: { id: true, serial: true, role: true, platform: true, managementAddress: true, snmpPort: true, netconfPort: true, hostKeySha256: true, ...credentialProfileSelect },
      },
    },
  });
  const polled = sites.map((site) => {
    const applications: Record<string, SlaThresholds> = {};
    let central = false;
    for (const [index, policy] of policies.entries()) {
      if (policy.tenantId !== site.tenantId) continue;
      if (!attachedTo[index]!.has(site.id) && !policy.siteTags.some((tag) => site.tags.includes(tag))) continue;
      central ||= policy.breakout === 'central';
      for (const app of applicationSignatures(policy.applications)) applications[app] ??= thresholdsOf(policy.slaProfile);
    }
    return { site, applications, central };
  }).filter(({ site, applications }) => Object.keys(applications).length > 0 && site.devices.some((device) => shardOf(device.id, input.shards) === input.shard));
  const devices: PolledDevice[] = [];
  for (const { site, applications, central } of polled) {
    // Central breakout is steered over the paths to the site's hubs: their probes are read too.
    const hubs = central ? [...site.hubs].sort((a, b) => a.priority.localeCompare(b.priority)).flatMap((h) => (h.hub.devices[0] ? [{ siteId: h.hubSiteId, hostname: h.hub.devices[0].hostname }] : [])) : [];
    const hubPaths = hubs.length > 0 ? await hubPathsOf(prisma, site.id, hubs) : new Map<string, never[]>();
    for (const device of site.devices) {
      if (shardOf(device.id, input.shards) !== input.shard) continue;
      const links = site.wanLinks.filter((l) => l.deviceId === device.id || (l.deviceId === null && device.role === 'primary'));
      if (links.length === 0) continue;
      const profile = credentialProfileOf(device);
      devices.push({
        deviceId: device.id, serial: device.serial!, siteId: site.id, platform: device.platform, host: device.managementAddress!,
        snmpPort: device.snmpPort, netconfPort: device.netconfPort, ...(device.hostKeySha256 ? { hostKeySha256: device.hostKeySha256 } : {}),
        links: [...links.map((l) => ({ name: l.name, wanLinkId: l.id })), ...(hubPaths.get(device.role) ?? []).map((path) => ({ name: path.name, wanLinkId: null }))],
        applications,
        ...(profile ? { credentials: openProfile(box, profile) } : {}),
      });
    }
  }
  return devices;
}
