// A tenant's overlay as a graph: its sites (hubs and spokes, with their devices' state) and the
// tunnels between them, from the hubs each spoke names and the tunnel addresses onboarding
// allocated (mesh peers included). A tunnel's state is read from both ends' devices: Branchline
// keeps no per-tunnel counters, so a tunnel is up when both ends are in service and online.
import type { PrismaClient } from '../prisma/client.ts';
import type { SiteStatus } from '../generated/prisma/enums.ts';

type TenantWhere = { tenantId?: string | { in: string[] } };

export type NodeHealth = 'online' | 'degraded' | 'offline' | 'not-in-service';
export type TunnelState = 'up' | 'down' | 'pending';

export interface TopologyNode {
  siteId: string;
  tenantId: string;
  name: string;
  role: 'hub' | 'spoke';
  topology: 'hub_and_spoke' | 'full_mesh' | 'partial_mesh';
  status: SiteStatus;
  health: NodeHealth;
  openAlarms: number;
}

export interface TopologyEdge {
  from: string;
  to: string;
  /** hub: a spoke to one of its hubs (with its priority); mesh: two mesh peers. */
  kind: 'hub' | 'mesh';
  priority: 'primary' | 'secondary' | null;
  state: TunnelState;
}

const inService = new Set(['active']);

function healthOf(status: string, devices: { status: string }[]): NodeHealth {
  if (!inService.has(status) || devices.length === 0) return 'not-in-service';
  const online = devices.filter((d) => d.status === 'online' || d.status === 'upgrading').length;
  if (online === devices.length) return 'online';
  return online === 0 ? 'offline' : 'degraded';
}

/** At most `limit` sites, hubs first; answers whether more were left out. */
export async function overlayTopology(prisma: PrismaClient, where: TenantWhere, limit: number) {
  const sites = await prisma.site.findMany({
    where: { ...where, status: { not: 'decommissioned' } },
    orderBy: [{ role: 'desc' }, { name: 'asc' }],
    take: limit + 1,
    select: {
      id: true, tenantId: true, name: true, role: true, topology: true, status: true,
      devices: { where: { status: { not: 'retired' } }, select: { status: true } },
      hubs: { select: { hubSiteId: true, priority: true } },
      _count: { select: { alarms: { where: { state: { not: 'cleared' } } } } },
    },
  });
  const truncated = sites.length > limit;
  const shown = sites.slice(0, limit);
  const ids = new Set(shown.map((s) => s.id));
  const nodes: TopologyNode[] = shown.map((s) => ({
    siteId: s.id, tenantId: s.tenantId, name: s.name, role: s.role, topology: s.topology, status: s.status,
    health: healthOf(s.status, s.devices), openAlarms: s._count.alarms,
  }));
  const health = new Map(nodes.map((n) => [n.siteId, n.health]));
  const tunnels = await prisma.allocation.findMany({
    where: { kind: 'tunnel_subnet', siteId: { in: [...ids] }, peerSiteId: { in: [...ids] } },
    select: { siteId: true, peerSiteId: true },
  });
  const built = new Set(tunnels.map((t) => pairKey(t.siteId, t.peerSiteId!)));
  const edges = new Map<string, TopologyEdge>();
  const stateOf = (a: string, b: string): TunnelState => {
    const ends = [health.get(a), health.get(b)];
    if (ends.includes('offline')) return 'down';
    if (!built.has(pairKey(a, b)) || ends.includes('not-in-service')) return 'pending';
    return ends.includes('degraded') ? 'down' : 'up';
  };
  for (const spoke of shown) {
    for (const hub of spoke.hubs) {
      if (!ids.has(hub.hubSiteId)) continue;
      edges.set(pairKey(spoke.id, hub.hubSiteId), { from: spoke.id, to: hub.hubSiteId, kind: 'hub', priority: hub.priority, state: stateOf(spoke.id, hub.hubSiteId) });
    }
  }
  for (const tunnel of tunnels) {
    const key = pairKey(tunnel.siteId, tunnel.peerSiteId!);
    if (edges.has(key)) continue;
    edges.set(key, { from: tunnel.siteId, to: tunnel.peerSiteId!, kind: 'mesh', priority: null, state: stateOf(tunnel.siteId, tunnel.peerSiteId!) });
  }
  return { nodes, edges: [...edges.values()], truncated };
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
