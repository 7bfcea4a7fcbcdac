import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXml } from '../activities/devices/netconf/xml.ts';
import type { DeviceConfigInput } from '../domain/render/device-config.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { dhcpServices } from './dhcp-server.ts';
import { validateConfiguration } from './validation.ts';

const branch: DeviceConfigInput = {
  hostname: 'leuven-depot-01',
  loopback: '10.255.0.9/32',
  wanLinks: [
    { name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'], backupOnly: false },
    { name: 'internet', interfaceName: 'ge-0/0/1', address: 'pppoe', pppoe: { unit: 0, username: 'leuven@isp.example', authentication: 'chap', passwordSecret: 'pa55word' } },
  ],
  dnsServers: ['9.9.9.9'],
  lanSegments: [
    { name: 'staff', vlanId: 10, gateway: '10.77.10.1/24', dhcp: true, department: 'Staff' },
    { name: 'cameras', vlanId: 20, gateway: '10.77.20.1/24', dhcp: false },
  ],
  tunnels: [{ name: 'ghent-depot-01', unit: 1, peer: '198.51.100.1', localAddress: '172.16.0.2/30', viaLink: 'internet' }],
};

const problemsOf = (xml: string) => validateConfiguration(parseXml(xml)).map((p) => p.message);
/** The rendered stage 2 with one piece of it replaced, as a hand edit would. */
const edited = (from: string, to: string) => {
  const stage2 = junosRenderer.stage2(branch);
  assert.ok(stage2.includes(from), `the configuration holds ${from}`);
  return stage2.replace(from, to);
};

describe('simulated commit check', () => {
  it('accepts a branch with a static WAN link, a PPPoE one and a LAN segment serving DHCP, at both stages', () => {
    assert.deepEqual(problemsOf(junosRenderer.stage1(branch)), []);
    assert.deepEqual(problemsOf(junosRenderer.stage2(branch)), []);
  });

  it('refuses a PPPoE session without its encapsulated port, credentials or a way to get an address', () => {
    const dhcp = '<family><inet><dhcp/></inet></family>';
    assert.deepEqual(problemsOf(edited('<encapsulation>ppp-over-ether</encapsulation>', dhcp)),
      ['pp0.0 runs over ge-0/0/1.0, which is not a unit with encapsulation ppp-over-ether']);
    assert.deepEqual(problemsOf(edited('<encapsulation>ppp-over-ether</encapsulation>', `<encapsulation>ppp-over-ether</encapsulation>${dhcp}`)), [
      'ge-0/0/1.0 carries PPPoE (ppp-over-ether): its address is negotiated on pp0, not configured here',
      'pp0.0 runs over ge-0/0/1.0, which is not a unit with encapsulation ppp-over-ether',
    ]);
    assert.deepEqual(problemsOf(edited('<default-chap-secret>pa55word</default-chap-secret>', '')), ['pp0.0: CHAP needs default-chap-secret and local-name']);
    assert.deepEqual(problemsOf(edited('<family><inet><negotiate-address/></inet></family>', '')), ['pp0.0 needs family inet negotiate-address or an address']);
  });

  it('refuses a DHCP server on an interface without an address, and a pool that leases or routes outside its network', () => {
    assert.deepEqual(problemsOf(edited('<interface><name>irb.10</name></interface></group>', '<interface><name>irb.30</name></interface></group>')),
      ['DHCP server group staff: irb.30 is not an interface with an address']);
    assert.deepEqual(problemsOf(edited('<high>10.77.10.254</high>', '<high>10.77.11.254</high>')), ['pool staff: range 10.77.10.2-10.77.11.254 is not within 10.77.10.0/24']);
    assert.deepEqual(problemsOf(edited('<router><name>10.77.10.1</name></router>', '<router><name>10.77.20.1</name></router>')), ['pool staff: router 10.77.20.1 is not within 10.77.10.0/24']);
  });

  it('refuses a static route whose next hop is no address', () => {
    assert.deepEqual(problemsOf(edited('<qualified-next-hop><name>192.0.2.9</name>', '<qualified-next-hop><name>gateway</name>')),
      ['next hop "gateway" of route 0.0.0.0/0 is not an IPv4 address']);
  });

  it('refuses what Junos refuses at commit and YANG cannot say: statements naming units, gateways, policies or zones that are not configured', () => {
    assert.deepEqual(problemsOf(edited('<interfaces><name>irb.20</name></interfaces>', '<interfaces><name>irb.30</name></interfaces>')), ['zone trust: interface irb.30 is not configured']);
    assert.deepEqual(problemsOf(edited('<ike><gateway>ghent-depot-01-1</gateway>', '<ike><gateway>ghent</gateway>')), ['VPN ghent-depot-01-1: IKE gateway ghent is not defined']);
    assert.deepEqual(problemsOf(edited('<ipsec-policy>ghent-depot-01-1</ipsec-policy>', '<ipsec-policy>ghent</ipsec-policy>')), ['VPN ghent-depot-01-1: ipsec-policy ghent is not defined']);
    assert.deepEqual(problemsOf(edited('<ike-policy>ghent-depot-01-1</ike-policy>', '<ike-policy>ghent</ike-policy>')), ['IKE gateway ghent-depot-01-1: ike-policy ghent is not defined']);
    assert.deepEqual(problemsOf(edited('<bind-interface>st0.1</bind-interface>', '<bind-interface>st0.2</bind-interface>')), ['VPN ghent-depot-01-1 binds to st0.2, which is not configured']);
    const policy = '<policies><policy><from-zone-name>Staff</from-zone-name><to-zone-name>dmz</to-zone-name><policy><name>p</name><match><source-address>any</source-address>'
      + '<destination-address>any</destination-address><application>any</application></match><then><permit/></then></policy></policy></policies>';
    assert.deepEqual(problemsOf(edited('<zones>', `${policy}<zones>`)), ['security zone dmz is not defined']);
    const rule = (link: string) => `<rule><name>voice-${link}</name><match><dynamic-application>junos:SIP</dynamic-application></match>`
      + `<then><routing-instance><routing-instance-name>wan-${link}</routing-instance-name></routing-instance></then></rule>`;
    const profile = '<profile><name>branchline-steering</name>';
    assert.deepEqual(problemsOf(edited(profile, `${profile}${rule('internet')}`)), []);
    assert.deepEqual(problemsOf(edited(profile, `${profile}${rule('lte')}`)), ['APBR rule voice-lte: routing instance wan-lte is not defined']);
  });

  it('refuses at commit a statement the schema does not know (a configuration that came from elsewhere than an edit, such as a rollback)', () => {
    assert.deepEqual(problemsOf(edited('<host-name>', '<hostname>leuven</hostname><host-name>')), ['syntax error (hostname)']);
  });

  it('serves DHCP on each interface of a server group from the pool holding its address', () => {
    assert.deepEqual(dhcpServices(parseXml(junosRenderer.stage2(branch))), [{
      group: 'staff', interface: 'irb.10',
      pool: { name: 'staff', network: '10.77.10.0/24', low: '10.77.10.2', high: '10.77.10.254', routers: ['10.77.10.1'], nameServers: ['9.9.9.9'] },
    }]);
    assert.deepEqual(dhcpServices(parseXml(edited('<network>10.77.10.0/24</network>', '<network>10.78.10.0/24</network>')
      .replace('<low>10.77.10.2</low><high>10.77.10.254</high>', '<low>10.78.10.2</low><high>10.78.10.254</high>').replace('<name>10.77.10.1</name></router>', '<name>10.78.10.1</name></router>'))),
    [{ group: 'staff', interface: 'irb.10' }], 'no pool covers its subnet: nothing is served');
    assert.deepEqual(dhcpServices(parseXml(junosRenderer.stage1(branch))), []);
  });
  it('refuses a security policy naming an address outside the global address book, or a UTM policy not defined', () => {
    const policy = (extra: string) => '</zones><policies><policy><from-zone-name>Staff</from-zone-name><to-zone-name>untrust</to-zone-name><policy><name>web</name>'
      + '<match><source-address>cameras</source-address><destination-address>any</destination-address><application>junos-https</application></match>'
      + '<then><permit><application-services><utm-policy>standard</utm-policy></application-services></permit></then></policy></policy></policies>' + extra;
    assert.deepEqual(problemsOf(edited('</zones>', policy(''))), ['address cameras is not in the global address book', 'UTM policy standard is not defined']);
    const defined = '<address-book><name>global</name><address><name>cameras</name><ip-prefix>10.77.20.0/24</ip-prefix></address></address-book>'
      + '<utm><utm-policy><name>standard</name><anti-virus><http-profile>junos-av-defaults</http-profile></anti-virus></utm-policy></utm>';
    assert.deepEqual(problemsOf(edited('</zones>', policy(defined))), []);
  });
});
