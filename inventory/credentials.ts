// Management credentials as the inventory keeps them: profiles per tenant, each device on its own
// profile or its tenant's default one. Secrets are sealed at rest (runtime/secret-box.ts): the API
// seals what an operator gives and never answers it; the worker opens a device's when it connects.
import type { SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion } from '../generated/prisma/enums.ts';
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { secretBox, type SecretBox } from '../runtime/secret-box.ts';
import { rotationSecretName } from '../domain/credential-rotation.ts';

type CredentialProfile = Prisma.CredentialProfileGetPayload<object>;

/** The box every device credential is sealed in. */
export const credentialsBox = (secretsKey: Buffer): SecretBox => secretBox(secretsKey, 'device-credentials');

export interface CredentialSecrets {
  netconfPassword?: string | null;
  netconfPrivateKey?: string | null;
  snmpCommunity?: string | null;
  snmpAuthKey?: string | null;
  snmpPrivKey?: string | null;
}

export interface CredentialProfileInput extends CredentialSecrets {
  name: string;
  isDefault: boolean;
  netconfUsername: string;
  snmpVersion: SnmpVersion;
  snmpUser?: string | null;
  snmpAuthProtocol?: SnmpAuthProtocol | null;
  snmpPrivProtocol?: SnmpPrivProtocol | null;
}

const secretFields = ['netconfPassword', 'netconfPrivateKey', 'snmpCommunity', 'snmpAuthKey', 'snmpPrivKey'] as const;

/** The profile's columns with each secret given sealed; a secret left out stays as it is, null removes it. */
export function sealedProfile<T extends Partial<CredentialProfileInput>>(box: SecretBox, input: T): T {
  const sealed: Partial<CredentialSecrets> = {};
  for (const field of secretFields) {
    const value = input[field];
    if (value !== undefined) sealed[field] = value === null ? null : box.seal(value);
  }
  return { ...input, ...sealed };
}

/** What the API shows of a profile: how it logs in, never with what. */
export function profileView(profile: CredentialProfile & { _count?: { devices: number } }) {
  return {
    id: profile.id,
    tenantId: profile.tenantId,
    name: profile.name,
    isDefault: profile.isDefault,
    netconf: { username: profile.netconfUsername, authentication: profile.netconfPrivateKey ? 'key' as const : 'password' as const },
    snmp: profile.snmpVersion === 'v3'
      ? { version: 'v3' as const, user: profile.snmpUser, authProtocol: profile.snmpAuthProtocol, privProtocol: profile.snmpPrivProtocol }
      : { version: 'v2c' as const },
    devices: profile._count?.devices ?? 0,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

/** How a driver logs in to a device, opened. */
export interface OpenedCredentials {
  username: string;
  password: string;
  privateKey?: string;
  community: string;
  snmpV3?: { user: string; authProtocol: SnmpAuthProtocol; authKey: string; privProtocol: SnmpPrivProtocol; privKey: string };
}

/** What a device query selects to find the profile a device logs in with (credentialProfileOf). */
export const credentialProfileSelect = {
  credentialProfile: true, site: { select: { tenant: { select: { credentialProfiles: { where: { isDefault: true } } } } } },
} as const;

/** The device's own profile, else its tenant's default; none: the fleet's credentials apply. */
export const credentialProfileOf = (device: Prisma.DeviceGetPayload<{ select: typeof credentialProfileSelect }>): CredentialProfile | undefined =>
  device.credentialProfile ?? device.site.tenant.credentialProfiles[0];

/** What a driver logs in with of a profile. */
type ProfileLogin = Pick<CredentialProfile,
  'netconfUsername' | 'netconfPassword' | 'netconfPrivateKey' | 'snmpVersion' | 'snmpCommunity' | 'snmpUser' | 'snmpAuthProtocol' | 'snmpAuthKey' | 'snmpPrivProtocol' | 'snmpPrivKey'>;

/**
 * The device's profile, else its tenant's default (credentialProfileOf), opened; none: the
 * fleet's credentials apply. One statement: every change, preview and record of a device reads
 * it, where the device, its profile, its site, its tenant and the default were five.
 */
export async function deviceCredentials(prisma: PrismaClient, box: SecretBox, deviceId: string): Promise<OpenedCredentials | undefined> {
  const [profile] = await prisma.$queryRaw<ProfileLogin[]>`
    SELECT p.netconf_username AS "netconfUsername", p.netconf_password AS "netconfPassword", p.netconf_private_key AS "netconfPrivateKey",
      p.snmp_version::text AS "snmpVersion", p.snmp_community AS "snmpCommunity", p.snmp_user AS "snmpUser",
      p.snmp_auth_protocol::text AS "snmpAuthProtocol", p.snmp_auth_key AS "snmpAuthKey", p.snmp_priv_protocol::text AS "snmpPrivProtocol", p.snmp_priv_key AS "snmpPrivKey"
    FROM device d JOIN site s ON s.id = d.site_id
    JOIN credential_profile p ON (d.credential_profile_id IS NOT NULL AND p.id = d.credential_profile_id)
      OR (d.credential_profile_id IS NULL AND p.tenant_id = s.tenant_id AND p.is_default)
    WHERE d.id = ${deviceId}::uuid
    LIMIT 1`;
  return profile ? openProfile(box, profile) : undefined;
}

export function openProfile(box: SecretBox, profile: ProfileLogin): OpenedCredentials {
  const open = (sealed: string | null) => (sealed === null ? undefined : box.open(sealed));
  const privateKey = open(profile.netconfPrivateKey);
  return {
    username: profile.netconfUsername,
    password: open(profile.netconfPassword) ?? '',
    ...(privateKey ? { privateKey } : {}),
    community: open(profile.snmpCommunity) ?? '',
    ...(profile.snmpVersion === 'v3' ? {
      snmpV3: {
        user: profile.snmpUser!, authProtocol: profile.snmpAuthProtocol!, authKey: open(profile.snmpAuthKey)!, privProtocol: profile.snmpPrivProtocol!, privKey: open(profile.snmpPrivKey)!,
      },
    } : {}),
  };
}

/** A new login generated for a device, its secrets sealed: a password and its SHA-512-crypt hash, or an ed25519 key pair. */
export interface NewLogin {
  username: string;
  password?: string;
  privateKey?: string;
  /** What the device's configuration holds: the crypt hash, or the public key. */
  authentication: string;
}

/** Records a rotation as pending: the device's credentials on record stay as they are until it is adopted. */
export async function recordRotation(
  prisma: PrismaClient, box: SecretBox, input: { deviceId: string; workflowId: string; previousUsername: string; login: NewLogin },
): Promise<string> {
  const { login } = input;
  const row = await prisma.credentialRotation.create({
    data: {
      deviceId: input.deviceId, workflowId: input.workflowId, previousUsername: input.previousUsername, netconfUsername: login.username,
      netconfPassword: login.password === undefined ? null : box.seal(login.password),
      netconfPrivateKey: login.privateKey === undefined ? null : box.seal(login.privateKey),
      authentication: box.seal(login.authentication),
    },
    select: { id: true },
  });
  return row.id;
}

/** The rotation's new login, opened, as a driver logs in with it. */
export async function rotationLogin(prisma: PrismaClient, box: SecretBox, rotationId: string): Promise<{ username: string; password: string; privateKey?: string }> {
  const row = await prisma.credentialRotation.findUniqueOrThrow({ where: { id: rotationId } });
  const privateKey = row.netconfPrivateKey === null ? undefined : box.open(row.netconfPrivateKey);
  return { username: row.netconfUsername, password: row.netconfPassword === null ? '' : box.open(row.netconfPassword), ...(privateKey ? { privateKey } : {}) };
}

/**
 * The login secrets a device's configuration may hold from its rotations, by their references'
 * names: set-aside ones too, in case undoing one could not remove its user from the device.
 */
export async function rotationSecrets(prisma: PrismaClient, box: SecretBox, deviceId: string): Promise<[name: string, secret: string][]> {
  const rows = await prisma.credentialRotation.findMany({ where: { deviceId }, select: { id: true, authentication: true } });
  return rows.map((row) => [rotationSecretName(row.id), box.open(row.authentication)]);
}

/**
 * Makes the rotation's login the device's own credentials: its own profile takes the new NETCONF
 * login when no other device shares it; otherwise (no profile of its own, its tenant's default, the
 * fleet's, a shared one) the device gets a profile of its own, with the SNMP settings it polled
 * with. Sealed values are copied as they are. Adopting twice changes nothing the second time.
 */
export async function adoptRotation(
  prisma: PrismaClient, box: SecretBox, input: { rotationId: string; workflowId: string; fleetCommunity: string },
): Promise<{ profileId: string; createdProfile: boolean }> {
  return prisma.$transaction(async (tx) => {
    const rotation = await tx.credentialRotation.findUniqueOrThrow({ where: { id: input.rotationId } });
    const device = await tx.device.findUniqueOrThrow({
      where: { id: rotation.deviceId },
      include: {
        credentialProfile: { include: { _count: { select: { devices: true } } } },
        site: { select: { tenantId: true, tenant: { select: { credentialProfiles: { where: { isDefault: true } } } } } },
      },
    });
    if (rotation.status === 'adopted' && device.credentialProfileId) return { profileId: device.credentialProfileId, createdProfile: false };
    const login = { netconfUsername: rotation.netconfUsername, netconfPassword: rotation.netconfPassword, netconfPrivateKey: rotation.netconfPrivateKey };
    const own = device.credentialProfile;
    let profileId: string;
    let createdProfile = false;
    if (own && !own.isDefault && own._count.devices === 1) {
      profileId = (await tx.credentialProfile.update({ where: { id: own.id }, data: login, select: { id: true } })).id;
    } else {
      const polledWith = own ?? device.site.tenant.credentialProfiles[0];
      const snmp = polledWith
        ? {
          snmpVersion: polledWith.snmpVersion, snmpCommunity: polledWith.snmpCommunity, snmpUser: polledWith.snmpUser, snmpAuthProtocol: polledWith.snmpAuthProtocol,
          snmpAuthKey: polledWith.snmpAuthKey, snmpPrivProtocol: polledWith.snmpPrivProtocol, snmpPrivKey: polledWith.snmpPrivKey,
        }
        : { snmpVersion: 'v2c' as const, snmpCommunity: box.seal(input.fleetCommunity) };
      const taken = await tx.credentialProfile.count({ where: { tenantId: device.site.tenantId, name: { startsWith: `${device.hostname} (own)` } } });
      const name = taken === 0 ? `${device.hostname} (own)` : `${device.hostname} (own) ${taken + 1}`;
      profileId = (await tx.credentialProfile.create({ data: { tenantId: device.site.tenantId, name, ...login, ...snmp }, select: { id: true } })).id;
      await tx.device.update({ where: { id: device.id }, data: { credentialProfileId: profileId } });
      createdProfile = true;
    }
    await tx.credentialRotation.update({ where: { id: rotation.id }, data: { status: 'adopted' } });
    // Names and ids only: never a secret.
    await tx.auditEntry.create({
      data: {
        actorType: 'system', actorId: input.workflowId, tenantId: device.site.tenantId, action: 'device.credentials.rotate', objectType: 'device', objectId: device.id,
        before: { profileId: device.credentialProfileId, username: rotation.previousUsername },
        after: { profileId, username: rotation.netconfUsername, authentication: rotation.netconfPrivateKey ? 'key' : 'password', createdProfile, rotationId: rotation.id },
      },
    });
    return { profileId, createdProfile };
  });
}

/** A rotation undone: its login was removed from the device, and the credentials on record were never touched. */
export async function abandonRotation(prisma: PrismaClient, rotationId: string): Promise<void> {
  await prisma.credentialRotation.updateMany({ where: { id: rotationId, status: 'pending' }, data: { status: 'abandoned' } });
}
