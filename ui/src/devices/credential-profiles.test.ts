import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loginOf, snmpPolling, type CredentialProfile } from './credential-profiles.ts';

const profile = (id: string, isDefault: boolean): CredentialProfile => ({
  id, tenantId: 't', name: id, isDefault, netconf: { username: 'ops', authentication: 'key' },
  snmp: { version: 'v3', user: 'poller', authProtocol: 'sha256', privProtocol: 'aes' }, devices: 0,
});

describe('credential profiles › what a device logs in with', () => {
  const profiles = [profile('branch', false), profile('fleet-default', true)];

  it('is its own profile when it has one', () => {
    assert.deepEqual(loginOf(profiles, 'branch'), { profile: profiles[0], why: 'own' });
  });

  it("is the tenant's default when it has none", () => {
    assert.deepEqual(loginOf(profiles, null), { profile: profiles[1], why: 'default' });
  });

  it("is the fleet's credentials when the tenant has no default", () => {
    assert.deepEqual(loginOf([profiles[0]!], null), { why: 'fleet' });
  });

  it('names SNMPv3 by its user and protocols', () => {
    assert.equal(snmpPolling(profiles[0]!), 'v3 poller (SHA256, AES)');
  });
});
