// A tenant's firewall policies, read only: each applies by tenant, site tag or department. The
// application SLA policies are routes/sla-policies.ts's.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { PolicyScope } from '../../generated/prisma/enums.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';

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
