// A site's network as the inventory holds it, for the site and device pages: its tunnels (to its
// hubs, its mesh peers, or for a hub its spokes), each with the st0 unit that carries it on the
// site's device, and the firewall policies that apply to it.
import type { PrismaClient } from '../prisma/client.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import { tunnelChecks } from '../domain/site-plan.ts';

export interface SiteTunnel {
  /** The role of the site's device the tunnel ends on. */
  deviceRole: 'primary' | 'secondary';
  /** Its interface there: st0.<unit>. */
  interfaceName: string;
  peerSiteId: string;
  peerSiteName: string;
  /** hub: the site's hub; spoke: a spoke of this hub; peer: a mesh peer. */
  peerKind: 'hub' | 'spoke' | 'peer';
}

/** Every tunnel unit a site's devices hold, with the site at its other end. */
export async function siteTunnels(prisma: PrismaClient, siteId: string): Promise<SiteTunnel[]> {
  const units = await prisma.allocation.findMany({
    where: { kind: 'tunnel_id', value: { startsWith: `${siteId}/` }, OR: [{ siteId }, { peerSiteId: siteId }] },
    orderBy: { value: 'asc' },
  });
  const peerIds = [...new Set(units.map((u) => (u.siteId === siteId ? u.peerSiteId : u.siteId)).filter((id): id is string => !!id))];
  const peers = new Map((await prisma.site.findMany({ where: { id: { in: peerIds } }, select: { id: true, name: true, role: true } })).map((p) => [p.id, p]));
  const tunnels: SiteTunnel[] = [];
  for (const unit of units) {
    const peer = peers.get((unit.siteId === siteId ? unit.peerSiteId : unit.siteId) ?? '');
    const [, roleAndUnit] = unit.value.split('/');
    const [role, number] = (roleAndUnit ?? '').split(':');
    if (!peer || (role !== 'primary' && role !== 'secondary')) continue;
    tunnels.push({
      deviceRole: role, interfaceName: `st0.${number}`, peerSiteId: peer.id, peerSiteName: peer.name,
      peerKind: peer.role === 'hub' ? 'hub' : unit.siteId === siteId ? 'peer' : 'spoke',
    });
  }
  return tunnels.sort((a, b) => a.peerSiteName.localeCompare(b.peerSiteName) || a.interfaceName.localeCompare(b.interfaceName));
}

/**
 * A device's tunnels as post-checks: every st0 unit it holds (to its hubs and mesh peers, or for a
 * hub to its spokes), with the far end's primary device's address, where the SAs go.
 */
export async function deviceTunnelChecks(prisma: PrismaClient, siteId: string, role: string): Promise<PostCheck[]> {
  const units = await prisma.allocation.findMany({ where: { kind: 'tunnel_id', value: { startsWith: `${siteId}/${role}:` } }, orderBy: { value: 'asc' } });
  const peerOf = (unit: (typeof units)[number]) => (unit.siteId === siteId ? unit.peerSiteId : unit.siteId) ?? '';
  const peers = await prisma.device.findMany({ where: { siteId: { in: units.map(peerOf) }, role: 'primary', managementAddress: { not: null } }, select: { siteId: true, managementAddress: true } });
  const addresses = new Map(peers.map((p) => [p.siteId, p.managementAddress!]));
  return tunnelChecks(units.flatMap((unit) => {
    const peer = addresses.get(peerOf(unit));
    return peer ? [{ peer, unit: Number(unit.value.split(':')[1]) }] : [];
  }));
}

/** The firewall policies that apply to a site: its tenant's, its site groups', its departments'. */
export async function siteFirewallPolicies(prisma: PrismaClient, site: { tenantId: string; tags: string[]; departments: string[] }) {
  return prisma.firewallPolicy.findMany({
    where: {
      tenantId: site.tenantId,
      OR: [
        { scope: 'tenant' },
        { scope: 'site_group', scopeRef: { in: site.tags } },
        { scope: 'department', scopeRef: { in: site.departments } },
      ],
    },
    orderBy: { position: 'asc' },
    select: { id: true, name: true, scope: true, scopeRef: true, position: true },
  });
}
