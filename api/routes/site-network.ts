// A site's network as the inventory holds it, for the site page: its WAN links, its tunnels to
// hubs and peers (each with the device interface that carries it, whose live state the device's
// own read tells), its LAN segments and departments, its hubs, and the firewall policies that
// apply to it. Read-only; the site changes through its wizard and its runs.
import { Router } from 'express';
import { z } from 'zod';
import { PolicyScope, WanAddressing, WanLinkType } from '../../generated/prisma/enums.ts';
import { siteFirewallPolicies, siteTunnels } from '../../inventory/site-network.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';

const siteNetwork = z.object({
  siteId: z.uuid(),
  wanLinks: z.array(z.object({
    id: z.uuid(), name: z.string(), type: z.enum(WanLinkType), deviceId: z.uuid().nullable(), interfaceName: z.string(),
    bandwidthMbps: z.number().int(), backupOnly: z.boolean(), addressing: z.enum(WanAddressing), staticAddress: z.string().nullable(),
  })),
  tunnels: z.array(z.object({
    deviceId: z.uuid().nullable().describe("The site's device the tunnel ends on"),
    deviceRole: z.enum(['primary', 'secondary']),
    interfaceName: z.string().describe('Its interface on that device (st0.<unit>)'),
    peerSiteId: z.uuid(),
    peerSiteName: z.string(),
    peerKind: z.enum(['hub', 'spoke', 'peer']).describe("hub: the site's hub; spoke: a spoke of this hub; peer: a mesh peer"),
  })),
  hubs: z.array(z.object({ siteId: z.uuid(), name: z.string(), priority: z.enum(['primary', 'secondary']) })),
  lanSegments: z.array(z.object({ id: z.uuid(), name: z.string(), vlanId: z.number().int(), prefix: z.string(), dhcp: z.boolean(), department: z.string().nullable() })),
  departments: z.array(z.object({ id: z.uuid(), name: z.string(), lanSegments: z.number().int() })),
  firewallPolicies: z.array(z.object({ id: z.uuid(), name: z.string(), scope: z.enum(PolicyScope), scopeRef: z.string().nullable() }))
    .describe("The tenant's firewall policies that apply here: the tenant's own, the site groups' and the departments'"),
}).openapi('SiteNetwork');

export function siteNetworkRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;
  api.route(router, {
    method: 'get', path: '/sites/:siteId/network', tags: ['Sites'],
    summary: "A site's WAN links, tunnels to its hubs or peers, LAN segments, departments and the firewall policies that apply to it",
    access: { type: 'site', action: 'read' },
    params: z.object({ siteId: z.uuid() }),
    response: siteNetwork,
    handler: async ({ params, principal }) => {
      const site = await prisma.site.findUnique({
        where: { id: params.siteId },
        include: {
          wanLinks: { orderBy: { name: 'asc' } },
          lanSegments: { orderBy: { vlanId: 'asc' }, include: { department: { select: { name: true } } } },
          departments: { orderBy: { name: 'asc' }, include: { _count: { select: { lanSegments: true } } } },
          hubs: { orderBy: { priority: 'asc' }, include: { hub: { select: { name: true } } } },
          devices: { select: { id: true, role: true } },
        },
      });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      const found = site!;
      const [tunnels, policies] = await Promise.all([
        siteTunnels(prisma, found.id),
        siteFirewallPolicies(prisma, { tenantId: found.tenantId, tags: found.tags, departments: found.departments.map((d) => d.name) }),
      ]);
      return {
        siteId: found.id,
        wanLinks: found.wanLinks.map((l) => ({
          id: l.id, name: l.name, type: l.type, deviceId: l.deviceId, interfaceName: l.interfaceName, bandwidthMbps: l.bandwidthMbps,
          backupOnly: l.backupOnly, addressing: l.addressing, staticAddress: l.staticAddress,
        })),
        tunnels: tunnels.map((t) => ({ ...t, deviceId: found.devices.find((d) => d.role === t.deviceRole)?.id ?? null })),
        hubs: found.hubs.map((h) => ({ siteId: h.hubSiteId, name: h.hub.name, priority: h.priority })),
        lanSegments: found.lanSegments.map((s) => ({ id: s.id, name: s.name, vlanId: s.vlanId, prefix: s.prefix, dhcp: s.dhcp, department: s.department?.name ?? null })),
        departments: found.departments.map((d) => ({ id: d.id, name: d.name, lanSegments: d._count.lanSegments })),
        firewallPolicies: policies.map(({ id, name, scope, scopeRef }) => ({ id, name, scope, scopeRef })),
      };
    },
  });
  return router;
}
