import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';

const opco = z.object({ id: z.uuid(), name: z.string(), createdAt: z.date() }).openapi('OpCo');
const tenant = z.object({ id: z.uuid(), opcoId: z.uuid(), name: z.string(), slug: z.string(), createdAt: z.date() }).openapi('Tenant');

/** Operating companies and their tenants. */
export function organisationRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;

  api.route(router, {
    method: 'get',
    path: '/opcos',
    summary: 'List operating companies',
    tags: ['Organisation'],
    access: { type: 'tenant', action: 'read' },
    query: pageQuery,
    response: pageOf(opco),
    handler: async ({ query, principal }) => {
      // The OpCos of the tenants one may see.
      const readable = principal.readableTenants('tenant');
      const where = readable === 'all' ? {} : { tenants: { some: { id: { in: readable } } } };
      return toPage(await prisma.opCo.findMany(pageArgs(query, where)), query.limit);
    },
  });

  api.route(router, {
    method: 'get',
    path: '/tenants',
    summary: 'List tenants',
    tags: ['Organisation'],
    access: { type: 'tenant', action: 'read' },
    query: pageQuery.extend({ opcoId: z.uuid().optional() }),
    response: pageOf(tenant),
    handler: async ({ query, principal }) => {
      const readable = principal.readableTenants('tenant');
      const where = { ...(readable === 'all' ? {} : { id: { in: readable } }), ...(query.opcoId ? { opcoId: query.opcoId } : {}) };
      return toPage(await prisma.tenant.findMany(pageArgs(query, where)), query.limit);
    },
  });

  api.route(router, {
    method: 'get',
    path: '/tenants/:tenantId',
    summary: 'Get a tenant',
    tags: ['Organisation'],
    access: { type: 'tenant', action: 'read' },
    params: z.object({ tenantId: z.uuid() }),
    response: tenant,
    handler: async ({ params, principal }) => {
      const found = await prisma.tenant.findUnique({ where: { id: params.tenantId } });
      principal.assert(found?.id, 'tenant', 'read', `Tenant ${params.tenantId}`);
      return found!;
    },
  });

  return router;
}
