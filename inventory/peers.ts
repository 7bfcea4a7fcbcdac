// The sites a site tunnels to, and the devices that end those tunnels: a spoke's hubs, or a mesh
// site's active mesh peers. Onboarding and the Add-site wizard's preview ask here alike.
import type { PrismaClient } from '../prisma/client.ts';
import type { PeerDevice, SitePlan } from '../domain/site-plan.ts';
import { deviceInclude, plannedDevice, targetOf } from './devices.ts';
import { siteNotReady } from './sites.ts';

interface PeerSite { id: string; name: string; priority?: 'primary' | 'secondary' }

/** What decides a site's peers; `id` is absent for a site not stored yet. */
export interface PeerChoice {
  id?: string;
  tenantId: string;
  role: SitePlan['role'];
  topology: SitePlan['topology'];
  /** Partial mesh: the tags of its peers. */
  meshTags: string[];
  /** Hub and spoke: its hubs. */
  hubs: { siteId: string; priority: 'primary' | 'secondary' }[];
}

const priorities = ['primary', 'secondary'] as const;

/**
 * The sites a mesh site tunnels to: a full-mesh site to every active full-mesh site of its tenant,
 * a partial-mesh site to the active mesh sites carrying one of its mesh tags.
 */
function meshPeerSites(prisma: PrismaClient, site: { id?: string; tenantId: string; topology: string; meshTags: string[] }) {
  return prisma.site.findMany({
    where: {
      tenantId: site.tenantId, ...(site.id ? { id: { not: site.id } } : {}), status: 'active', role: 'spoke',
      ...(site.topology === 'partial_mesh'
        ? { topology: { in: ['full_mesh', 'partial_mesh'] }, tags: { hasSome: site.meshTags } }
        : { topology: 'full_mesh' }),
    },
    orderBy: { id: 'asc' },
  });
}

/** A peer site's primary device as the far end of tunnels; undefined while it has no provisioned box. */
async function peerDevice(prisma: PrismaClient, peer: PeerSite): Promise<PeerDevice | undefined> {
  const device = await prisma.device.findFirst({ where: { siteId: peer.id, role: 'primary' }, include: deviceInclude });
  const target = device && targetOf(device);
  if (!device || !target) return undefined;
  const planned = plannedDevice(device);
  return {
    siteId: peer.id, siteName: peer.name, ...(peer.priority ? { priority: peer.priority } : {}),
    hostname: device.hostname, target, wanLinks: planned.wanLinks, primaryLinks: planned.primaryLinks,
  };
}

/**
 * The peers' primary devices, which must be provisioned already: a spoke's hubs active (primary
 * first), a mesh site's active peers. A site whose peers are not ready fails with SiteNotReady and
 * the reason; a hub has none.
 */
export async function sitePeers(prisma: PrismaClient, site: PeerChoice): Promise<PeerDevice[]> {
  let peerSites: PeerSite[];
  if (site.role === 'hub') {
    peerSites = [];
  } else if (site.topology === 'hub_and_spoke') {
    const chosen = [...site.hubs].sort((a, b) => priorities.indexOf(a.priority) - priorities.indexOf(b.priority));
    const hubs = await Promise.all(chosen.map(async ({ siteId, priority }) =>
      ({ ...(await prisma.site.findUniqueOrThrow({ where: { id: siteId }, select: { id: true, name: true, status: true } })), priority })));
    const inactive = hubs.find((hub) => hub.status !== 'active');
    if (inactive) throw siteNotReady(`Hub ${inactive.name} is ${inactive.status}, not active: onboard it first.`);
    peerSites = hubs.map(({ id, name, priority }) => ({ id, name, priority }));
  } else {
    peerSites = await meshPeerSites(prisma, site);
  }
  const peers: PeerDevice[] = [];
  for (const peer of peerSites) {
    const device = await peerDevice(prisma, peer);
    if (!device) throw siteNotReady(`${peer.name} has no provisioned primary device to end the tunnels on.`);
    peers.push(device);
  }
  return peers;
}
