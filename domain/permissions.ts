// What a role may do: per object type, read / write / execute. Built-in roles are defined here
// once; the seed stores them and custom roles use the same vocabulary.
import { z } from 'zod';

export const objectTypes = [
  'tenant', 'site', 'device', 'run', 'alarm', 'firmware', 'campaign', 'rma',
  'user', 'role', 'token', 'itsm', 'webhook', 'audit', 'credential',
] as const;
export type ObjectType = (typeof objectTypes)[number];

/** read: see it; write: create, change or delete it; execute: start, retry or abort its workflows. */
export const actions = ['read', 'write', 'execute'] as const;
export type Action = (typeof actions)[number];

export const permissionsSchema = z
  .partialRecord(z.enum([...objectTypes, '*']), z.array(z.enum(actions)).max(3))
  .describe('Per object type (or * for all), what the role may do');
export type Permissions = z.infer<typeof permissionsSchema>;

export const builtinRoles = [
  { name: 'SP admin', scope: 'global', permissions: { '*': ['read', 'write', 'execute'] } },
  { name: 'OpCo admin', scope: 'opco', permissions: { '*': ['read', 'write', 'execute'] } },
  { name: 'Tenant admin', scope: 'tenant', permissions: { '*': ['read', 'write', 'execute'] } },
  { name: 'Tenant operator', scope: 'tenant', permissions: { '*': ['read'] } },
] as const satisfies readonly { name: string; scope: 'global' | 'opco' | 'tenant'; permissions: Permissions }[];

export function allows(permissions: Permissions, objectType: ObjectType, action: Action): boolean {
  return !!(permissions[objectType]?.includes(action) || permissions['*']?.includes(action));
}

/** Whether `inner` grants nothing `outer` does not: nobody hands out more than they hold. */
export function within(inner: Permissions, outer: Permissions): boolean {
  return objectTypes.every((type) => actions.every((action) => !allows(inner, type, action) || allows(outer, type, action)));
}
