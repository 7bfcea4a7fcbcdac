// A tenant's policy intent, read only: the application SLA policies a site may choose (steering
// with an SLA profile) and the firewall policies that apply by tenant, site tag or department.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { Breakout, PolicyScope, WanLinkType } from '../../generated/prisma/enums.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';

const appSlaPolicy = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  name: z.string(),
  applications: z.array(z.string()),
  preferredLinkTypes: z.array(z.enum(WanLinkType)),
  breakout: z.enum(Breakout),
  priority: z.number().int(),
  slaProfile: z.object({ name: z.string(), maxLatencyMs: z.number().int(), maxJitterMs: z.number().int(), maxLossPermille: z.number().int() }),
}).openapi('AppSlaPolicy');

const firewallPolicy = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  name: z.string(),
  scope: z.enum(PolicyScope),
  /** The site tag or department the scope names. */
  scopeRef: z.string().nullable(),
  position: z.number().int(),
  ruleCount: z.number().int(),
}).openapi('FirewallPolicy');

// Policies shape sites, so whoever may read sites may read them.
const access = { type: 'site', action: 'read' } as const;
const tenantQuery = pageQuery.extend({ tenantId: z.uuid().optional() });

export function policiesRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;

  api.route(router, {
    method: 'get',
    path: '/app-sla-policies',
    summary: 'List application SLA policies (what a site may steer by)',
    tags: ['Policies'],
    access,
    query: tenantQuery,
    response: pageOf(appSlaPolicy),
    handler: async ({ query, principal }) => {
      const rows = await prisma.appSlaPolicy.findMany({
        ...pageArgs(query, principal.tenantWhere('site', query.tenantId)),
        include: { slaProfile: { select: { name: true, maxLatencyMs: true, maxJitterMs: true, maxLossPermille: true } } },
        omit: { slaProfileId: true },
      });
      return toPage(rows, query.limit);
    },
  });

  api.route(router, {
    method: 'get',
    path: '/firewall-policies',
    summary: 'List firewall policies (each applies to a whole tenant, a site tag or a department)',
    tags: ['Policies'],
    access,
    query: tenantQuery,
    response: pageOf(firewallPolicy),
    handler: async ({ query, principal }) => {
      const rows = await prisma.firewallPolicy.findMany(pageArgs(query, principal.tenantWhere('site', query.tenantId)));
      const page = toPage(rows, query.limit);
      return {
        items: page.items.map(({ rules, version: _version, updatedAt: _updatedAt, ...policy }) => ({ ...policy, ruleCount: Array.isArray(rules) ? rules.length : 0 })),
        nextCursor: page.nextCursor,
      };
    },
  });

  return router;
}
