// The built-in roles as rows: created when missing; a later start changes nothing.
import { builtinRoles } from '../domain/permissions.ts';
import type { PrismaClient } from '../prisma/client.ts';

export async function ensureBuiltinRoles(prisma: PrismaClient): Promise<void> {
  for (const role of builtinRoles) {
    await prisma.role.upsert({ where: { name: role.name }, update: {}, create: { ...role, builtin: true } });
  }
}
