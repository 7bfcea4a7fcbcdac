import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';

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
    query: pageQuery,
    response: pageOf(opco),
    handler: async ({ query }) => toPage(await prisma.opCo.findMany(pageArgs(query, {})), query.limit),
  });

  api.route(router, {
    method: 'get',
    path: '/tenants',
    summary: 'List tenants',
    tags: ['Organisation'],
    query: pageQuery.extend({ opcoId: z.uuid().optional() }),
    response: pageOf(tenant),
    handler: async ({ query }) =>
      toPage(await prisma.tenant.findMany(pageArgs(query, query.opcoId ? { opcoId: query.opcoId } : {})), query.limit),
  });

  api.route(router, {
    method: 'get',
    path: '/tenants/:tenantId',
    summary: 'Get a tenant',
    tags: ['Organisation'],
    params: z.object({ tenantId: z.uuid() }),
    response: tenant,
    handler: async ({ params }) => {
      const found = await prisma.tenant.findUnique({ where: { id: params.tenantId } });
      if (!found) throw problems.notFound(`Tenant ${params.tenantId}`);
      return found;
    },
  });

  return router;
}
