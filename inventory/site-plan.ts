// A site as onboarding plans it: its devices with their WAN links, its LAN, the peers its
// tunnels end on, its policies and the tenant's target software. One plan for a stored site (the
// onboarding) and for one only modelled (the Add-site wizard's preview), so the two agree.
import type { PrismaClient } from '../prisma/client.ts';
import type { DeviceRole, PlannedDevice, SitePlan, WanLinkPlan } from '../domain/site-plan.ts';
import { deviceLinks, targetOf, wanLinkPlan } from './devices.ts';
import { hubPathsOf } from './allocations.ts';
import { sitePeers, type PeerChoice } from './peers.ts';
import { lanZones, sitePolicies } from './policies.ts';
import { siteNotFound, siteNotReady } from './sites.ts';

/** A site as the operator modelled it, stored or not yet (then it has no `id`, and its devices are named by role). */
export interface ModelledSite extends PeerChoice {
  tenantId: string;
  name: string;
  status: string;
  tags: string[];
  departments: string[];
  devices: Omit<PlannedDevice, 'wanLinks' | 'primaryLinks'>[];
  /** Each on its device (none when that device is gone). */
  wanLinks: (WanLinkPlan & { type: string; deviceRole: DeviceRole | null; monthlyCost?: number })[];
  lanSegments: SitePlan['lanSegments'];
  appSlaPolicyIds: string[];
}

const roleOrder: DeviceRole[] = ['primary', 'secondary'];

/**
 * The plan of a site: its devices (primary first, each with its WAN links in name order), its LAN
 * segments in VLAN order, its peers, its policies (the tenant's current policy version, or the
 * version given: a deployment's) and its tenant's target images. A site that cannot be onboarded
 * now fails with SiteNotReady and the reason.
 */
export async function planSite(prisma: PrismaClient, site: ModelledSite, policyVersion?: { intent: unknown }): Promise<SitePlan> {
  if (site.devices.length === 0) throw siteNotReady(`${site.name} has no device.`);
  const devices = [...site.devices]
    .sort((a, b) => roleOrder.indexOf(a.role) - roleOrder.indexOf(b.role))
    .map((device): PlannedDevice => ({ ...device, ...deviceLinks(site.wanLinks.filter((link) => link.deviceRole === device.role)) }));
  const peers = await sitePeers(prisma, site);
  const hubPaths = site.id ? await hubPathsOf(prisma, site.id, peers.filter((peer) => peer.priority)) : new Map<string, never[]>();
  const policies = await sitePolicies(prisma, {
    tenantId: site.tenantId, tags: site.tags, departments: site.departments, zones: lanZones(site.lanSegments), links: site.wanLinks, appSlaPolicyIds: site.appSlaPolicyIds,
  }, policyVersion);
  const images = await prisma.tenantTargetImage.findMany({ where: { tenantId: site.tenantId }, include: { image: true } });
  return {
    siteId: site.id ?? '',
    tenantId: site.tenantId,
    name: site.name,
    role: site.role,
    status: site.status,
    topology: site.topology,
    devices: devices.map((device) => (hubPaths.get(device.role)?.length ? { ...device, hubPaths: hubPaths.get(device.role)! } : device)),
    lanSegments: [...site.lanSegments].sort((a, b) => a.vlanId - b.vlanId),
    peers,
    policies,
    targetImages: images.map((t) => ({ model: t.model, version: t.image.version, sha256: t.image.sha256 })),
  };
}

/** A stored site as modelled; a site that does not exist fails with SiteNotFound. */
export async function storedSite(prisma: PrismaClient, siteId: string): Promise<ModelledSite> {
  const site = await prisma.site.findUnique({
    where: { id: siteId },
    include: {
      devices: true,
      lanSegments: { include: { department: true } },
      departments: true,
      wanLinks: true,
      hubs: { select: { hubSiteId: true, priority: true } },
      appSlaPolicies: { select: { policyId: true } },
    },
  });
  if (!site) throw siteNotFound(siteId);
  return {
    id: site.id,
    tenantId: site.tenantId,
    name: site.name,
    role: site.role,
    status: site.status,
    topology: site.topology,
    tags: site.tags,
    meshTags: site.meshTags,
    hubs: site.hubs.map((hub) => ({ siteId: hub.hubSiteId, priority: hub.priority })),
    departments: site.departments.map((d) => d.name),
    devices: site.devices.map((device) => ({
      id: device.id, role: device.role, hostname: device.hostname, model: device.model, platform: device.platform,
      serial: device.serial, status: device.status, target: targetOf(device), softwareVersion: device.softwareVersion,
    })),
    wanLinks: site.wanLinks.map((link) => ({ ...wanLinkPlan(link), type: link.type, monthlyCost: Number(link.monthlyCost), deviceRole: site.devices.find((device) => device.id === link.deviceId)?.role ?? null })),
    lanSegments: site.lanSegments.map((s) => ({ name: s.name, vlanId: s.vlanId, prefix: s.prefix, dhcp: s.dhcp, department: s.department?.name ?? null })),
    appSlaPolicyIds: site.appSlaPolicies.map((chosen) => chosen.policyId),
  };
}
