import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, deviceConfigInput, devicePolicies, gatewayOf, hubPathsFrom, peerTunnel, probedLinks, wanLinkChecks, wanLinkConfigs, type SitePlan } from './site-plan.ts';
import { junosRenderer } from './render/junos.ts';

const target = (host: string) => ({ deviceId: `id-${host}`, serial: `S-${host}`, platform: 'junos', host, netconfPort: 830, snmpPort: 161 });
const links = [{ name: 'internet', interfaceName: 'ge-0/0/0', address: 'dhcp' as const }, { name: 'lte', interfaceName: 'dl0', address: 'dhcp' as const }];

const plan: SitePlan = {
  siteId: 'site', tenantId: 'tenant', name: 'Lyon store', role: 'spoke', status: 'planned', topology: 'hub_and_spoke',
  devices: [
    { id: 'd1', role: 'primary', hostname: 'lyon-01', model: 'SRX-SIM-300', platform: 'junos', serial: 'S1', status: 'planned', target: null, softwareVersion: null, wanLinks: links, primaryLinks: ['internet'] },
    { id: 'd2', role: 'secondary', hostname: 'lyon-02', model: 'SRX-SIM-300', platform: 'junos', serial: 'S2', status: 'planned', target: null, softwareVersion: null, wanLinks: links, primaryLinks: ['internet', 'lte'] },
  ],
  lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.7.10.0/24', dhcp: true, department: 'Staff' }],
  peers: [
    { siteId: 'hub-a', siteName: 'Paris hub', priority: 'primary', hostname: 'paris-01', target: target('127.0.0.10'), wanLinks: links, primaryLinks: ['internet'] },
    { siteId: 'hub-b', siteName: 'Madrid hub', priority: 'secondary', hostname: 'madrid-01', target: target('127.0.0.11'), wanLinks: links, primaryLinks: ['internet'] },
  ],
  policies: { firewall: [], steering: [] },
  targetImages: [],
};

/** A tunnel in 172.16.0.<base>/30: this end .base+1, the peer .base+2. */
const tunnel = (peerSiteId: string, localUnit: number, peerUnit: number, base: number) =>
  ({ peerSiteId, subnet: `172.16.0.${base}/30`, localAddress: `172.16.0.${base + 1}/30`, peerAddress: `172.16.0.${base + 2}/30`, localUnit, peerUnit });

describe('site plan', () => {
  it('knows the links a device probes as its stage 2 renders the probes: those a tunnel rides, static ones, all when the site has DNS', () => {
    const probesIn = (config: string) => [...config.matchAll(/<probe><name>([^<]+)<\/name>/g)].map((m) => m[1]).sort();
    const allocations = (role: 'primary' | 'secondary') => ({ role, loopback: '10.255.0.9/32', tunnels: [tunnel('hub-a', 1, 5, 0), tunnel('hub-b', 2, 5, 4)] });
    for (const device of plan.devices) {
      assert.deepEqual(probedLinks(plan, device), probesIn(junosRenderer.stage2(deviceConfigInput(plan, device, allocations(device.role)))));
    }
    assert.deepEqual(probedLinks(plan, plan.devices[0]!), ['internet'], 'the LTE link carries no tunnel and has no gateway');
    const withDns = { ...plan, devices: [{ ...plan.devices[0]!, wanLinks: [...links, { name: 'mpls', interfaceName: 'ge-0/0/1', address: '192.0.2.2/30', gateway: '192.0.2.1', dnsServers: ['192.0.2.53'] }] }] };
    assert.deepEqual(probedLinks(withDns, withDns.devices[0]!), ['internet', 'lte', 'mpls']);
  });

  it("a device's paths to its hubs from its allocations: each hub's tunnel unit on the device and the hub's end, mesh peers left out", () => {
    const meshPeer = { ...plan.peers[0]!, siteId: 'mesh-c', siteName: 'Nice store', hostname: 'nice-01' };
    const { priority: _none, ...unprioritised } = meshPeer;
    const withMesh = { ...plan, peers: [...plan.peers, unprioritised] };
    const allocations = { role: 'primary' as const, loopback: '10.255.0.9/32', tunnels: [tunnel('hub-a', 1, 5, 0), tunnel('hub-b', 2, 7, 4), tunnel('mesh-c', 3, 2, 8)] };
    assert.deepEqual(hubPathsFrom(withMesh, allocations), [
      { name: 'hub-paris-01', unit: 1, target: '172.16.0.2' },
      { name: 'hub-madrid-01', unit: 2, target: '172.16.0.6' },
    ]);
    assert.deepEqual(hubPathsFrom(plan, { ...allocations, tunnels: [] }), [], 'no tunnel allocated, no path');
  });

  it('gives a LAN segment its first host as gateway', () => {
    assert.equal(gatewayOf('10.7.10.0/24'), '10.7.10.1/24');
  });

  it('compares software versions part by part, numbers as numbers', () => {
    assert.equal(compareVersions('22.4R1', '23.2R1'), -1);
    assert.equal(compareVersions('23.10R1', '23.2R1'), 1);
    assert.equal(compareVersions('23.2R1.3', '23.2R1'), 1);
    assert.equal(compareVersions('23.2R1', '23.2R1'), 0);
  });

  it("a device's configuration input: its tunnels to each peer over its non-backup links, the LAN on the primary only", () => {
    const allocations = { role: 'secondary' as const, loopback: '10.255.0.9/32', tunnels: [tunnel('hub-a', 1, 5, 0), tunnel('hub-b', 2, 5, 4)] };
    const secondary = deviceConfigInput(plan, plan.devices[1]!, allocations);
    assert.deepEqual(secondary.tunnels.map((t) => [t.name, t.unit, t.peer, t.localAddress, t.viaLink]), [
      ['paris-01', 1, '127.0.0.10', '172.16.0.1/30', 'internet'],
      ['madrid-01', 2, '127.0.0.11', '172.16.0.5/30', 'lte'],
    ]);
    assert.deepEqual(secondary.lanSegments, []);
    const primary = deviceConfigInput(plan, plan.devices[0]!, { ...allocations, role: 'primary' });
    assert.deepEqual(primary.lanSegments, [{ name: 'staff', vlanId: 10, gateway: '10.7.10.1/24', dhcp: true, department: 'Staff' }]);
  });

  it('WAN links as configured: PPPoE sessions on pp0 units in the order of their ports, a static link with its gateway', () => {
    const configs = wanLinkConfigs([
      { name: 'internet', interfaceName: 'ge-0/0/1', backupOnly: false, addressing: { mode: 'pppoe', username: 'b@isp', authentication: 'pap', passwordSecret: 'B' } },
      { name: 'mpls', interfaceName: 'ge-0/0/2', backupOnly: true, addressing: { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'] } },
      { name: 'dsl', interfaceName: 'ge-0/0/0', backupOnly: false, addressing: { mode: 'pppoe', username: 'a@isp', authentication: 'chap', passwordSecret: 'A' } },
      { name: 'lte', interfaceName: 'dl0', backupOnly: true, addressing: { mode: 'dhcp' } },
    ]);
    assert.deepEqual(configs, [
      { name: 'internet', interfaceName: 'ge-0/0/1', address: 'pppoe', pppoe: { unit: 1, username: 'b@isp', authentication: 'pap', passwordSecret: 'B' } },
      { name: 'mpls', interfaceName: 'ge-0/0/2', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'], backupOnly: true },
      { name: 'dsl', interfaceName: 'ge-0/0/0', address: 'pppoe', pppoe: { unit: 0, username: 'a@isp', authentication: 'chap', passwordSecret: 'A' } },
      { name: 'lte', interfaceName: 'dl0', address: 'dhcp' },
    ]);
    assert.deepEqual(wanLinkChecks(configs), [
      { kind: 'interface-up', interface: 'pp0.1' },
      { kind: 'interface-up', interface: 'ge-0/0/2', address: '192.0.2.10/30' },
      { kind: 'interface-up', interface: 'pp0.0' },
      { kind: 'interface-up', interface: 'dl0' },
    ]);
  });

  it("the site's DNS servers, from its static links, go to every device's configuration", () => {
    const fixed = { name: 'mpls', interfaceName: 'ge-0/0/1', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9', '1.1.1.1'] };
    const withDns: SitePlan = { ...plan, devices: [{ ...plan.devices[0]!, wanLinks: [...links, fixed] }, plan.devices[1]!] };
    const allocations = { role: 'secondary' as const, loopback: '10.255.0.9/32', tunnels: [] };
    assert.deepEqual(deviceConfigInput(withDns, withDns.devices[1]!, allocations).dnsServers, ['9.9.9.9', '1.1.1.1']);
    assert.equal('dnsServers' in deviceConfigInput(plan, plan.devices[1]!, allocations), false);
  });

  it("the peer's side of a tunnel: the peer's unit and address, the site's device as its peer", () => {
    const side = peerTunnel(plan.peers[0]!, { hostname: 'lyon-01', target: target('127.0.0.3') }, tunnel('hub-a', 1, 5, 0), 0);
    assert.deepEqual(side, { name: 'lyon-01', unit: 5, peer: '127.0.0.3', localAddress: '172.16.0.2/30', viaLink: 'internet' });
  });

  it('steers a device\'s applications over its own WAN links only: a secondary CPE lacks the primary\'s', () => {
    const voice = { name: 'voice', applications: ['junos:SIP'], preferredLinks: ['mpls', 'internet'], activeLinks: { 'junos:SIP': 'internet' }, maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'local' as const };
    const bulk = { ...voice, name: 'bulk', preferredLinks: ['mpls'], activeLinks: { 'junos:SIP': 'mpls' } };
    const policies = { firewall: [], steering: [voice, bulk] };
    const device = (...names: string[]) => ({ wanLinks: names.map((name, i) => ({ name, interfaceName: `ge-0/0/${i}`, address: 'dhcp' as const })) });
    assert.deepEqual(devicePolicies(policies, device('mpls', 'internet')), policies);
    assert.deepEqual(devicePolicies(policies, device('internet')).steering, [{ ...voice, preferredLinks: ['internet'] }]);
    assert.deepEqual(devicePolicies(policies, device('lte')).steering, []);
  });
});
