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

const address = (prefix: string) => `<family><inet><address><name>${prefix.replace(/[./]/g, (c) => `\\${c}`)}<\/name><\/address><\/inet><\/family>`;

describe('junos configuration', () => {
  it('is the same whatever order the inventory lists things in', () => {
    const shuffled = { ...lyonConfig, wanLinks: [...lyonConfig.wanLinks].reverse(), lanSegments: [...lyonConfig.lanSegments].reverse(), tunnels: [...lyonConfig.tunnels].reverse() };
    assert.equal(junosRenderer.stage2(shuffled), junosRenderer.stage2(lyonConfig));
    assert.equal(junosRenderer.stage1(shuffled), junosRenderer.stage1(lyonConfig));
  });

  it('is Junos configuration as get-config returns it: <configuration> with no namespace', () => {
    for (const config of [junosRenderer.stage1(lyonConfig), junosRenderer.stage2(lyonConfig), junosRenderer.factoryDefault()]) {
      assert.match(config, /^<configuration(>|\/>)/);
    }
    assert.match(junosRenderer.tunnel(lyonConfig.tunnels[0]!, lyonConfig.wanLinks).remove, /^<configuration xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1\.0">/);
  });

  it('stage 1 manages the box: host name, SSH and NETCONF, WAN interfaces in the untrust zone answering management, loopback; nothing of the LAN or the overlay', () => {
    const stage1 = junosRenderer.stage1(lyonConfig);
    assert.match(stage1, /<system><host-name>lyon-store-01<\/host-name><services><ssh\/><netconf><ssh\/><\/netconf><\/services><\/system>/);
    assert.match(stage1, new RegExp(`<name>ge-0/0/0</name><description>WAN mpls</description><unit><name>0</name>${address('192.0.2.10/30')}</unit>`));
    assert.match(stage1, /<name>ge-0\/0\/1<\/name><description>WAN internet<\/description><unit><name>0<\/name><family><inet><dhcp\/><\/inet><\/family><\/unit>/);
    assert.match(stage1, new RegExp(`<name>lo0</name><unit><name>0</name>${address('10.255.0.7/32')}</unit>`));
    assert.match(stage1, /<security-zone><name>untrust<\/name><interfaces><name>ge-0\/0\/0\.0<\/name><host-inbound-traffic><system-services><name>netconf<\/name><\/system-services><system-services><name>ping<\/name><\/system-services><system-services><name>ssh<\/name><\/system-services><\/host-inbound-traffic><\/interfaces>/);
    assert.match(stage1, /<interfaces><name>ge-0\/0\/1\.0<\/name><host-inbound-traffic><system-services><name>dhcp<\/name><\/system-services>/, 'a DHCP link answers its provider');
    assert.doesNotMatch(stage1, /irb|st0|<ike>|<ipsec>|<vlans>|<rpm>/);
  });

  it('stage 2 adds LAN segments on irb units with their VLANs, and zones per department applying the steering profile', () => {
    const stage2 = junosRenderer.stage2(lyonConfig);
    assert.match(stage2, new RegExp(`<name>irb</name><unit><name>10</name><description>LAN staff</description>${address('10.7.10.1/24')}</unit><unit><name>20</name>`));
    assert.match(stage2, /<vlans><vlan><name>guests<\/name><vlan-id>20<\/vlan-id><l3-interface>irb\.20<\/l3-interface><\/vlan><vlan><name>staff<\/name><vlan-id>10<\/vlan-id><l3-interface>irb\.10<\/l3-interface><\/vlan><\/vlans>/);
    assert.match(stage2, /<security-zone><name>Guests<\/name><host-inbound-traffic><system-services><name>dhcp<\/name><\/system-services><system-services><name>ping<\/name><\/system-services><\/host-inbound-traffic><interfaces><name>irb\.20<\/name><\/interfaces><advance-policy-based-routing-profile><profile>branchline-steering<\/profile><\/advance-policy-based-routing-profile><\/security-zone><security-zone><name>Staff<\/name>/);
    assert.match(stage2, /<security-zone><name>vpn<\/name><host-inbound-traffic><system-services><name>ping<\/name><\/system-services><\/host-inbound-traffic><interfaces><name>st0\.1<\/name><\/interfaces><interfaces><name>st0\.2<\/name><\/interfaces><\/security-zone>/);
    assert.match(stage2, /<advance-policy-based-routing><profile><name>branchline-steering<\/name><\/profile><\/advance-policy-based-routing>/);
  });

  it('stage 2 has a route-based IPsec VPN per tunnel: IKE proposal, policy (a shared key named by the tunnel network) and gateway to the peer, IPsec proposal, policy and VPN bound to its st0 unit', () => {
    const stage2 = junosRenderer.stage2(lyonConfig);
    const key = secretReference('ike-psk/172.16.0.4/30').replace(/[${}/.]/g, (c) => `\\${c}`);
    assert.match(stage2, new RegExp(`<policy><name>amsterdam-hub-2</name><proposals>amsterdam-hub-2</proposals><pre-shared-key><ascii-text>${key}</ascii-text></pre-shared-key></policy>`));
    assert.match(stage2, /<gateway><name>amsterdam-hub-2<\/name><ike-policy>amsterdam-hub-2<\/ike-policy><address>198\.51\.100\.2<\/address><dead-peer-detection><probe-idle-tunnel\/><interval>10<\/interval><threshold>3<\/threshold><\/dead-peer-detection><external-interface>ge-0\/0\/1\.0<\/external-interface><version>v2-only<\/version><\/gateway>/);
    assert.match(stage2, /<vpn><name>amsterdam-hub-2<\/name><bind-interface>st0\.2<\/bind-interface><ike><gateway>amsterdam-hub-2<\/gateway><ipsec-policy>amsterdam-hub-2<\/ipsec-policy><\/ike><establish-tunnels>immediately<\/establish-tunnels><\/vpn><vpn><name>frankfurt-hub-1<\/name>/);
    assert.match(stage2, new RegExp(`<name>st0</name><unit><name>1</name><description>tunnel to frankfurt-hub</description>${address('172.16.0.2/30')}</unit>`));
    assert.ok(stage2.indexOf('<proposal><name>amsterdam-hub-2</name><authentication-method>pre-shared-keys') < stage2.indexOf('<proposal><name>frankfurt-hub-1</name><authentication-method>'));
  });

  it('both ends of a tunnel name the same key: the network of their /30', () => {
    const near = junosRenderer.tunnel({ name: 'hub', unit: 3, peer: '198.51.100.1', localAddress: '172.16.0.6/30', viaLink: 'mpls' }, []).add;
    const far = junosRenderer.tunnel({ name: 'spoke', unit: 9, peer: '192.0.2.10', localAddress: '172.16.0.5/30', viaLink: 'internet' }, []).add;
    const key = (config: string) => /<ascii-text>([^<]+)<\/ascii-text>/.exec(config)![1];
    assert.equal(key(near), secretReference('ike-psk/172.16.0.4/30'));
    assert.equal(key(near), key(far));
  });

  it("stage 2 keeps st0 even without tunnels, so a peer's tunnel added and removed later leaves no trace", () => {
    const stage2 = junosRenderer.stage2({ ...lyonConfig, tunnels: [] });
    assert.match(stage2, /<interface><name>st0<\/name><\/interface>/);
    assert.match(stage2, /<ike><\/ike><ipsec><\/ipsec>/);
  });

  it('a tunnel on a peer: the edit that adds it and the one that removes exactly what it added', () => {
    const { add, remove } = junosRenderer.tunnel(
      { name: 'lyon-store-01', unit: 7, peer: '127.16.0.3', localAddress: '172.16.0.2/30', viaLink: 'internet' },
      [{ name: 'internet', interfaceName: 'ge-0/0/0', address: 'dhcp' }],
    );
    assert.match(add, new RegExp(`<unit><name>7</name><description>tunnel to lyon-store-01</description>${address('172.16.0.2/30')}</unit>`));
    assert.match(add, /<gateway><name>lyon-store-01-7<\/name><ike-policy>lyon-store-01-7<\/ike-policy><address>127\.16\.0\.3<\/address>.*<external-interface>ge-0\/0\/0\.0<\/external-interface>/);
    assert.match(add, /<vpn><name>lyon-store-01-7<\/name><bind-interface>st0\.7<\/bind-interface>/);
    assert.match(add, /<security-zone><name>vpn<\/name><interfaces><name>st0\.7<\/name><\/interfaces><\/security-zone>/);
    assert.doesNotMatch(add, /operation=/);
    assert.equal(remove.match(/nc:operation="remove"/g)?.length, 8, 'the IKE proposal, policy and gateway, the IPsec proposal, policy and VPN, the zone membership and the unit');
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

    it('a static link: its address in family inet, the default route by its gateway, the DNS servers for the box itself, from stage 1 on', () => {
      for (const stage of [junosRenderer.stage1(branch), junosRenderer.stage2(branch)]) {
        assert.match(stage, new RegExp(`<name>ge-0/0/0</name><description>WAN mpls</description><unit><name>0</name>${address('192.0.2.10/30')}</unit>`));
        assert.match(stage, /<routing-options><static><route><name>0\.0\.0\.0\/0<\/name><qualified-next-hop><name>192\.0\.2\.9<\/name><\/qualified-next-hop><\/route><\/static><\/routing-options>/);
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
        + '<family><inet><negotiate-address/></inet></family></unit></interface>'));
      const pap = junosRenderer.stage1({ ...branch, wanLinks: [{ ...branch.wanLinks[1]!, pppoe: { ...branch.wanLinks[1]!.pppoe!, authentication: 'pap' } }] });
      assert.ok(pap.includes(`<ppp-options><pap><local-name>lyon@isp.example</local-name><local-password>${pppoePassword}</local-password><passive/></pap></ppp-options>`));
    });

    it('tunnels over a PPPoE link leave by its pp0 unit, which is in the untrust zone in place of the port', () => {
      const stage2 = junosRenderer.stage2(branch);
      assert.match(stage2, /<gateway><name>amsterdam-hub-2<\/name>.*?<external-interface>pp0\.0<\/external-interface>/);
      assert.match(stage2, /<security-zone><name>untrust<\/name><interfaces><name>ge-0\/0\/0\.0<\/name>.*?<\/interfaces><interfaces><name>pp0\.0<\/name>/);
      const { add } = junosRenderer.tunnel({ name: 'lyon-store-01', unit: 7, peer: '127.16.0.3', localAddress: '172.16.0.2/30', viaLink: 'internet' }, branch.wanLinks);
      assert.match(add, /<external-interface>pp0\.0<\/external-interface>/);
    });

    it('each link gets an RPM probe and a forwarding instance that sends traffic out by it', () => {
      const stage2 = junosRenderer.stage2(branch);
      assert.match(stage2, /<services><rpm><probe><name>internet<\/name><test><name>sla<\/name><probe-type>icmp-ping<\/probe-type><target><address>198\.51\.100\.2<\/address><\/target>.*?<destination-interface>pp0\.0<\/destination-interface><\/test><\/probe><probe><name>mpls<\/name>/);
      assert.match(stage2, /<instance><name>wan-mpls<\/name><instance-type>forwarding<\/instance-type><routing-options><static><route><name>0\.0\.0\.0\/0<\/name><next-hop>192\.0\.2\.9<\/next-hop><\/route>/);
      assert.match(stage2, /<instance><name>wan-internet<\/name><instance-type>forwarding<\/instance-type><routing-options><static><route><name>0\.0\.0\.0\/0<\/name><qualified-next-hop><name>pp0\.0<\/name><\/qualified-next-hop>/);
      assert.doesNotMatch(junosRenderer.stage1(branch), /<rpm>|<routing-instances>/);
    });
  });

  it('a LAN segment serving DHCP: a server group on its irb unit, leasing the rest of its prefix with the gateway as router and the DNS servers', () => {
    const input: DeviceConfigInput = { ...lyonConfig, lanSegments: [lyonConfig.lanSegments[1]!, { ...lyonConfig.lanSegments[0]!, dhcp: false }], dnsServers: ['9.9.9.9', '149.112.112.112'] };
    const stage2 = junosRenderer.stage2(input);
    assert.ok(stage2.includes('<services><ssh/><netconf><ssh/></netconf><dhcp-local-server><group><name>staff</name><interface><name>irb.10</name></interface></group></dhcp-local-server></services>'));
    assert.ok(stage2.endsWith('</vlans><access><address-assignment><pool><name>staff</name><family><inet><network>10.7.10.0/24</network>'
      + '<range><name>hosts</name><low>10.7.10.2</low><high>10.7.10.254</high></range>'
      + '<dhcp-attributes><name-server><name>9.9.9.9</name></name-server><name-server><name>149.112.112.112</name></name-server><router><name>10.7.10.1</name></router></dhcp-attributes>'
      + '</inet></family></pool></address-assignment></access></configuration>'), 'the guests segment serves none');
    assert.doesNotMatch(junosRenderer.stage1(input), /dhcp-local-server|<access>/, 'the LAN comes with stage 2');
    const small = junosRenderer.stage2({ ...input, lanSegments: [{ name: 'kiosk', vlanId: 30, gateway: '10.7.30.1/29', dhcp: true }], dnsServers: [] });
    assert.match(small, /<network>10\.7\.30\.0\/29<\/network><range><name>hosts<\/name><low>10\.7\.30\.2<\/low><high>10\.7\.30\.6<\/high><\/range><dhcp-attributes><router><name>10\.7\.30\.1<\/name><\/router><\/dhcp-attributes>/);
  });

  it('renders firewall intent as security policies by zone pair (internet is untrust, corporate the overlay), replacing earlier policies', () => {
    const policies = junosRenderer.policies({
      firewall: [{ name: 'guests-out', from: 'Guests', to: 'internet', applications: ['https', 'dns'], action: 'permit', log: false },
        { name: 'guests-in', from: 'Guests', to: 'corporate', applications: ['any'], action: 'deny', log: true }],
      steering: [],
    });
    assert.match(policies, /<policies nc:operation="replace"><policy><from-zone-name>Guests<\/from-zone-name><to-zone-name>untrust<\/to-zone-name><policy><name>guests-out<\/name><match><source-address>any<\/source-address><destination-address>any<\/destination-address><application>junos-dns-udp<\/application><application>junos-https<\/application><\/match><then><permit\/><\/then><\/policy><\/policy>/);
    assert.match(policies, /<policy><from-zone-name>Guests<\/from-zone-name><to-zone-name>vpn<\/to-zone-name><policy><name>guests-in<\/name><match><source-address>any<\/source-address><destination-address>any<\/destination-address><application>any<\/application><\/match><then><deny\/><log><session-close\/><\/log><\/then><\/policy><\/policy>/);
    assert.match(policies, /<zones><security-zone><name>Guests<\/name><\/security-zone><security-zone><name>untrust<\/name><\/security-zone><security-zone><name>vpn<\/name><\/security-zone><\/zones>/, 'the zones the rules name exist wherever they go');
  });

  it('renders steering as APBR: a rule leading the applications to their first preferred link when they break out locally, and the SLA as a metrics profile', () => {
    const policies = junosRenderer.policies({
      firewall: [],
      steering: [{ name: 'voice', applications: ['sip', 'rtp'], preferredLinks: ['mpls', 'internet'], maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'local' },
        { name: 'erp', applications: ['sap'], preferredLinks: ['mpls'], maxLatencyMs: 100, maxJitterMs: 20, maxLossPermille: 5, breakout: 'central' }],
    });
    assert.match(policies, /<advance-policy-based-routing nc:operation="replace"><profile><name>branchline-steering<\/name><rule><name>voice-mpls<\/name><match><dynamic-application>junos:RTP<\/dynamic-application><dynamic-application>junos:SIP<\/dynamic-application><\/match><then><routing-instance><routing-instance-name>wan-mpls<\/routing-instance-name><\/routing-instance><\/then><\/rule><\/profile>/);
    assert.doesNotMatch(policies, /<rule><name>erp<\/name>/, 'central breakout stays in the default table, towards the hub');
    assert.match(policies, /<metrics-profile><name>voice<\/name><sla-threshold><delay-round-trip><delay-val>150000<\/delay-val><\/delay-round-trip><jitter><jitter-val>30000<\/jitter-val><\/jitter><packet-loss><loss>1<\/loss><\/packet-loss><match><sla_match>any-one<\/sla_match><\/match><\/sla-threshold><\/metrics-profile>/);
  });

  describe('SLA steering', () => {
    const voice = {
      name: 'voice', applications: ['junos:SIP', 'junos:RTP', 'junos:MS-TEAMS'], preferredLinks: ['mpls', 'internet'],
      maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'local' as const, priority: 10,
    };

    it('leads each application to the link steering chose for it, one rule per link, the preferred link first', () => {
      const policies = junosRenderer.policies({ firewall: [], steering: [{ ...voice, activeLinks: { 'junos:MS-TEAMS': 'internet' } }] });
      assert.match(policies, /<profile><name>branchline-steering<\/name><rule><name>voice-mpls<\/name><match><dynamic-application>junos:RTP<\/dynamic-application><dynamic-application>junos:SIP<\/dynamic-application><\/match><then><routing-instance><routing-instance-name>wan-mpls<\/routing-instance-name><\/routing-instance><\/then><\/rule><rule><name>voice-internet<\/name><match><dynamic-application>junos:MS-TEAMS<\/dynamic-application><\/match><then><routing-instance><routing-instance-name>wan-internet<\/routing-instance-name>/);
    });

    it('steers an application two policies name by the one of lower priority only', () => {
      const policies = junosRenderer.policies({ firewall: [], steering: [{ ...voice, name: 'all-voice', priority: 50, preferredLinks: ['internet'] }, voice] });
      assert.match(policies, /<rule><name>voice-mpls<\/name>.*<\/rule><\/profile>/);
      assert.doesNotMatch(policies, /all-voice-internet/, 'every application of the later policy is steered already');
    });

    it('says match all in the metrics profile when the SLA breaks only on every threshold', () => {
      assert.match(junosRenderer.policies({ firewall: [], steering: [{ ...voice, match: 'all' }] }), /<match><sla_match>all<\/sla_match><\/match>/);
    });

    it('puts the strictest thresholds of the policies steering onto a probed link on its RPM test, and takes them off a link none steers onto', () => {
      const policies = junosRenderer.policies({
        firewall: [], probedLinks: ['mpls', 'lte', 'internet'],
        steering: [voice, { ...voice, name: 'video', applications: ['junos:ZOOM'], maxLatencyMs: 120, maxJitterMs: 40, maxLossPermille: 250, preferredLinks: ['internet'] }],
      });
      assert.match(policies, /<services><rpm><probe><name>internet<\/name><test><name>sla<\/name><thresholds nc:operation="replace"><total-loss>1<\/total-loss><rtt>120000<\/rtt><jitter-rtt>30000<\/jitter-rtt><\/thresholds><traps>jitter-exceeded<\/traps><traps>rtt-exceeded<\/traps><traps>test-failure<\/traps><\/test><\/probe>/);
      assert.match(policies, /<probe><name>lte<\/name><test><name>sla<\/name><thresholds nc:operation="remove"\/><\/test><\/probe>/);
      assert.match(policies, /<probe><name>mpls<\/name><test><name>sla<\/name><thresholds nc:operation="replace"><total-loss>1<\/total-loss><rtt>150000<\/rtt>/);
    });

    it('leaves the probes alone when it is not told which links have them', () => {
      assert.doesNotMatch(junosRenderer.policies({ firewall: [], steering: [voice] }), /<services>/);
    });
  });

  describe('login users', () => {
    const hash = secretReference('credential-rotation/0193a7c2-0000-7000-8000-000000000001');

    it('adds a super-user whose authentication is replaced whole, the password named as a secret', () => {
      const add = junosRenderer.loginUsers.add({ name: 'branchline-rot-k3x9q2', authentication: { kind: 'encrypted-password', secret: hash } });
      assert.equal(add, '<configuration xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><system><login><user><name>branchline-rot-k3x9q2</name>'
        + `<class>super-user</class><authentication nc:operation="replace"><encrypted-password>${hash}</encrypted-password></authentication>`
        + '</user></login></system></configuration>');
    });

    it('adds a key as an ssh-ed25519 entry named by the key', () => {
      const add = junosRenderer.loginUsers.add({ name: 'ops', authentication: { kind: 'ssh-ed25519', secret: hash } });
      assert.match(add, new RegExp(`<authentication nc:operation="replace"><ssh-ed25519><name>\\$secret\\{[^}]+\\}</name></ssh-ed25519></authentication>`));
      assert.doesNotMatch(add, /encrypted-password/);
    });

    it('removes the users named, in order, without failing for one already gone', () => {
      assert.equal(junosRenderer.loginUsers.remove(['old-b', 'old-a']), '<configuration xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><system><login>'
        + '<user nc:operation="remove"><name>old-a</name></user><user nc:operation="remove"><name>old-b</name></user></login></system></configuration>');
    });
  });
});

