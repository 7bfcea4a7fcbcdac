// Management credentials as the inventory keeps them: profiles per tenant, each device on its own
// profile or its tenant's default one. Secrets are sealed at rest (runtime/secret-box.ts): the API
// seals what an operator gives and never answers it; the worker opens a device's when it connects.
import type { SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion } from '../generated/prisma/enums.ts';
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { secretBox, type SecretBox } from '../runtime/secret-box.ts';

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

/** The device's profile, else its tenant's default, opened; none: the fleet's credentials apply. */
export async function deviceCredentials(prisma: PrismaClient, box: SecretBox, deviceId: string): Promise<OpenedCredentials | undefined> {
  const device = await prisma.device.findUnique({
    where: { id: deviceId },
    select: { credentialProfile: true, site: { select: { tenant: { select: { credentialProfiles: { where: { isDefault: true } } } } } } },
  });
  const profile = device?.credentialProfile ?? device?.site.tenant.credentialProfiles[0];
  return profile ? openProfile(box, profile) : undefined;
}

export function openProfile(box: SecretBox, profile: CredentialProfile): OpenedCredentials {
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
