// How Branchline logs in to a tenant's devices: credential profiles (NETCONF user with a password
// or an SSH key; SNMP v2c community or v3 user with authentication and privacy), a default one
// per tenant, and a device's own. Secrets are write-only: sealed as they arrive, never answered,
// never audited. A device with neither its own profile nor a tenant default uses the fleet's.
import { Router } from 'express';
import ssh2 from 'ssh2';
import { z } from 'zod';
import { credentialsBox, profileView, sealedProfile } from '../../inventory/credentials.ts';
import { Prisma, type PrismaClient } from '../../prisma/client.ts';
import type { Action } from '../../domain/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { tenantChoice } from '../schemas/messages.ts';

const authProtocols = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const privProtocols = ['des', 'aes', 'aes256b', 'aes256r'] as const;

const profile = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  name: z.string(),
  isDefault: z.boolean().describe("The tenant's devices with no profile of their own use it"),
  netconf: z.object({ username: z.string(), authentication: z.enum(['password', 'key']) }),
  snmp: z.union([
    z.object({ version: z.literal('v2c') }),
    z.object({ version: z.literal('v3'), user: z.string().nullable(), authProtocol: z.enum(authProtocols).nullable(), privProtocol: z.enum(privProtocols).nullable() }),
  ]),
  devices: z.number().int().describe('Devices that use it as their own'),
  createdAt: z.date(),
  updatedAt: z.date(),
}).openapi('CredentialProfile');

const privateKey = z.string().max(20_000).refine((key) => !(ssh2.utils.parseKey(key) instanceof Error), 'is an unencrypted OpenSSH or PEM private key');
const netconf = z.union([
  z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict(),
  z.object({ username: z.string().min(1).max(64), privateKey }).strict(),
], { error: 'is a username with either a password or a privateKey' }).describe('The NETCONF (SSH) user, with a password or a private key');
// USM keys are passphrases of at least eight characters (RFC 3414).
const usmKey = z.string().min(8, 'is at least 8 characters (RFC 3414)').max(200);
const snmp = z.discriminatedUnion('version', [
  z.object({ version: z.literal('v2c'), community: z.string().min(1).max(100) }).strict(),
  z.object({
    version: z.literal('v3'),
    user: z.string().min(1).max(32),
    authProtocol: z.enum(authProtocols).default('sha256'),
    authKey: usmKey,
    privProtocol: z.enum(privProtocols).default('aes'),
    privKey: usmKey,
  }).strict(),
]).describe('SNMP: a v2c community, or a v3 user with authentication and privacy (authPriv)');

/** The NETCONF columns: a password or a key, the other removed. */
const netconfColumns = (login: z.infer<typeof netconf>) => ({
  netconfUsername: login.username,
  netconfPassword: 'password' in login ? login.password : null,
  netconfPrivateKey: 'privateKey' in login ? login.privateKey : null,
});

/** The SNMP columns: a community or a v3 user, the other removed. */
const snmpColumns = (polling: z.infer<typeof snmp>) => (polling.version === 'v2c'
  ? { snmpVersion: 'v2c' as const, snmpCommunity: polling.community, snmpUser: null, snmpAuthProtocol: null, snmpAuthKey: null, snmpPrivProtocol: null, snmpPrivKey: null }
  : {
    snmpVersion: 'v3' as const, snmpCommunity: null, snmpUser: polling.user,
    snmpAuthProtocol: polling.authProtocol, snmpAuthKey: polling.authKey, snmpPrivProtocol: polling.privProtocol, snmpPrivKey: polling.privKey,
  });

export function credentialsRouter(api: ApiDefinition, deps: { prisma: PrismaClient; secretsKey?: Buffer | undefined }): Router {
  const router = Router();
  const { prisma } = deps;
  const box = deps.secretsKey && credentialsBox(deps.secretsKey);
  const sealed = <T extends object>(data: T) => {
    if (!box) throw problems.unavailable('This API process has no deployment key (SECRETS_KEY) to seal credentials with.');
    return sealedProfile(box, data);
  };
  const withCount = { include: { _count: { select: { devices: true } } } } as const;
  const params = z.object({ profileId: z.uuid() });

  const found = async (principal: Principal, id: string, action: Action) => {
    const row = await prisma.credentialProfile.findUnique({ where: { id }, ...withCount });
    principal.assert(row?.tenantId, 'credential', action, `Credential profile ${id}`);
    return row!;
  };

  /** Makes `id` its tenant's default, the previous default no longer, in one transaction with `write`. */
  const saving = async <T>(tenantId: string, isDefault: boolean | undefined, write: (tx: Prisma.TransactionClient) => Promise<T>) => {
    try {
      return await prisma.$transaction(async (tx) => {
        if (isDefault) await tx.credentialProfile.updateMany({ where: { tenantId, isDefault: true }, data: { isDefault: false } });
        return write(tx);
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw problems.validation([{ path: 'name', message: 'the tenant has a profile of that name already' }]);
      throw error;
    }
  };

  api.route(router, {
    method: 'get', path: '/credential-profiles', summary: "List a tenant's device credential profiles (never their secrets)", tags: ['Devices'],
    access: { type: 'credential', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional() }),
    response: pageOf(profile),
    handler: async ({ query, principal }) => {
      const page = toPage(await prisma.credentialProfile.findMany({ ...pageArgs(query, principal.tenantWhere('credential', query.tenantId)), ...withCount }), query.limit);
      return { items: page.items.map(profileView), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'get', path: '/credential-profiles/:profileId', summary: 'Get a credential profile (never its secrets)', tags: ['Devices'],
    access: { type: 'credential', action: 'read' }, params, response: profile,
    handler: async ({ params, principal }) => profileView(await found(principal, params.profileId, 'read')),
  });

  api.route(router, {
    method: 'post', path: '/credential-profiles', summary: 'Create a credential profile; its secrets are sealed and never shown again', tags: ['Devices'],
    access: { type: 'credential', action: 'write' },
    body: z.object({ tenantId: tenantChoice, name: z.string().trim().min(1).max(100), isDefault: z.boolean().default(false), netconf, snmp }),
    status: 201, response: profile,
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'credential', 'write', `Tenant ${body.tenantId}`);
      const data = sealed({ tenantId: body.tenantId, name: body.name, isDefault: body.isDefault, ...netconfColumns(body.netconf), ...snmpColumns(body.snmp) });
      const created = await saving(body.tenantId, body.isDefault, (tx) => tx.credentialProfile.create({ data, ...withCount }));
      const shown = profileView(created);
      await recordAudit(prisma, principal, req, { action: 'credential.create', objectType: 'credential', objectId: created.id, tenantId: created.tenantId, after: shown });
      res.location(`/api/v1/credential-profiles/${created.id}`);
      return shown;
    },
  });

  api.route(router, {
    method: 'patch', path: '/credential-profiles/:profileId', summary: 'Rename a profile, make it the default, or replace its NETCONF or SNMP credentials', tags: ['Devices'],
    access: { type: 'credential', action: 'write' }, params,
    body: z.object({ name: z.string().trim().min(1).max(100), isDefault: z.boolean(), netconf, snmp }).partial(),
    response: profile,
    handler: async ({ params, body, principal }, req) => {
      const before = await found(principal, params.profileId, 'write');
      const data = sealed({
        ...(body.name ? { name: body.name } : {}), ...(body.isDefault !== undefined ? { isDefault: body.isDefault } : {}),
        ...(body.netconf ? netconfColumns(body.netconf) : {}), ...(body.snmp ? snmpColumns(body.snmp) : {}),
      });
      const after = await saving(before.tenantId, body.isDefault, (tx) => tx.credentialProfile.update({ where: { id: before.id }, data, ...withCount }));
      const shown = profileView(after);
      await recordAudit(prisma, principal, req, {
        action: 'credential.update', objectType: 'credential', objectId: after.id, tenantId: after.tenantId, before: profileView(before),
        after: { ...shown, ...(body.netconf ? { netconfReplaced: true } : {}), ...(body.snmp ? { snmpReplaced: true } : {}) },
      });
      return shown;
    },
  });

  api.route(router, {
    method: 'delete', path: '/credential-profiles/:profileId', summary: 'Delete a profile no device uses as its own', tags: ['Devices'],
    access: { type: 'credential', action: 'write' }, params, status: 204, response: z.null(),
    handler: async ({ params, principal }, req, res) => {
      const before = await found(principal, params.profileId, 'write');
      if (before._count.devices > 0) throw problems.conflict(`${before._count.devices} device(s) use ${before.name}: give them another profile first.`);
      await prisma.credentialProfile.delete({ where: { id: before.id } });
      await recordAudit(prisma, principal, req, { action: 'credential.delete', objectType: 'credential', objectId: before.id, tenantId: before.tenantId, before: profileView(before) });
      res.status(204).end();
    },
  });

  api.route(router, {
    method: 'put', path: '/devices/:deviceId/credential-profile', summary: "Give a device a credential profile of its tenant's, or none (its tenant's default, else the fleet's)", tags: ['Devices'],
    access: { type: 'device', action: 'write' },
    params: z.object({ deviceId: z.uuid() }),
    body: z.object({ profileId: z.uuid().nullable() }),
    response: z.object({ deviceId: z.uuid(), profileId: z.uuid().nullable() }),
    handler: async ({ params, body, principal }, req) => {
      const device = await prisma.device.findUnique({ where: { id: params.deviceId }, select: { id: true, credentialProfileId: true, site: { select: { tenantId: true } } } });
      principal.assert(device?.site.tenantId, 'device', 'write', `Device ${params.deviceId}`);
      if (body.profileId) {
        const chosen = await prisma.credentialProfile.findUnique({ where: { id: body.profileId }, select: { tenantId: true } });
        if (chosen?.tenantId !== device!.site.tenantId || !principal.can(chosen.tenantId, 'credential', 'read')) {
          throw problems.validation([{ path: 'profileId', message: "is not a credential profile of the device's tenant" }]);
        }
      }
      await prisma.device.update({ where: { id: device!.id }, data: { credentialProfileId: body.profileId } });
      await recordAudit(prisma, principal, req, {
        action: 'device.credentials', objectType: 'device', objectId: device!.id, tenantId: device!.site.tenantId,
        before: { profileId: device!.credentialProfileId }, after: { profileId: body.profileId },
      });
      return { deviceId: device!.id, profileId: body.profileId };
    },
  });

  return router;
}
