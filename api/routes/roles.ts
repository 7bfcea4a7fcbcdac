// Built-in roles and custom ones with per-object-type read / write / execute permissions.
// Roles are global definitions: only an SP admin defines or changes them.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { permissionsSchema } from '../../domain/permissions.ts';
import { forbidden, type Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import { sendEtag, updateIfMatch } from '../etag.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';

const role = z.object({
  id: z.uuid(),
  name: z.string(),
  builtin: z.boolean(),
  scope: z.enum(['global', 'opco', 'tenant']),
  permissions: permissionsSchema,
  updatedAt: z.date(),
}).openapi('Role');

const roleBody = z.object({
  name: z.string().trim().min(2).max(60),
  scope: z.enum(['opco', 'tenant']).describe('Where the role is granted: for an OpCo or for one tenant'),
  permissions: permissionsSchema,
});

function assertRoleAdmin(principal: Principal) {
  if (!principal.isGlobal('role', 'write')) throw forbidden('Only an SP admin defines roles.');
}

export function rolesRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;
  const params = z.object({ roleId: z.uuid() });
  const found = async (id: string) => {
    const row = await prisma.role.findUnique({ where: { id } });
    if (!row) throw problems.notFound(`Role ${id}`);
    return row as z.infer<typeof role>;
  };

  api.route(router, {
    method: 'get', path: '/roles', summary: 'List roles, built-in and custom', tags: ['Access'],
    access: 'signed-in',
    response: z.object({ items: z.array(role) }),
    handler: async () => ({ items: (await prisma.role.findMany({ orderBy: [{ builtin: 'desc' }, { name: 'asc' }] })) as z.infer<typeof role>[] }),
  });

  api.route(router, {
    method: 'get', path: '/roles/:roleId', summary: 'Get a role (with its ETag)', tags: ['Access'],
    access: 'signed-in', params, response: role,
    handler: async ({ params }, _req, res) => {
      const row = await found(params.roleId);
      sendEtag(res, row.updatedAt);
      return row;
    },
  });

  api.route(router, {
    method: 'post', path: '/roles', summary: 'Define a custom role', tags: ['Access'],
    access: { type: 'role', action: 'write' }, body: roleBody, status: 201, response: role,
    handler: async ({ body, principal }, req, res) => {
      assertRoleAdmin(principal);
      const created = await prisma.role.create({ data: { ...body, builtin: false } });
      await recordAudit(prisma, principal, req, { action: 'role.create', objectType: 'role', objectId: created.id, after: created });
      res.location(`/api/v1/roles/${created.id}`);
      sendEtag(res, created.updatedAt);
      return created as z.infer<typeof role>;
    },
  });

  api.route(router, {
    method: 'patch', path: '/roles/:roleId', summary: "Change a custom role's name or permissions (If-Match required)", tags: ['Access'],
    access: { type: 'role', action: 'write' }, params, body: roleBody.omit({ scope: true }).partial(), response: role,
    handler: async ({ params, body, principal }, req, res) => {
      assertRoleAdmin(principal);
      const before = await found(params.roleId);
      if (before.builtin) throw problems.conflict(`${before.name} is built in and cannot be changed; define a custom role instead.`);
      const after = await updateIfMatch(req, before, (updatedAt) => prisma.role.updateMany({ where: { id: before.id, updatedAt }, data: body }), () => found(params.roleId));
      await recordAudit(prisma, principal, req, { action: 'role.update', objectType: 'role', objectId: after.id, before, after });
      sendEtag(res, after.updatedAt);
      return after;
    },
  });

  return router;
}
