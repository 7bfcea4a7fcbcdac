// The network at a glance: the home dashboard's counts in one answer, and the overlay as a graph.
// Both are narrowed to the tenants the caller may read, or to one of them (`tenantId`).
import { Router } from 'express';
import { z } from 'zod';
import { alarmSeverity, deviceStatus, siteStatus } from '../../domain/choices.ts';
import { deviceCounts, openAlarmCounts, runCounts, siteCounts, slaCounts } from '../../inventory/dashboard.ts';
import { overlayTopology } from '../../inventory/topology.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { Principal } from '../access/principal.ts';
import type { ObjectType } from '../../domain/permissions.ts';
import type { ApiDefinition } from '../openapi.ts';

const counts = <T extends readonly [string, ...string[]]>(values: T) => z.partialRecord(z.enum(values), z.number().int());

const dashboard = z.object({
  tenantId: z.uuid().nullable().describe('The tenant counted, or null for every tenant the caller may read'),
  since: z.date().describe('Start of the period failed runs are counted over (the last 24 hours)'),
  sites: counts(siteStatus.values).nullable().describe('Sites by status (decommissioned ones left out); null when the role may not read sites'),
  devices: counts(deviceStatus.values).nullable().describe('Devices by status (retired ones left out)'),
  alarms: z.object({
    bySeverity: counts(alarmSeverity.values).describe('Open alarms (active or acknowledged) by severity'),
    unacknowledged: z.number().int(),
  }).nullable(),
  runs: z.object({ running: z.number().int(), failedSince: z.number().int().describe('Runs failed, timed out or terminated since `since`') }).nullable(),
  sla: z.object({
    steeredSites: z.number().int().describe('Active sites steering by application SLA policies'),
    compliantSites: z.number().int(),
    violatingSites: z.number().int().describe('Steered sites with an application out of its SLA now (an open sla.violation alarm)'),
  }).nullable(),
}).openapi('Dashboard');

const topology = z.object({
  nodes: z.array(z.object({
    siteId: z.uuid(), tenantId: z.uuid(), name: z.string(), role: z.enum(['hub', 'spoke']),
    topology: z.enum(['hub_and_spoke', 'full_mesh', 'partial_mesh']), status: z.enum(siteStatus.values),
    health: z.enum(['online', 'degraded', 'offline', 'not-in-service']).describe("From the site's devices: all online, some, none, or the site not in service"),
    openAlarms: z.number().int(),
  })),
  edges: z.array(z.object({
    from: z.uuid(), to: z.uuid(), kind: z.enum(['hub', 'mesh']), priority: z.enum(['primary', 'secondary']).nullable(),
    state: z.enum(['up', 'down', 'pending']).describe('up: both ends in service and online; down: an end offline; pending: not built yet, or an end not in service'),
  })),
  truncated: z.boolean().describe('More sites than the limit: the graph shows the first, hubs first'),
}).openapi('Topology');

const tenantQuery = z.object({ tenantId: z.uuid().optional() });

export function overviewRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;

  /** One tenant asked for must be one the caller reads (404 otherwise, as for any object of another tenant). */
  const scope = (principal: Principal, type: ObjectType, tenantId: string | undefined) => principal.tenantWhere(type, tenantId);
  const assertTenant = (principal: Principal, tenantId: string | undefined) => {
    if (tenantId) principal.assert(principal.can(tenantId, 'tenant', 'read') || principal.can(tenantId, 'site', 'read') ? tenantId : null, 'tenant', 'read', `Tenant ${tenantId}`);
  };

  api.route(router, {
    method: 'get',
    path: '/dashboard',
    summary: "The home dashboard's counts: sites, devices, open alarms, runs and SLA compliance (each null when the role may not read it)",
    tags: ['Platform'],
    access: 'signed-in',
    query: tenantQuery,
    response: dashboard,
    handler: async ({ query, principal }) => {
      assertTenant(principal, query.tenantId);
      const since = new Date(Date.now() - 24 * 3_600_000);
      const readable = (type: ObjectType) => principal.canSomewhere(type, 'read');
      const [sites, devices, alarms, runs, sla] = await Promise.all([
        readable('site') ? siteCounts(prisma, scope(principal, 'site', query.tenantId)) : null,
        readable('device') ? deviceCounts(prisma, scope(principal, 'device', query.tenantId)) : null,
        readable('alarm') ? openAlarmCounts(prisma, scope(principal, 'alarm', query.tenantId)) : null,
        readable('run') ? runCounts(prisma, scope(principal, 'run', query.tenantId), since) : null,
        readable('site') ? slaCounts(prisma, scope(principal, 'site', query.tenantId)) : null,
      ]);
      return { tenantId: query.tenantId ?? null, since, sites, devices, alarms, runs, sla };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/topology',
    summary: "The overlay as a graph: sites (hubs and spokes) with their devices' health, and the tunnels between them with their state",
    tags: ['Sites'],
    access: { type: 'site', action: 'read' },
    query: tenantQuery.extend({ limit: z.coerce.number().int().min(1).max(5_000).default(2_000).describe('Sites at most') }),
    response: topology,
    handler: async ({ query, principal }) => {
      assertTenant(principal, query.tenantId);
      return overlayTopology(prisma, scope(principal, 'site', query.tenantId), query.limit);
    },
  });
  return router;
}
