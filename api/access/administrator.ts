// The first account. A fresh installation has nobody to sign in as: the first start creates an SP
// admin, with ADMIN_PASSWORD or, without one, a random password written to a file only the owner
// can read (npm start prints it). Once any account exists, nothing here changes anything.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PrismaClient } from '../../prisma/client.ts';
import { hashPassword } from './passwords.ts';
import { ensureBuiltinRoles } from '../../inventory/roles.ts';

export function readPasswordFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

export async function ensureAdministrator(
  prisma: PrismaClient,
  options: { email: string; password?: string | undefined; passwordFile: string },
): Promise<{ created: boolean }> {
  await ensureBuiltinRoles(prisma);
  if ((await prisma.user.count()) > 0) return { created: false };
  let password = options.password;
  if (!password) {
    password = readPasswordFile(options.passwordFile) ?? randomBytes(12).toString('base64url');
    mkdirSync(dirname(options.passwordFile), { recursive: true });
    writeFileSync(options.passwordFile, password + '\n', { mode: 0o600 });
  }
  const spAdmin = await prisma.role.findUniqueOrThrow({ where: { name: 'SP admin' } });
  await prisma.user.create({
    data: {
      email: options.email.toLowerCase(),
      displayName: 'Administrator',
      passwordHash: await hashPassword(password),
      roleBindings: { create: { roleId: spAdmin.id } },
    },
  });
  return { created: true };
}
