// The devices of the sites one may see, for the devices dashboard: where each is, what it runs and
// how it was last seen. Read-only; devices change through the workflows (ZTP, upgrades, RMA).
import { Router } from 'express';
import { z } from 'zod';
import { deviceStatus, siteStatus } from '../../domain/choices.ts';
import { InterfaceKind, OperStatus } from '../../generated/prisma/enums.ts';
import { siteTunnels } from '../../inventory/site-network.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { readDeviceState } from '../runs/device-state.ts';
import type { RunDependencies } from '../runs/launch.ts';

const device = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  siteId: z.uuid(),
  siteName: z.string(),
  role: z.enum(['primary', 'secondary']),
  hostname: z.string(),
  model: z.string(),
  serial: z.string().nullable(),
  status: z.enum(deviceStatus.values),
  softwareVersion: z.string().nullable(),
  managementAddress: z.string().nullable(),
  lastSeenAt: z.date().nullable(),
}).openapi('DeviceSummary');

const deviceDetail = device.extend({
  platform: z.string(),
  siteStatus: z.enum(siteStatus.values),
  latestConfigVersion: z.number().int().nullable(),
  credentialProfileId: z.uuid().nullable().describe("The credential profile the device logs in with as its own; none: its tenant's default, else the fleet's"),
  interfaces: z.array(z.object({ name: z.string(), kind: z.enum(InterfaceKind), description: z.string().nullable(), operStatus: z.enum(OperStatus).describe('As last recorded; the live state is GET /devices/{deviceId}/state') })),
  wanLinks: z.array(z.object({ id: z.uuid(), name: z.string(), interfaceName: z.string() })),
  tunnels: z.array(z.object({ interfaceName: z.string(), peerSiteId: z.uuid(), peerSiteName: z.string(), peerKind: z.enum(['hub', 'spoke', 'peer']) })),
}).openapi('DeviceDetail');

const deviceState = z.discriminatedUnion('reachable', [z.object({
  reachable: z.literal(true),
  hostName: z.string(),
  model: z.string(),
  serial: z.string(),
  softwareVersion: z.string(),
  uptimeSeconds: z.number(),
  interfaces: z.array(z.object({ name: z.string(), adminUp: z.boolean(), operUp: z.boolean(), addresses: z.array(z.string()) })),
  readAt: z.iso.datetime(),
}), z.object({
  reachable: z.literal(false),
  reason: z.string().describe("Which device, and why it did not answer, in the device layer's words"),
  failureType: z.string().nullable().describe('DeviceUnreachable, DeviceTimeout, DeviceAuthFailed…'),
})]).openapi('DeviceState');

export function devicesRouter(api: ApiDefinition, deps: RunDependencies): Router {
  const router = Router();
  api.route(router, {
    method: 'get',
    path: '/devices',
    summary: 'List devices',
    tags: ['Devices'],
    access: { type: 'device', action: 'read' },
    query: pageQuery.extend({
      tenantId: z.uuid().optional(),
      siteId: z.uuid().optional(),
      status: z.enum(deviceStatus.values).optional(),
      search: z.string().max(100).optional().describe('Part of the hostname or the serial, any case'),
    }),
    response: pageOf(device),
    handler: async ({ query, principal }) => {
      const search = query.search?.trim();
      const where = {
        site: principal.tenantWhere('device', query.tenantId),
        ...(query.siteId ? { siteId: query.siteId } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(search ? { OR: [{ hostname: { contains: search, mode: 'insensitive' as const } }, { serial: { contains: search, mode: 'insensitive' as const } }] } : {}),
      };
      const rows = await deps.prisma.device.findMany({ ...pageArgs(query, where), include: { site: { select: { name: true, tenantId: true } } } });
      const page = toPage(rows, query.limit);
      return {
        items: page.items.map((row) => ({
          id: row.id, tenantId: row.site.tenantId, siteId: row.siteId, siteName: row.site.name, role: row.role, hostname: row.hostname, model: row.model,
          serial: row.serial, status: row.status, softwareVersion: row.softwareVersion, managementAddress: row.managementAddress, lastSeenAt: row.lastSeenAt,
        })),
        nextCursor: page.nextCursor,
      };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/devices/:deviceId',
    summary: 'A device: where it is, what it is, its interfaces, WAN links and tunnels as the inventory holds them',
    tags: ['Devices'],
    access: { type: 'device', action: 'read' },
    params: z.object({ deviceId: z.uuid() }),
    response: deviceDetail,
    handler: async ({ params, principal }) => {
      const row = await deps.prisma.device.findUnique({
        where: { id: params.deviceId },
        include: {
          site: { select: { name: true, tenantId: true, status: true } },
          interfaces: { orderBy: { name: 'asc' } },
        },
      });
      principal.assert(row?.site.tenantId, 'device', 'read', `Device ${params.deviceId}`);
      const found = row!;
      const [latest, tunnels, wanLinks] = await Promise.all([
        deps.prisma.configVersion.findFirst({ where: { deviceId: found.id }, orderBy: { version: 'desc' }, select: { version: true } }),
        siteTunnels(deps.prisma, found.siteId),
        // A link not given to a device yet is the primary's, as onboarding gives it.
        deps.prisma.wanLink.findMany({
          where: { siteId: found.siteId, OR: [{ deviceId: found.id }, ...(found.role === 'primary' ? [{ deviceId: null }] : [])] },
          orderBy: { name: 'asc' }, select: { id: true, name: true, interfaceName: true },
        }),
      ]);
      return {
        id: found.id, tenantId: found.site.tenantId, siteId: found.siteId, siteName: found.site.name, siteStatus: found.site.status, role: found.role,
        hostname: found.hostname, model: found.model, platform: found.platform, serial: found.serial, status: found.status, softwareVersion: found.softwareVersion,
        managementAddress: found.managementAddress, lastSeenAt: found.lastSeenAt, latestConfigVersion: latest?.version ?? null,
        credentialProfileId: found.credentialProfileId,
        interfaces: found.interfaces.map((i) => ({ name: i.name, kind: i.kind, description: i.description, operStatus: i.operStatus })),
        wanLinks,
        tunnels: tunnels.filter((t) => t.deviceRole === found.role).map(({ interfaceName, peerSiteId, peerSiteName, peerKind }) => ({ interfaceName, peerSiteId, peerSiteName, peerKind })),
      };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/devices/:deviceId/state',
    summary: 'What the device reports now (facts, uptime, each interface up or down), read from the device, or that it cannot be reached and why',
    tags: ['Devices'],
    access: { type: 'device', action: 'read' },
    params: z.object({ deviceId: z.uuid() }),
    response: deviceState,
    handler: async ({ params, principal }) => readDeviceState(deps, principal, params.deviceId),
  });
  return router;
}
