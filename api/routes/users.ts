// People: local accounts with roles bound globally, for an OpCo or for a tenant. Whoever creates
// or changes an account must hold user:write where the account is bound, and cannot hand out a
// role that allows more than they hold there.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { hashPassword } from '../access/passwords.ts';
import { allows, within, type Permissions } from '../../domain/permissions.ts';
import { forbidden, type Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import { sendEtag, updateIfMatch } from '../etag.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';

const binding = z.object({
  roleId: z.uuid(),
  opcoId: z.uuid().nullable().default(null),
  tenantId: z.uuid().nullable().default(null),
});

const user = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  disabled: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
  bindings: z.array(binding.extend({ role: z.string() })),
}).openapi('User');

const password = z.string().min(12, 'is at least 12 characters').max(200);

const userSelect = {
  id: true, email: true, displayName: true, disabled: true, createdAt: true, updatedAt: true,
  roleBindings: { select: { roleId: true, opcoId: true, tenantId: true, role: { select: { name: true, scope: true, permissions: true } } } },
} as const;

type UserRow = { roleBindings: { roleId: string; opcoId: string | null; tenantId: string | null; role: { name: string; scope: string; permissions: unknown } }[] } & Omit<z.infer<typeof user>, 'bindings'>;

type BindingRow = UserRow['roleBindings'][number];

/**
 * Whether the caller may see this binding of a person: one for a tenant it reads people of; one
 * for an OpCo it holds a grant over; a global one only with a global grant. A person bound in
 * several tenants shows each caller only the bindings of its own.
 */
function bindingVisible(principal: Principal, binding: BindingRow): boolean {
  if (binding.tenantId) return principal.can(binding.tenantId, 'user', 'read');
  return principal.grants.some((grant) => allows(grant.permissions, 'user', 'read') &&
    (grant.scope === 'global' || (!!binding.opcoId && grant.scope === 'opco' && grant.opcoId === binding.opcoId)));
}

const toUser = (principal: Principal, { roleBindings, ...row }: UserRow): z.infer<typeof user> => ({
  ...row,
  bindings: roleBindings.filter((b) => bindingVisible(principal, b)).map((b) => ({ roleId: b.roleId, opcoId: b.opcoId, tenantId: b.tenantId, role: b.role.name })),
});

/** Whether the principal may manage people bound this way, with a role allowing this much. */
function mayBind(principal: Principal, scope: string, where: { opcoId: string | null; tenantId: string | null }, permissions: Permissions): boolean {
  if (scope === 'tenant') return !!where.tenantId && principal.can(where.tenantId, 'user', 'write') && within(permissions, principal.permissionsOn(where.tenantId));
  return principal.grants.some((grant) =>
    (grant.scope === 'global' || (scope === 'opco' && grant.scope === 'opco' && grant.opcoId === where.opcoId)) &&
    allows(grant.permissions, 'user', 'write') && within(permissions, grant.permissions));
}

export function usersRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;
  const params = z.object({ userId: z.uuid() });

  /** People bound to a tenant the caller may read (an SP admin sees everyone). */
  const visible = (principal: Principal) => {
    const readable = principal.readableTenants('user');
    return readable === 'all' ? {} : { roleBindings: { some: { tenantId: { in: readable } } } };
  };

  const found = async (principal: Principal, id: string) => {
    const row = await prisma.user.findFirst({ where: { id, ...visible(principal) }, select: userSelect });
    if (!row) throw problems.notFound(`User ${id}`);
    return row;
  };

  api.route(router, {
    method: 'get', path: '/users', summary: 'List people with access', tags: ['Access'],
    access: { type: 'user', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional() }),
    response: pageOf(user),
    handler: async ({ query, principal }) => {
      // Asking for the people of a tenant one may not read is asking about that tenant: 404, as for its objects.
      if (query.tenantId && !principal.can(query.tenantId, 'user', 'read')) throw problems.notFound(`Tenant ${query.tenantId}`);
      const where = { AND: [visible(principal), query.tenantId ? { roleBindings: { some: { tenantId: query.tenantId } } } : {}] };
      const rows = await prisma.user.findMany({ ...pageArgs(query, where), select: userSelect });
      const page = toPage(rows, query.limit);
      return { items: page.items.map((row) => toUser(principal, row)), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'get', path: '/users/:userId', summary: 'Get a person (with the ETag)', tags: ['Access'],
    access: { type: 'user', action: 'read' }, params, response: user,
    handler: async ({ params, principal }, _req, res) => {
      const row = await found(principal, params.userId);
      sendEtag(res, row.updatedAt);
      return toUser(principal, row);
    },
  });

  api.route(router, {
    method: 'post', path: '/users', summary: 'Create a local account with its roles', tags: ['Access'],
    access: { type: 'user', action: 'write' },
    body: z.object({
      email: z.string().trim().toLowerCase().pipe(z.email()),
      displayName: z.string().trim().min(1).max(100),
      password,
      bindings: z.array(binding).min(1).max(50),
    }),
    status: 201, response: user,
    handler: async ({ body, principal }, req, res) => {
      const roles = await prisma.role.findMany({ where: { id: { in: body.bindings.map((b) => b.roleId) } } });
      body.bindings.forEach((b, index) => {
        const role = roles.find((r) => r.id === b.roleId);
        if (!role) throw problems.validation([{ path: `bindings.${index}.roleId`, message: 'no such role' }]);
        if (role.scope === 'tenant' && !b.tenantId) throw problems.validation([{ path: `bindings.${index}.tenantId`, message: `${role.name} is granted for a tenant: name it` }]);
        if (role.scope === 'opco' && !b.opcoId) throw problems.validation([{ path: `bindings.${index}.opcoId`, message: `${role.name} is granted for an OpCo: name it` }]);
        if (!mayBind(principal, role.scope, b, role.permissions as Permissions)) {
          if (role.scope === 'tenant' && !principal.can(b.tenantId!, 'user', 'read')) throw problems.notFound(`Tenant ${b.tenantId}`);
          throw forbidden(`You may not grant ${role.name} there: it would allow more than you hold.`);
        }
      });
      const created = await prisma.user.create({
        data: {
          email: body.email,
          displayName: body.displayName,
          passwordHash: await hashPassword(body.password),
          roleBindings: { create: body.bindings.map((b) => {
            const scope = roles.find((r) => r.id === b.roleId)!.scope;
            return { roleId: b.roleId, opcoId: scope === 'opco' ? b.opcoId : null, tenantId: scope === 'tenant' ? b.tenantId : null };
          }) },
        },
        select: userSelect,
      });
      const after = toUser(principal, created);
      await recordAudit(prisma, principal, req, { action: 'user.create', objectType: 'user', objectId: created.id, tenantId: body.bindings[0]?.tenantId, after });
      res.location(`/api/v1/users/${created.id}`);
      sendEtag(res, created.updatedAt);
      return after;
    },
  });

  api.route(router, {
    method: 'patch', path: '/users/:userId', summary: 'Rename, disable or set the password of an account (If-Match required)', tags: ['Access'],
    access: { type: 'user', action: 'write' }, params,
    body: z.object({ displayName: z.string().trim().min(1).max(100), disabled: z.boolean(), password }).partial(),
    response: user,
    handler: async ({ params, body, principal }, req, res) => {
      const before = await found(principal, params.userId);
      for (const b of before.roleBindings) {
        if (!mayBind(principal, b.role.scope, b, {})) throw forbidden(`${before.email} is also bound where you may not manage people.`);
      }
      const after = await updateIfMatch(req, before, async (updatedAt) => prisma.user.updateMany({
        where: { id: before.id, updatedAt },
        data: {
          ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
          ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
          ...(body.password ? { passwordHash: await hashPassword(body.password) } : {}),
        },
      }), () => found(principal, params.userId));
      // A disabled account or a new password ends every open session.
      if (body.disabled || body.password) await prisma.userSession.deleteMany({ where: { userId: before.id } });
      await recordAudit(prisma, principal, req, {
        action: 'user.update', objectType: 'user', objectId: before.id, tenantId: before.roleBindings[0]?.tenantId,
        before: toUser(principal, before), after: { ...toUser(principal, after), ...(body.password ? { password: 'changed' } : {}) },
      });
      sendEtag(res, after.updatedAt);
      return toUser(principal, after);
    },
  });

  return router;
}
