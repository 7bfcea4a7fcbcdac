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

  it('takes a branch model at a branch and a hub gateway at a hub', () => {
    const input = valid();
    input.devices[0]!.model = 'SRX-SIM-4600';
    const hubAtBranch = 'SRX-SIM-4600 is a hub gateway, for hub sites only; a branch uses a branch model (SRX-SIM-100, SRX-SIM-300, SRX300, SRX320, SRX340, SRX345, NFX150, NFX250)';
    assert.deepEqual(errorsOf(input), { 'devices.0.model': hubAtBranch });
    const { tenantId, name, timezone, devices } = input;
    assert.deepEqual(siteSteps[1]!.safeParse({ tenantId, name, timezone, devices }).error?.issues.map((i) => i.message), [hubAtBranch], 'the devices step says so already');
    const hub = { ...valid(), role: 'hub', primaryHubId: undefined, secondaryHubId: undefined, devices: [{ role: 'primary', model: 'SRX-SIM-300' }], wanLinks: [valid().wanLinks[0]!] };
    assert.deepEqual(errorsOf(hub), { 'devices.0.model': "SRX-SIM-300 cannot terminate spokes' tunnels; a hub needs a hub gateway model" });
  });

  describe('WAN link addressing', () => {
    const withLinks = (...links: object[]) => ({ ...valid(), wanLinks: links });
    const mpls = { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420 };
    const internet = { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/1', bandwidthMbps: 500, monthlyCost: 60 };
    const fixed = (address: string, gateway: string, extra: object = {}) => ({ mode: 'static', address, gateway, ...extra });

    it('is DHCP from the provider unless told otherwise; static takes its gateway and DNS servers, PPPoE its credentials', () => {
      const site = siteAggregate.parse(withLinks(
        { ...mpls, addressing: fixed('192.0.2.10/30', '192.0.2.9', { dnsServers: ['9.9.9.9', '149.112.112.112'] }) },
        { ...internet, addressing: { mode: 'pppoe', username: 'lyon@isp.example', password: 's3cret' } },
        { name: 'lte', type: 'lte', deviceRole: 'secondary', interfaceName: 'dl0', bandwidthMbps: 50, monthlyCost: 30, backupOnly: true },
      ));
      assert.deepEqual(site.wanLinks.map((l) => l.addressing), [
        { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9', '149.112.112.112'] },
        { mode: 'pppoe', username: 'lyon@isp.example', password: 's3cret', authentication: 'chap' },
        { mode: 'dhcp' },
      ]);
    });

    it("asks each mode for what it needs, at the field", () => {
      assert.deepEqual(errorsOf(withLinks(
        { ...mpls, addressing: { mode: 'static', address: '192.0.2.10', gateway: '192.0.2.300', dnsServers: ['dns.example'] } },
        { ...internet, addressing: { mode: 'pppoe', username: ' ', password: '', authentication: 'mschap' } },
      )), {
        'wanLinks.0.addressing.address': 'is an address with its prefix length, such as 192.0.2.10/30',
        'wanLinks.0.addressing.gateway': 'is an IPv4 address such as 192.0.2.9',
        'wanLinks.0.addressing.dnsServers': 'are IPv4 addresses such as 9.9.9.9',
        'wanLinks.1.addressing.username': 'is required',
        'wanLinks.1.addressing.password': 'is required',
        'wanLinks.1.addressing.authentication': 'is chap or pap',
      });
      assert.deepEqual(errorsOf(withLinks({ ...mpls, addressing: { mode: 'carrier-pigeon' } })), { 'wanLinks.0.addressing.mode': 'is dhcp, static or pppoe' });
    });

    it('a static address is a host of its prefix, with the gateway beside it in that prefix', () => {
      const errors = (address: string, gateway: string) => errorsOf(withLinks({ ...mpls, addressing: fixed(address, gateway) }));
      assert.deepEqual(errors('192.0.2.8/30', '192.0.2.9'), { 'wanLinks.0.addressing.address': 'is the network address of 192.0.2.8/30, not a host address' });
      assert.deepEqual(errors('192.0.2.11/30', '192.0.2.9'), { 'wanLinks.0.addressing.address': 'is the broadcast address of 192.0.2.8/30, not a host address' });
      assert.deepEqual(errors('192.0.2.10/30', '192.0.2.13'), { 'wanLinks.0.addressing.gateway': "is outside the link's prefix 192.0.2.8/30" });
      assert.deepEqual(errors('192.0.2.10/30', '192.0.2.10'), { 'wanLinks.0.addressing.gateway': "is the link's own address" });
      assert.deepEqual(errors('192.0.2.10/29', '192.0.2.15'), { 'wanLinks.0.addressing.gateway': 'is the broadcast address of 192.0.2.8/29, not a host address' });
      assert.deepEqual(errors('192.0.2.10/32', '192.0.2.9'), { 'wanLinks.0.addressing.address': 'leaves no room for a gateway: give the prefix length of the link (such as /30)' });
      assert.deepEqual(errors('192.0.2.10/31', '192.0.2.11'), {}, 'a /31 has no network or broadcast address (RFC 3021)');
      assert.deepEqual(errors('192.0.2.300/30', '192.0.2.9'), { 'wanLinks.0.addressing.address': 'is not an address with its prefix length (such as 192.0.2.10/30)' });
    });

    it('a static link overlaps no other WAN link and no LAN segment', () => {
      assert.deepEqual(errorsOf(withLinks(
        { ...mpls, addressing: fixed('192.0.2.10/29', '192.0.2.9') },
        { ...internet, addressing: fixed('192.0.2.13/30', '192.0.2.14') },
      )), { 'wanLinks.1.addressing.address': 'overlaps WAN link mpls' });
      assert.deepEqual(errorsOf(withLinks({ ...mpls, addressing: fixed('10.1.20.130/25', '10.1.20.129') })), { 'lanSegments.1.prefix': 'overlaps WAN link mpls (10.1.20.128/25)' });
    });

    it('an LTE link is addressed by the mobile network', () => {
      assert.deepEqual(errorsOf(withLinks(mpls, { name: 'lte', type: 'lte', interfaceName: 'dl0', bandwidthMbps: 50, monthlyCost: 30, backupOnly: true, addressing: fixed('192.0.2.10/30', '192.0.2.9') })),
        { 'wanLinks.1.addressing.mode': 'an LTE link takes its address from the mobile network (DHCP)' });
    });
  });

  it('a segment serving DHCP has addresses to lease beside its gateway', () => {
    const input = valid();
    input.lanSegments[1]!.prefix = '10.1.20.0/31';
    assert.deepEqual(errorsOf(input), { 'lanSegments.1.prefix': 'leaves no address to lease beside the gateway: a segment serving DHCP is a /30 or larger' });
    assert.deepEqual(errorsOf({ ...input, lanSegments: [input.lanSegments[0], { ...input.lanSegments[1], dhcp: false }] }), {});
  });

  it('checks each wizard step on what it has so far', () => {
    const { tenantId, name, timezone, devices } = valid();
    assert.equal(siteSteps[0]!.safeParse({ tenantId, name, timezone }).success, true);
    assert.equal(siteSteps[1]!.safeParse({ tenantId, name, timezone, devices }).success, true);
    assert.equal(siteSteps[1]!.safeParse({ tenantId, name, timezone, devices: [devices[0], devices[0]] }).success, false);
    assert.equal(siteSteps.at(-1)!.safeParse(valid()).success, true);
  });
});
