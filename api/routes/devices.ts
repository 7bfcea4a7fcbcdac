// The devices of the sites one may see, for the devices dashboard: where each is, what it runs and
// how it was last seen. Read-only; devices change through the workflows (ZTP, upgrades, RMA).
import { Router } from 'express';
import { z } from 'zod';
import { deviceStatus } from '../../domain/choices.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';

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

export function devicesRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
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
  return router;
}
