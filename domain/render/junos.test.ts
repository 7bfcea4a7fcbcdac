import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretReference, type DeviceConfigInput } from './device-config.ts';
import { junosRenderer } from './junos.ts';

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
    assert.equal(junosRenderer.stage2(shuffled), junosRenderer.stage2(lyonConfig));
    assert.equal(junosRenderer.stage1(shuffled), junosRenderer.stage1(lyonConfig));
  });

  it('stage 1 manages the box: host name, WAN interfaces and loopback, nothing of the LAN or the overlay', () => {
    const stage1 = junosRenderer.stage1(lyonConfig);
    assert.match(stage1, /<host-name>lyon-store-01<\/host-name>/);
    assert.match(stage1, /<name>ge-0\/0\/0<\/name><description>WAN mpls<\/description><unit><name>0<\/name><address>192\.0\.2\.10\/30<\/address>/);
    assert.match(stage1, /<name>ge-0\/0\/1<\/name><description>WAN internet<\/description><unit><name>0<\/name><dhcp\/>/);
    assert.match(stage1, /<name>lo0<\/name><unit><name>0<\/name><address>10\.255\.0\.7\/32<\/address>/);
    assert.doesNotMatch(stage1, /irb|st0|<security>/);
  });

  it('stage 2 adds LAN segments by VLAN, a tunnel per peer bound to its st0 unit, and zones per department', () => {
    const stage2 = junosRenderer.stage2(lyonConfig);
    assert.match(stage2, /<name>irb<\/name><unit><name>10<\/name><description>LAN staff<\/description><vlan-id>10<\/vlan-id><address>10\.7\.10\.1\/24<\/address><\/unit><unit><name>20<\/name>/);
    assert.match(stage2, /<vpn><name>amsterdam-hub-2<\/name><peer>198\.51\.100\.2<\/peer><bind-interface>st0\.2<\/bind-interface><external-interface>ge-0\/0\/1\.0<\/external-interface><\/vpn><vpn><name>frankfurt-hub-1<\/name>/);
    assert.match(stage2, /<security-zone><name>Guests<\/name><interface><name>irb\.20<\/name><\/interface><\/security-zone><security-zone><name>Staff<\/name>/);
    assert.match(stage2, /<security-zone><name>vpn<\/name><interface><name>st0\.1<\/name><\/interface><interface><name>st0\.2<\/name>/);
  });

  it("stage 2 keeps st0 and the IPsec section even without tunnels, so a peer's tunnel added and removed later leaves no trace", () => {
    const stage2 = junosRenderer.stage2({ ...lyonConfig, tunnels: [] });
    assert.match(stage2, /<interface><name>st0<\/name><\/interface>/);
    assert.match(stage2, /<ipsec><\/ipsec>/);
  });

  it('a tunnel on a peer: the edit that adds it and the one that removes exactly what it added', () => {
    const { add, remove } = junosRenderer.tunnel(
      { name: 'lyon-store-01', unit: 7, peer: '127.16.0.3', localAddress: '172.16.0.2/30', viaLink: 'internet' },
      [{ name: 'internet', interfaceName: 'ge-0/0/0', address: 'dhcp' }],
    );
    assert.match(add, /<unit><name>7<\/name><description>tunnel to lyon-store-01<\/description><address>172\.16\.0\.2\/30<\/address><\/unit>/);
    assert.match(add, /<vpn><name>lyon-store-01-7<\/name><peer>127\.16\.0\.3<\/peer><bind-interface>st0\.7<\/bind-interface><external-interface>ge-0\/0\/0\.0<\/external-interface><\/vpn>/);
    assert.doesNotMatch(add, /operation=/);
    assert.equal(remove.match(/nc:operation="remove"/g)?.length, 3, 'the unit, the VPN and the zone membership');
  });

  it('renders a site without static routes, PPPoE or DHCP servers exactly as before', () => {
    const existing: DeviceConfigInput = {
      ...lyonConfig,
      lanSegments: [{ name: 'staff', vlanId: 10, gateway: '10.7.10.1/24', dhcp: false, department: 'Staff' }],
      tunnels: [lyonConfig.tunnels[0]!],
    };
    const system = '<system><host-name>lyon-store-01</host-name><services><netconf><ssh/></netconf><ssh/></services></system>';
    const wan = '<interface><name>ge-0/0/0</name><description>WAN mpls</description><unit><name>0</name><address>192.0.2.10/30</address></unit></interface>'
      + '<interface><name>ge-0/0/1</name><description>WAN internet</description><unit><name>0</name><dhcp/></unit></interface>';
    const loopback = '<interface><name>lo0</name><unit><name>0</name><address>10.255.0.7/32</address></unit></interface>';
    assert.equal(junosRenderer.stage1(existing), `<configuration xmlns="urn:branchline:sim:config">${system}<interfaces>${wan}${loopback}</interfaces></configuration>`);
    assert.equal(junosRenderer.stage2(existing), `<configuration xmlns="urn:branchline:sim:config">${system}<interfaces>${wan}`
      + '<interface><name>irb</name><unit><name>10</name><description>LAN staff</description><vlan-id>10</vlan-id><address>10.7.10.1/24</address></unit></interface>'
      + '<interface><name>st0</name><unit><name>1</name><description>tunnel to frankfurt-hub</description><address>172.16.0.2/30</address></unit></interface>'
      + `${loopback}</interfaces><security><ipsec><vpn><name>frankfurt-hub-1</name><peer>198.51.100.1</peer><bind-interface>st0.1</bind-interface>`
      + '<external-interface>ge-0/0/0.0</external-interface></vpn></ipsec><zones><security-zone><name>Staff</name><interface><name>irb.10</name></interface></security-zone>'
      + '<security-zone><name>untrust</name><interface><name>ge-0/0/0.0</name></interface><interface><name>ge-0/0/1.0</name></interface></security-zone>'
      + '<security-zone><name>vpn</name><interface><name>st0.1</name></interface></security-zone></zones></security></configuration>');
  });

  describe('WAN links by how they are addressed', () => {
    const pppoePassword = secretReference('wan-link/internet/pppoe-password');
    const branch: DeviceConfigInput = {
      ...lyonConfig,
      wanLinks: [
        { name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'], backupOnly: false },
        { name: 'internet', interfaceName: 'ge-0/0/1', address: 'pppoe', pppoe: { unit: 0, username: 'lyon@isp.example', authentication: 'chap', passwordSecret: pppoePassword } },
      ],
      dnsServers: ['9.9.9.9'],
    };

    it('a static link: its address on the port, the default route by its gateway, the DNS servers for the box itself, from stage 1 on', () => {
      for (const stage of [junosRenderer.stage1(branch), junosRenderer.stage2(branch)]) {
        assert.match(stage, /<name>ge-0\/0\/0<\/name><description>WAN mpls<\/description><unit><name>0<\/name><address>192\.0\.2\.10\/30<\/address><\/unit>/);
        assert.match(stage, /<\/interfaces><routing-options><static><route><name>0\.0\.0\.0\/0<\/name><qualified-next-hop><name>192\.0\.2\.9<\/name><\/qualified-next-hop><\/route><\/static><\/routing-options>/);
        assert.match(stage, /<\/services><name-server><name>9\.9\.9\.9<\/name><\/name-server><\/system>/);
      }
      const both = junosRenderer.stage1({
        ...branch,
        wanLinks: [branch.wanLinks[0]!, { name: 'internet', interfaceName: 'ge-0/0/1', address: '198.51.100.6/30', gateway: '198.51.100.5', backupOnly: true }],
      });
      assert.match(both, /<route><name>0\.0\.0\.0\/0<\/name><qualified-next-hop><name>192\.0\.2\.9<\/name><\/qualified-next-hop><qualified-next-hop><name>198\.51\.100\.5<\/name><preference>200<\/preference><\/qualified-next-hop><\/route>/,
        "a backup-only link's route is preferred less");
    });

    it('a PPPoE link: the port encapsulated for it, a pp0 unit with its credentials (the password named, not written) negotiating its address', () => {
      const stage1 = junosRenderer.stage1(branch);
      assert.match(stage1, /<name>ge-0\/0\/1<\/name><description>WAN internet<\/description><unit><name>0<\/name><encapsulation>ppp-over-ether<\/encapsulation><\/unit><\/interface>/);
      assert.ok(stage1.includes('<interface><name>pp0</name><unit><name>0</name><description>WAN internet</description>'
        + `<ppp-options><chap><default-chap-secret>${pppoePassword}</default-chap-secret><local-name>lyon@isp.example</local-name><passive/></chap></ppp-options>`
        + '<pppoe-options><underlying-interface>ge-0/0/1.0</underlying-interface><auto-reconnect>10</auto-reconnect><client/></pppoe-options>'
        + '<negotiate-address/></unit></interface>'));
      const pap = junosRenderer.stage1({ ...branch, wanLinks: [{ ...branch.wanLinks[1]!, pppoe: { ...branch.wanLinks[1]!.pppoe!, authentication: 'pap' } }] });
      assert.ok(pap.includes(`<ppp-options><pap><local-name>lyon@isp.example</local-name><local-password>${pppoePassword}</local-password><passive/></pap></ppp-options>`));
    });

    it('tunnels over a PPPoE link leave by its pp0 unit, which is in the untrust zone in place of the port', () => {
      const stage2 = junosRenderer.stage2(branch);
      assert.match(stage2, /<vpn><name>amsterdam-hub-2<\/name><peer>198\.51\.100\.2<\/peer><bind-interface>st0\.2<\/bind-interface><external-interface>pp0\.0<\/external-interface><\/vpn>/);
      assert.match(stage2, /<security-zone><name>untrust<\/name><interface><name>ge-0\/0\/0\.0<\/name><\/interface><interface><name>pp0\.0<\/name><\/interface><\/security-zone>/);
      const { add } = junosRenderer.tunnel({ name: 'lyon-store-01', unit: 7, peer: '127.16.0.3', localAddress: '172.16.0.2/30', viaLink: 'internet' }, branch.wanLinks);
      assert.match(add, /<external-interface>pp0\.0<\/external-interface>/);
    });
  });

  it('a LAN segment serving DHCP: a server group on its irb unit, leasing the rest of its prefix with the gateway as router and the DNS servers', () => {
    const input: DeviceConfigInput = { ...lyonConfig, lanSegments: [lyonConfig.lanSegments[1]!, { ...lyonConfig.lanSegments[0]!, dhcp: false }], dnsServers: ['9.9.9.9', '149.112.112.112'] };
    const stage2 = junosRenderer.stage2(input);
    assert.ok(stage2.includes('<services><netconf><ssh/></netconf><ssh/><dhcp-local-server><group><name>staff</name><interface><name>irb.10</name></interface></group></dhcp-local-server></services>'));
    assert.ok(stage2.endsWith('</security><access><address-assignment><pool><name>staff</name><family><inet><network>10.7.10.0/24</network>'
      + '<range><name>hosts</name><low>10.7.10.2</low><high>10.7.10.254</high></range>'
      + '<dhcp-attributes><name-server><name>9.9.9.9</name></name-server><name-server><name>149.112.112.112</name></name-server><router><name>10.7.10.1</name></router></dhcp-attributes>'
      + '</inet></family></pool></address-assignment></access></configuration>'), 'the guests segment serves none');
    assert.doesNotMatch(junosRenderer.stage1(input), /dhcp-local-server|<access>/, 'the LAN comes with stage 2');
    const small = junosRenderer.stage2({ ...input, lanSegments: [{ name: 'kiosk', vlanId: 30, gateway: '10.7.30.1/29', dhcp: true }], dnsServers: [] });
    assert.match(small, /<network>10\.7\.30\.0\/29<\/network><range><name>hosts<\/name><low>10\.7\.30\.2<\/low><high>10\.7\.30\.6<\/high><\/range><dhcp-attributes><router><name>10\.7\.30\.1<\/name><\/router><\/dhcp-attributes>/);
  });

  it('renders firewall intent between zones (internet is untrust, corporate the overlay) and steering, replacing earlier policies', () => {
    const policies = junosRenderer.policies({
      firewall: [{ name: 'guests-out', from: 'Guests', to: 'internet', applications: ['https', 'dns'], action: 'permit', log: false },
        { name: 'guests-in', from: 'Guests', to: 'corporate', applications: ['any'], action: 'deny', log: true }],
      steering: [{ name: 'voice', applications: ['sip'], preferredLinks: ['mpls'], maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'central' }],
    });
    assert.match(policies, /<policies nc:operation="replace"><policy><name>guests-in<\/name><from-zone>Guests<\/from-zone><to-zone>vpn<\/to-zone><match><application>any<\/application><\/match><then><deny\/><log\/><\/then><\/policy><policy><name>guests-out<\/name>/);
    assert.match(policies, /<application>dns<\/application><application>https<\/application>/);
    assert.match(policies, /<application-steering nc:operation="replace"><rule><name>voice<\/name><application>sip<\/application><preferred-link>mpls<\/preferred-link><sla><max-latency-ms>150<\/max-latency-ms>/);
  });
});
