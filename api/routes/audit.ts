import { Router } from 'express';
import { z } from 'zod';
import { instant } from '../schemas/instant.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';

const auditEntry = z.object({
  id: z.uuid(),
  at: z.date(),
  actorType: z.enum(['user', 'api_token', 'itsm', 'system']),
  actorId: z.string().nullable(),
  tenantId: z.uuid().nullable(),
  action: z.string(),
  objectType: z.string(),
  objectId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  requestId: z.string().nullable(),
}).openapi('AuditEntry');

/** Every change, oldest first: who, what, when, in which tenant, before and after. */
export function auditRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  api.route(router, {
    method: 'get',
    path: '/audit',
    summary: 'Query the audit log',
    tags: ['Audit'],
    access: { type: 'audit', action: 'read' },
    query: pageQuery.extend({
      tenantId: z.uuid().optional(),
      objectType: z.string().max(40).optional(),
      objectId: z.string().max(200).optional(),
      actorId: z.string().max(200).optional(),
      action: z.string().max(80).optional(),
      since: instant().optional(),
    }),
    response: pageOf(auditEntry),
    handler: async ({ query, principal }) => {
      const where = {
        ...principal.tenantWhere('audit', query.tenantId),
        ...(query.objectType ? { objectType: query.objectType } : {}),
        ...(query.objectId ? { objectId: query.objectId } : {}),
        ...(query.actorId ? { actorId: query.actorId } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.since ? { at: { gte: new Date(query.since) } } : {}),
      };
      return toPage(await deps.prisma.auditEntry.findMany(pageArgs(query, where)), query.limit);
    },
  });
  return router;
}
