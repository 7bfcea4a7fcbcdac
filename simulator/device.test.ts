import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceConfigInput } from '../domain/render/device-config.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { SimulatedDevice, newIdentity } from './device.ts';

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
function box(running: string): SimulatedDevice {
  const identity = newIdentity({ serial: 'BLS0000042', model: 'SRX-SIM-300', address: '127.16.0.42', snmpPort: 161, netconfPort: 830, community: 'c', username: 'u', password: 'p' });
  return new SimulatedDevice(identity, { running }, { rebootMs: 0, phoneHomeIntervalMs: 1000, peerIsUp: () => false, onChange: () => undefined });
}

const state = (device: SimulatedDevice, name: string) => device.interfaces().find((i) => i.name === name);

describe('simulated device', () => {
  it('holds a static WAN link up with its address, and brings a PPPoE session up on pp0 with an address from the provider', () => {
    const device = box(junosRenderer.stage1(branch));
    assert.deepEqual([state(device, 'ge-0/0/0')?.operUp, state(device, 'ge-0/0/0')?.addresses], [true, ['192.0.2.10/30']]);
    assert.deepEqual([state(device, 'pp0.0')?.operUp, state(device, 'pp0.0')?.addresses], [true, ['100.64.0.42/32']]);
    assert.deepEqual(state(device, 'ge-0/0/1')?.addresses, [], 'the port itself holds no address: the session does');
    assert.match(device.operationalState(), /<interface><name>pp0\.0<\/name><admin-status>up<\/admin-status><oper-status>up<\/oper-status><address>100\.64\.0\.42\/32<\/address><\/interface>/);
  });

  it("drops the PPPoE session when its port's link is cut, and keeps it down without credentials", () => {
    const device = box(junosRenderer.stage1(branch));
    device.changeLink('wan1', { cut: true });
    assert.deepEqual([state(device, 'pp0.0')?.operUp, state(device, 'pp0.0')?.addresses], [false, []]);
    device.changeLink('wan1', { cut: false });
    assert.equal(state(device, 'pp0.0')?.operUp, true);
    assert.equal(state(box(junosRenderer.stage1(branch).replace('<local-password>pa55word</local-password>', '')), 'pp0.0')?.operUp, false);
  });

  it('says which LAN segments its DHCP server serves, and from which pool', () => {
    assert.match(box(junosRenderer.stage2(branch)).operationalState(), new RegExp('<dhcp-server-information xmlns="urn:branchline:sim:state"><interface><name>irb\\.10</name><group>staff</group>'
      + '<pool>staff</pool><low>10\\.77\\.10\\.2</low><high>10\\.77\\.10\\.254</high><router>10\\.77\\.10\\.1</router><state>serving</state></interface></dhcp-server-information>'));
  });
});
