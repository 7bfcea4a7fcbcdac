// API tokens for machines (ITSM, scripts): scoped to one tenant and one tenant role, with an
// expiry, revocable. The token is shown once; only its sha256 is kept.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { within, type Permissions } from '../../domain/permissions.ts';
import { forbidden } from '../access/principal.ts';
import { newApiToken } from '../access/secrets.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';

const apiToken = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  tenantId: z.uuid(),
  roleId: z.uuid(),
  createdById: z.uuid().nullable(),
  expiresAt: z.date(),
  revokedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  createdAt: z.date(),
}).openapi('ApiToken');

const omit = { omit: { tokenHash: true } } as const;

export function apiTokensRouter(api: ApiDefinition, deps: { prisma: PrismaClient; forgetToken: (tokenId: string) => void }): Router {
  const router = Router();
  const { prisma } = deps;
  const params = z.object({ tokenId: z.uuid() });

  api.route(router, {
    method: 'get', path: '/api-tokens', summary: "List API tokens of the tenants you may see", tags: ['Access'],
    access: { type: 'token', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional() }),
    response: pageOf(apiToken),
    handler: async ({ query, principal }) =>
      toPage(await prisma.apiToken.findMany({ ...pageArgs(query, principal.tenantWhere('token', query.tenantId)), ...omit }), query.limit),
  });

  api.route(router, {
    method: 'get', path: '/api-tokens/:tokenId', summary: 'Get an API token (never the token itself)', tags: ['Access'],
    access: { type: 'token', action: 'read' }, params, response: apiToken,
    handler: async ({ params, principal }) => {
      const row = await prisma.apiToken.findUnique({ where: { id: params.tokenId }, ...omit });
      principal.assert(row?.tenantId, 'token', 'read', `API token ${params.tokenId}`);
      return row!;
    },
  });

  api.route(router, {
    method: 'post', path: '/api-tokens', summary: 'Create an API token for a tenant and a tenant role; the token is shown once', tags: ['Access'],
    access: { type: 'token', action: 'write' },
    body: z.object({
      name: z.string().trim().min(1).max(100),
      tenantId: z.uuid(),
      roleId: z.uuid(),
      expiresInDays: z.number().int().min(1).max(365).default(90),
    }),
    status: 201,
    response: apiToken.extend({ token: z.string().describe('Send as "Authorization: Bearer <token>"; shown only in this answer') }),
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'token', 'write', `Tenant ${body.tenantId}`);
      const role = await prisma.role.findUnique({ where: { id: body.roleId } });
      if (!role || role.scope !== 'tenant') throw problems.validation([{ path: 'roleId', message: 'is not a tenant role' }]);
      if (!within(role.permissions as Permissions, principal.permissionsOn(body.tenantId))) {
        throw forbidden(`${role.name} allows more than you hold in this tenant.`);
      }
      const { token, prefix, hash } = newApiToken();
      const created = await prisma.apiToken.create({
        data: {
          name: body.name, prefix, tokenHash: hash, tenantId: body.tenantId, roleId: role.id,
          createdById: principal.actor.type === 'user' ? principal.actor.id : null,
          expiresAt: new Date(Date.now() + body.expiresInDays * 86_400_000),
        },
        ...omit,
      });
      await recordAudit(prisma, principal, req, { action: 'token.create', objectType: 'token', objectId: created.id, tenantId: created.tenantId, after: created });
      res.location(`/api/v1/api-tokens/${created.id}`);
      return { ...created, token };
    },
  });

  api.route(router, {
    method: 'delete', path: '/api-tokens/:tokenId', summary: 'Revoke an API token; it stops working at once', tags: ['Access'],
    access: { type: 'token', action: 'write' }, params, response: apiToken,
    handler: async ({ params, principal }, req) => {
      const before = await prisma.apiToken.findUnique({ where: { id: params.tokenId }, ...omit });
      principal.assert(before?.tenantId, 'token', 'write', `API token ${params.tokenId}`);
      const after = before!.revokedAt ? before! : await prisma.apiToken.update({ where: { id: params.tokenId }, data: { revokedAt: new Date() }, ...omit });
      deps.forgetToken(after.id);
      await recordAudit(prisma, principal, req, { action: 'token.revoke', objectType: 'token', objectId: after.id, tenantId: after.tenantId, before, after });
      return after;
    },
  });

  return router;
}
