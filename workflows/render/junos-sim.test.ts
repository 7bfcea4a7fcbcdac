import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceConfigInput } from './device-config.ts';
import { junosSimRenderer } from './junos-sim.ts';

const lyonConfig: DeviceConfigInput = {
  hostname: 'lyon-store-01',
  loopback: '10.255.0.7/32',
  wanLinks: [
    { name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30' },
    { name: 'internet', interfaceName: 'ge-0/0/1', address: 'dhcp' },
  ],
  lanSegments: [
    { name: 'guests', vlanId: 20, gateway: '10.7.20.1/24', dhcp: true, department: 'Guests' },
    { name: 'staff', vlanId: 10, gateway: '10.7.10.1/24', dhcp: true, department: 'Staff' },
  ],
  tunnels: [
    { name: 'frankfurt-hub', unit: 1, peer: '198.51.100.1', localAddress: '172.16.0.2/30', viaLink: 'mpls' },
    { name: 'amsterdam-hub', unit: 2, peer: '198.51.100.2', localAddress: '172.16.0.6/30', viaLink: 'internet' },
  ],
};

describe('junos-sim configuration', () => {
  it('is the same whatever order the inventory lists things in', () => {
    const shuffled = { ...lyonConfig, wanLinks: [...lyonConfig.wanLinks].reverse(), lanSegments: [...lyonConfig.lanSegments].reverse(), tunnels: [...lyonConfig.tunnels].reverse() };
    assert.equal(junosSimRenderer.stage2(shuffled), junosSimRenderer.stage2(lyonConfig));
    assert.equal(junosSimRenderer.stage1(shuffled), junosSimRenderer.stage1(lyonConfig));
  });

  it('stage 1 manages the box: host name, WAN interfaces and loopback, nothing of the LAN or the overlay', () => {
    const stage1 = junosSimRenderer.stage1(lyonConfig);
    assert.match(stage1, /<host-name>lyon-store-01<\/host-name>/);
    assert.match(stage1, /<name>ge-0\/0\/0<\/name><description>WAN mpls<\/description><unit><name>0<\/name><address>192\.0\.2\.10\/30<\/address>/);
    assert.match(stage1, /<name>ge-0\/0\/1<\/name><description>WAN internet<\/description><unit><name>0<\/name><dhcp\/>/);
    assert.match(stage1, /<name>lo0<\/name><unit><name>0<\/name><address>10\.255\.0\.7\/32<\/address>/);
    assert.doesNotMatch(stage1, /irb|st0|<security>/);
  });

  it('stage 2 adds LAN segments by VLAN, a tunnel per peer bound to its st0 unit, and zones per department', () => {
    const stage2 = junosSimRenderer.stage2(lyonConfig);
    assert.match(stage2, /<name>irb<\/name><unit><name>10<\/name><description>LAN staff<\/description><vlan-id>10<\/vlan-id><address>10\.7\.10\.1\/24<\/address><\/unit><unit><name>20<\/name>/);
    assert.match(stage2, /<vpn><name>amsterdam-hub-2<\/name><peer>198\.51\.100\.2<\/peer><bind-interface>st0\.2<\/bind-interface><external-interface>ge-0\/0\/1\.0<\/external-interface><\/vpn><vpn><name>frankfurt-hub-1<\/name>/);
    assert.match(stage2, /<security-zone><name>Guests<\/name><interface><name>irb\.20<\/name><\/interface><\/security-zone><security-zone><name>Staff<\/name>/);
    assert.match(stage2, /<security-zone><name>vpn<\/name><interface><name>st0\.1<\/name><\/interface><interface><name>st0\.2<\/name>/);
  });

  it("stage 2 keeps st0 and the IPsec section even without tunnels, so a peer's tunnel added and removed later leaves no trace", () => {
    const stage2 = junosSimRenderer.stage2({ ...lyonConfig, tunnels: [] });
    assert.match(stage2, /<interface><name>st0<\/name><\/interface>/);
    assert.match(stage2, /<ipsec><\/ipsec>/);
  });

  it('a tunnel on a peer: the edit that adds it and the one that removes exactly what it added', () => {
    const { add, remove } = junosSimRenderer.tunnel(
      { name: 'lyon-store-01', unit: 7, peer: '127.16.0.3', localAddress: '172.16.0.2/30', viaLink: 'internet' },
      [{ name: 'internet', interfaceName: 'ge-0/0/0', address: 'dhcp' }],
    );
    assert.match(add, /<unit><name>7<\/name><description>tunnel to lyon-store-01<\/description><address>172\.16\.0\.2\/30<\/address><\/unit>/);
    assert.match(add, /<vpn><name>lyon-store-01-7<\/name><peer>127\.16\.0\.3<\/peer><bind-interface>st0\.7<\/bind-interface><external-interface>ge-0\/0\/0\.0<\/external-interface><\/vpn>/);
    assert.doesNotMatch(add, /operation=/);
    assert.equal(remove.match(/nc:operation="remove"/g)?.length, 3, 'the unit, the VPN and the zone membership');
  });

  it('renders firewall intent between zones (internet is untrust, corporate the overlay) and steering, replacing earlier policies', () => {
    const policies = junosSimRenderer.policies({
      firewall: [{ name: 'guests-out', from: 'Guests', to: 'internet', applications: ['https', 'dns'], action: 'permit', log: false },
        { name: 'guests-in', from: 'Guests', to: 'corporate', applications: ['any'], action: 'deny', log: true }],
      steering: [{ name: 'voice', applications: ['sip'], preferredLinks: ['mpls'], maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'central' }],
    });
    assert.match(policies, /<policies nc:operation="replace"><policy><name>guests-in<\/name><from-zone>Guests<\/from-zone><to-zone>vpn<\/to-zone><match><application>any<\/application><\/match><then><deny\/><log\/><\/then><\/policy><policy><name>guests-out<\/name>/);
    assert.match(policies, /<application>dns<\/application><application>https<\/application>/);
    assert.match(policies, /<application-steering nc:operation="replace"><rule><name>voice<\/name><application>sip<\/application><preferred-link>mpls<\/preferred-link><sla><max-latency-ms>150<\/max-latency-ms>/);
  });
});
