import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceConfigInput, IntentPolicyConfig } from '../domain/render/device-config.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { parseXml, type Element } from '../activities/devices/netconf/xml.ts';
import { SimulatedDevice, newIdentity } from './device.ts';
import { dhcpServices } from './dhcp-server.ts';
import { summarise } from './rpm.ts';

const branch: DeviceConfigInput = {
  hostname: 'leuven-depot-01',
  loopback: '10.255.0.9/32',
  wanLinks: [
    { name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30', gateway: '192.0.2.9', backupOnly: false },
    { name: 'internet', interfaceName: 'ge-0/0/1', address: 'pppoe', pppoe: { unit: 0, username: 'leuven@isp.example', authentication: 'pap', passwordSecret: 'pa55word' } },
  ],
  lanSegments: [{ name: 'staff', vlanId: 10, gateway: '10.77.10.1/24', dhcp: true }],
  tunnels: [],
};

/** A box that is never started: its state is read as the NETCONF server and the SNMP agent would. */
function box(running: string, peerIsUp = (_peer: string) => false): SimulatedDevice {
  const identity = newIdentity({ serial: 'BLS0000042', model: 'SRX-SIM-300', address: '127.16.0.42', snmpPort: 161, netconfPort: 830, community: 'c', username: 'u', password: 'p' });
  return new SimulatedDevice(identity, { running }, { rebootMs: 0, phoneHomeIntervalMs: 1000, peerIsUp, onChange: () => undefined });
}

const state = (device: SimulatedDevice, name: string) => device.interfaces().find((i) => i.name === name);
/** An operational RPC's reply, as the NETCONF server would put it in <rpc-reply>. */
async function rpc(device: SimulatedDevice, operation: string): Promise<Element> {
  const body = await device.customRpc(parseXml(operation).documentElement!, { id: 1, username: 'u' });
  return parseXml(`<rpc-reply xmlns:junos="http://xml.juniper.net/junos/22.4R0/junos">${body}</rpc-reply>`).documentElement!;
}

describe('simulated device', () => {
  it('holds a static WAN link up with its address, and brings a PPPoE session up on pp0 with an address from the provider', async () => {
    const device = box(junosRenderer.stage1(branch));
    assert.deepEqual([state(device, 'ge-0/0/0')?.operUp, state(device, 'ge-0/0/0')?.addresses], [true, ['192.0.2.10/30']]);
    assert.deepEqual([state(device, 'pp0.0')?.operUp, state(device, 'pp0.0')?.addresses], [true, ['100.64.0.42/32']]);
    assert.deepEqual(state(device, 'ge-0/0/1')?.addresses, [], 'the port itself holds no address: the session does');
    const terse = await rpc(device, '<get-interface-information><terse/></get-interface-information>');
    const pp0 = [...terse.getElementsByTagName('logical-interface')].find((l) => l.getElementsByTagName('name')[0]?.textContent === 'pp0.0')!;
    assert.deepEqual(['oper-status', 'address-family-name', 'ifa-local'].map((name) => pp0.getElementsByTagName(name)[0]?.textContent), ['up', 'inet', '100.64.0.42/32']);
    const wan = [...terse.getElementsByTagName('logical-interface')].find((l) => l.getElementsByTagName('name')[0]?.textContent === 'ge-0/0/0.0')!;
    assert.equal(wan.getElementsByTagName('ifa-local')[0]?.textContent, '192.0.2.10/30', "a port's address is on its unit 0");
  });

  it('answers the operational RPCs a Junos SRX answers, with its element names', async () => {
    const device = box(junosRenderer.stage1(branch));
    const text = (reply: Element, name: string) => reply.getElementsByTagName(name)[0]?.textContent;
    const software = await rpc(device, '<get-software-information/>');
    assert.deepEqual(['host-name', 'product-model', 'junos-version'].map((name) => text(software, name)), ['leuven-depot-01', 'srx-sim-300', '22.4R1']);
    assert.equal(text(await rpc(device, '<get-chassis-inventory/>'), 'serial-number'), 'BLS0000042');
    const uptime = (await rpc(device, '<get-system-uptime-information/>')).getElementsByTagName('time-length')[0]!;
    assert.match(uptime.getAttribute('junos:seconds') ?? '', /^\d+$/);
    const storage = await rpc(device, '<get-system-storage/>');
    const varFs = [...storage.getElementsByTagName('filesystem')].find((f) => f.getElementsByTagName('mounted-on')[0]?.textContent === '/.mount/var')!;
    assert.equal(Number(varFs.getElementsByTagName('available-blocks')[0]?.textContent) * 512, 4 * 1024 ** 3);
    assert.equal(text(await rpc(device, '<get-probe-results/>'), 'probe-test-results'), undefined, 'no RPM test configured');
  });

  it('answers an interface by name as Junos does: a port with its units, a unit alone, and refuses a name it lacks', async () => {
    const device = box(junosRenderer.stage1(branch));
    const names = (reply: Element) => [...reply.getElementsByTagName('name')].map((n) => n.textContent);
    const port = await rpc(device, '<get-interface-information><terse/><interface-name>ge-0/0/0</interface-name></get-interface-information>');
    assert.deepEqual(names(port), ['ge-0/0/0', 'ge-0/0/0.0']);
    const unit = await rpc(device, '<get-interface-information><terse/><interface-name>ge-0/0/0.0</interface-name></get-interface-information>');
    assert.deepEqual([unit.getElementsByTagName('physical-interface').length, names(unit), unit.getElementsByTagName('ifa-local')[0]?.textContent], [0, ['ge-0/0/0.0'], '192.0.2.10/30']);
    assert.deepEqual(names(await rpc(device, '<get-interface-information><terse/><interface-name>lo0.0</interface-name></get-interface-information>')), ['lo0.0']);
    await assert.rejects(rpc(device, '<get-interface-information><terse/><interface-name>st0.9</interface-name></get-interface-information>'), /device st0.9 not found/);
  });

  it("drops the PPPoE session when its port's link is cut, and keeps it down without credentials", () => {
    const device = box(junosRenderer.stage1(branch));
    device.changeLink('wan1', { cut: true });
    assert.deepEqual([state(device, 'pp0.0')?.operUp, state(device, 'pp0.0')?.addresses], [false, []]);
    device.changeLink('wan1', { cut: false });
    assert.equal(state(device, 'pp0.0')?.operUp, true);
    assert.equal(state(box(junosRenderer.stage1(branch).replace('<local-password>pa55word</local-password>', '')), 'pp0.0')?.operUp, false);
  });

  it('knows which LAN segments its DHCP server serves, and from which pool', () => {
    const [service] = dhcpServices(box(junosRenderer.stage2(branch)).store.running);
    assert.deepEqual([service?.interface, service?.group, service?.pool?.name, service?.pool?.low, service?.pool?.high, service?.pool?.routers],
      ['irb.10', 'staff', 'staff', '10.77.10.2', '10.77.10.254', ['10.77.10.1']]);
  });

  it('reads the login users of its running configuration: password hash and keys', () => {
    const device = box('<configuration><system><login>'
      + '<user><name>ops</name><class>super-user</class><authentication><encrypted-password>$6$salt$hash</encrypted-password></authentication></user>'
      + '<user><name>robot</name><class>super-user</class><authentication><ssh-ed25519><name>ssh-ed25519 AAAAC3Nza robot</name></ssh-ed25519></authentication></user>'
      + '</login></system></configuration>');
    assert.deepEqual(device.configuredLogins(), [
      { name: 'ops', encryptedPassword: '$6$salt$hash', publicKeys: [] },
      { name: 'robot', publicKeys: ['ssh-ed25519 AAAAC3Nza robot'] },
    ]);
  });
});

describe('simulated management path', () => {
  const noIntent: IntentPolicyConfig = { addresses: [], addressSets: [], policies: [], utmPolicies: [], sourceNat: [], staticNat: [], portForwards: [] };
  const forward = (external: string, externalPort: number) => ({ name: 'nas', external, protocol: 'tcp' as const, externalPort, internal: '10.77.10.5/32', internalPort: 8443 });
  /** The branch managed over its PPPoE link (pp0.0 takes 100.64.0.42 from the provider), with this NAT committed. */
  function managedOverPppoe(nat: Partial<IntentPolicyConfig>): SimulatedDevice {
    const device = box(junosRenderer.stage2(branch));
    device.setManagementInterface('pp0.0');
    const edit = parseXml(junosRenderer.policies({ firewall: [], steering: [], intent: { ...noIntent, ...nat } })).documentElement!;
    device.store.edit('candidate', [edit], 'merge', 1);
    device.store.commit({ sessionId: 1, username: 'u' });
    return device;
  }

  it('loses NETCONF when destination NAT takes the NETCONF port of the management address to an inside host', () => {
    assert.equal(managedOverPppoe({ portForwards: [forward('100.64.0.42/32', 830)] }).faults.managementCut, true);
  });

  it('loses NETCONF when static NAT maps the management address to an inside host (every port)', () => {
    assert.equal(managedOverPppoe({ staticNat: [{ name: 'nas', internal: '10.77.10.5/32', external: '100.64.0.42/32' }] }).faults.managementCut, true);
  });

  it('keeps NETCONF when the forward takes another port of that address, or the NETCONF port of another address', () => {
    assert.equal(managedOverPppoe({ portForwards: [forward('100.64.0.42/32', 8443)] }).faults.managementCut, false);
    assert.equal(managedOverPppoe({ portForwards: [forward('203.0.113.7/32', 830)] }).faults.managementCut, false);
  });

  it('gets NETCONF back once the NAT is gone again, as a confirm timeout brings it', () => {
    const device = managedOverPppoe({ portForwards: [forward('100.64.0.42/32', 830)] });
    const edit = parseXml(junosRenderer.policies({ firewall: [], steering: [], intent: noIntent })).documentElement!;
    device.store.edit('candidate', [edit], 'merge', 1);
    device.store.commit({ sessionId: 1, username: 'u' });
    assert.equal(device.faults.managementCut, false);
  });
});

/** A branch that steers: a static link and a DHCP one, a staff LAN. */
const steeredSite: DeviceConfigInput = {
  hostname: 'ghent-store-01', loopback: '10.255.0.12/32',
  wanLinks: [
    { name: 'wan0', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30', gateway: '192.0.2.9' },
    { name: 'wan1', interfaceName: 'ge-0/0/1', address: 'dhcp' },
  ],
  dnsServers: ['192.0.2.53'],
  lanSegments: [{ name: 'staff', vlanId: 10, gateway: '10.12.10.1/24', dhcp: true, department: 'Staff' }],
  tunnels: [],
};

describe('simulated links and steering', () => {
  const site = steeredSite;
  const voice = {
    name: 'voice', applications: ['junos:SIP', 'junos:MS-TEAMS'], preferredLinks: ['wan0', 'wan1'],
    maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'local' as const,
  };
  /** A box running the site's stage 2 with these steering policies committed over it. */
  function steered(activeLinks: Record<string, string> = {}): SimulatedDevice {
    const device = box(junosRenderer.stage2(site));
    const edit = parseXml(junosRenderer.policies({ firewall: [], steering: [{ ...voice, activeLinks }], probedLinks: ['wan0', 'wan1'] })).documentElement!;
    device.store.edit('candidate', [edit], 'merge', 1);
    device.store.commit({ sessionId: 1, username: 'u' });
    return device;
  }

  it('reports the link each steered application takes, by a static link\'s gateway or a DHCP link\'s unit', () => {
    const paths = (device: SimulatedDevice) => device.applicationPaths().map((p) => [p.application, p.rule, p.link, p.linkUp]);
    assert.deepEqual(paths(steered()), [['junos:MS-TEAMS', 'voice-wan0', 'wan0', true], ['junos:SIP', 'voice-wan0', 'wan0', true]]);
    const moved = steered({ 'junos:MS-TEAMS': 'wan1' });
    assert.deepEqual(paths(moved), [['junos:MS-TEAMS', 'voice-wan1', 'wan1', true], ['junos:SIP', 'voice-wan0', 'wan0', true]]);
    moved.impairLink('wan1', { shape: 'blackout' });
    assert.equal(moved.applicationPaths().find((p) => p.application === 'junos:MS-TEAMS')?.linkUp, false, 'a blacked-out link carries nothing');
  });

  it('measures a link under its impairment in the RPM results it serves, once a test has met it, with the thresholds the steering set', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-30T08:00:00Z') });
    const device = steered();
    const last = () => device.rpmResults().find(({ test }) => test.owner === 'wan0')!;
    const lastCompleted = () => last().collections.find((c) => c.collection === 2)!;
    assert.equal(last().test.rttThresholdUs, 150_000);
    assert.equal(summarise(lastCompleted())?.averageUs, 18_000);
    device.impairLink('wan0', { shape: 'step', to: { latencyMs: 240, lossPermille: 400 } });
    assert.equal(summarise(lastCompleted())?.averageUs, 18_000, 'no test has completed since');
    // A test is 5 probes a second apart and a second's pause: two tests on, one has met only the step.
    t.mock.timers.tick(12_000);
    const degraded = lastCompleted();
    assert.deepEqual([summarise(degraded)?.averageUs, degraded.sent - degraded.received], [240_000, 2]);
    const reply = await rpc(device, '<get-probe-results><owner>wan0</owner></get-probe-results>');
    assert.equal(reply.getElementsByTagName('avg-delay')[0]?.textContent, '240000', 'NETCONF serves the impaired link');
    device.impairLink('wan0', undefined);
    assert.equal(summarise(last().collections.find((c) => c.collection === 2)!)?.averageUs, 18_000, 'cleared, the link is itself again');
  });

  it('updates the current test probe by probe: a step shows there as its probes meet it, before the test completes', (t) => {
    // 08:00:00 is the start of a test (tests of 6 s run from the epoch).
    t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-30T08:00:00Z') });
    const device = steered();
    const current = () => device.rpmResults().find(({ test }) => test.owner === 'wan0')!.collections.find((c) => c.collection === 1)!;
    device.impairLink('wan0', { shape: 'step', to: { latencyMs: 240 } });
    t.mock.timers.tick(2_500);
    // Probes at 0 s, 1 s and 2 s, answered after their 240 ms round trip: three so far.
    assert.deepEqual([current().sent, summarise(current())?.averageUs], [3, 240_000]);
    t.mock.timers.tick(3_000);
    assert.equal(current().sent, 5, 'in the pause, the test just completed');
  });
});

describe('central breakout on a simulated box', () => {
  const hub = { name: 'ghent-hub', unit: 1, peer: '198.51.100.1', localAddress: '10.254.0.1/30', viaLink: 'wan0' };
  const site: DeviceConfigInput = { ...steeredSite, tunnels: [hub] };
  const voice = {
    name: 'voice', applications: ['junos:SIP'], preferredLinks: ['wan1', 'wan0'], maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'central' as const,
  };
  const hubPaths = [{ name: 'hub-ghent-hub', unit: 1, target: '10.254.0.2' }];
  function steered(activeLinks: Record<string, string> = {}): SimulatedDevice {
    const device = box(junosRenderer.stage2(site), () => true);
    const edit = parseXml(junosRenderer.policies({ firewall: [], steering: [{ ...voice, activeLinks }], probedLinks: ['wan0', 'wan1'], hubPaths })).documentElement!;
    device.store.edit('candidate', [edit], 'merge', 1);
    device.store.commit({ sessionId: 1, username: 'u' });
    return device;
  }

  it('sends the application into the tunnel toward the hub, and reports that path and the link under it', () => {
    const [path] = steered().applicationPaths();
    assert.deepEqual([path?.rule, path?.routingInstance, path?.link, path?.overlay, path?.linkUp],
      ['voice-hub-ghent-hub', 'hub-ghent-hub', 'st0.1', { peer: '198.51.100.1', via: 'wan0' }, true]);
    const [fallback] = steered({ 'junos:SIP': 'wan1' }).applicationPaths();
    assert.deepEqual([fallback?.routingInstance, fallback?.link, fallback?.overlay], ['wan-wan1', 'wan1', undefined], 'broken out locally, per the policy\'s links');
  });

  it('probes the path through the hub, which the control API impairs apart from the link under it', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-30T08:00:00Z') });
    const device = steered();
    const average = (owner: string) => summarise(device.rpmResults().find(({ test }) => test.owner === owner)!.collections.find((c) => c.collection === 2)!)?.averageUs;
    assert.deepEqual([average('wan0'), average('hub-ghent-hub')], [18_000, 24_000], 'the hub\'s leg beyond the link');
    device.impairLink('st0.1', { shape: 'step', to: { latencyMs: 300 } });
    t.mock.timers.tick(12_000);
    assert.deepEqual([average('wan0'), average('hub-ghent-hub')], [18_000, 300_000]);
  });
});
