// A tenant's credential profiles as the API answers them (never a secret), and the words the
// pages use for them.
export interface CredentialProfile {
  id: string;
  tenantId: string;
  name: string;
  isDefault: boolean;
  netconf: { username: string; authentication: 'password' | 'key' };
  snmp: { version: 'v2c' } | { version: 'v3'; user: string | null; authProtocol: string | null; privProtocol: string | null };
  devices: number;
}

export const netconfLogin = (profile: CredentialProfile): string =>
  `${profile.netconf.username}, ${profile.netconf.authentication === 'key' ? 'SSH key' : 'password'}`;

export const snmpPolling = ({ snmp }: CredentialProfile): string => (snmp.version === 'v2c'
  ? 'v2c community'
  : `v3 ${snmp.user ?? ''} (${[snmp.authProtocol, snmp.privProtocol].filter(Boolean).map((protocol) => protocol!.toUpperCase()).join(', ')})`);

/** What a device logs in with: its own profile, else its tenant's default, else the fleet's credentials. */
export function loginOf(profiles: CredentialProfile[], ownProfileId: string | null): { profile?: CredentialProfile; why: 'own' | 'default' | 'fleet' } {
  const own = ownProfileId ? profiles.find((profile) => profile.id === ownProfileId) : undefined;
  if (own) return { profile: own, why: 'own' };
  const fallback = profiles.find((profile) => profile.isDefault);
  return fallback ? { profile: fallback, why: 'default' } : { why: 'fleet' };
}
