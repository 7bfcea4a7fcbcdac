import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { siteAggregate, siteSteps } from './site.ts';

const hubA = '01900000-0000-7000-8000-00000000000a';
const hubB = '01900000-0000-7000-8000-00000000000b';

const valid = () => ({
  tenantId: '01900000-0000-7000-8000-000000000001',
  name: 'Lyon store',
  timezone: 'Europe/Paris',
  country: 'FR',
  devices: [{ role: 'primary', model: 'SRX-SIM-300' }, { role: 'secondary', model: 'SRX-SIM-300', serial: 'BLS0000042' }],
  wanLinks: [
    { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420 },
    { name: 'lte', type: 'lte', deviceRole: 'secondary', interfaceName: 'dl0', bandwidthMbps: 50, monthlyCost: 30, backupOnly: true },
  ],
  departments: ['Staff', 'Guests'],
  lanSegments: [
    { name: 'staff', vlanId: 10, prefix: '10.1.10.0/24', department: 'Staff' },
    { name: 'guests', vlanId: 20, prefix: '10.1.20.0/24', department: 'Guests' },
  ],
  topology: 'hub_and_spoke',
  primaryHubId: hubA,
  secondaryHubId: hubB,
});

function errorsOf(input: unknown): Record<string, string> {
  const result = siteAggregate.safeParse(input);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((issue) => [issue.path.join('.'), issue.message]));
}

describe('site aggregate', () => {
  it('accepts a dual-CPE hub-and-spoke site and fills the defaults', () => {
    const site = siteAggregate.parse(valid());
    assert.equal(site.wanLinks[0]!.deviceRole, 'primary');
    assert.equal(site.wanLinks[0]!.currency, 'EUR');
    assert.deepEqual(site.appSlaPolicyIds, []);
  });

  it('reports every problem at the field to fix', () => {
    const input = valid();
    input.timezone = 'Mars/Olympus';
    input.devices[1]!.role = 'primary';
    input.wanLinks[0]!.interfaceName = 'ge-0/0/7';
    input.lanSegments[1]!.vlanId = 10;
    input.lanSegments[1]!.prefix = '10.1.10.128/25';
    input.lanSegments[0]!.department = 'Finance';
    input.secondaryHubId = hubA;
    assert.deepEqual(errorsOf(input), {
      timezone: 'is not a known time zone (for example Europe/Paris)',
      'devices.1.role': 'each device has its own role',
      'wanLinks.0.interfaceName': 'SRX-SIM-300 has no WAN port ge-0/0/7 (it has ge-0/0/0, ge-0/0/1, dl0)',
      'wanLinks.1.deviceRole': 'the site has no secondary device',
      'lanSegments.1.vlanId': 'this VLAN is already used',
      'lanSegments.1.prefix': 'overlaps LAN segment staff',
      'lanSegments.0.department': 'there is no department Finance',
      secondaryHubId: 'the secondary hub is another hub than the primary',
    });
  });

  it('needs a WAN link that is not backup-only, at most four links, and an LTE link on the modem', () => {
    const input = valid();
    input.wanLinks = [{ name: 'lte', type: 'lte', interfaceName: 'ge-0/0/1', bandwidthMbps: 50, monthlyCost: 30, backupOnly: true }] as typeof input.wanLinks;
    assert.deepEqual(errorsOf(input), { wanLinks: 'at least one WAN link is not backup-only', 'wanLinks.0.interfaceName': 'an LTE link is on the modem, dl0' });
    input.wanLinks = Array.from({ length: 5 }, (_, i) => ({ name: `l${i}`, type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 10, monthlyCost: 1 })) as typeof input.wanLinks;
    assert.equal(errorsOf(input)['wanLinks'], 'a site has at most four WAN links');
  });

  it('asks a hub-and-spoke site for its primary hub, and a partial mesh for its tags', () => {
    assert.deepEqual(errorsOf({ ...valid(), primaryHubId: undefined, secondaryHubId: undefined }), { primaryHubId: 'a hub-and-spoke site needs a primary hub' });
    assert.deepEqual(errorsOf({ ...valid(), topology: 'partial_mesh', primaryHubId: undefined, secondaryHubId: undefined }), { meshTags: 'a partial mesh names the tags of its peers' });
    assert.deepEqual(errorsOf({ ...valid(), topology: 'full_mesh', primaryHubId: undefined, secondaryHubId: undefined }), {});
  });

  it('refuses a prefix with host bits set', () => {
    const input = valid();
    input.lanSegments[0]!.prefix = '10.1.10.1/24';
    assert.equal(errorsOf(input)['lanSegments.0.prefix'], 'is not a network prefix (host bits set, or out of range)');
  });

  it('checks each wizard step on what it has so far', () => {
    const { tenantId, name, timezone, devices } = valid();
    assert.equal(siteSteps[0]!.safeParse({ tenantId, name, timezone }).success, true);
    assert.equal(siteSteps[1]!.safeParse({ tenantId, name, timezone, devices }).success, true);
    assert.equal(siteSteps[1]!.safeParse({ tenantId, name, timezone, devices: [devices[0], devices[0]] }).success, false);
    assert.equal(siteSteps.at(-1)!.safeParse(valid()).success, true);
  });
});
