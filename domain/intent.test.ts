import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intentFromLegacyPolicies, intentSchema, shadowedRules, validateIntent, type Intent, type LegacyFirewallPolicy } from './intent.ts';
import { compileSiteIntent, type IntentSite } from './intent-compile.ts';
import { junosRenderer } from './render/junos.ts';
import { slaPresets } from './sla.ts';

/** A retailer's intent: two departments, a server, a camera group, a UTM profile, NAT and one SD-WAN rule. */
export const sampleIntent: Intent = intentSchema.parse({
  addresses: [{ name: 'erp', prefix: '10.200.0.10/32' }, { name: 'cam1', prefix: '10.1.9.10/32' }, { name: 'cam2', prefix: '10.1.9.11/32' }],
  addressGroups: [{ name: 'cameras', members: ['cam1', 'cam2'] }],
  applicationGroups: [{ name: 'office', applications: ['saas-office', 'https'] }],
  departments: [{ name: 'sales' }, { name: 'guests' }],
  utmProfiles: [{ name: 'standard', antivirus: 'junos-av-defaults', webFiltering: 'junos-wf-local-default', ips: 'recommended' }],
  firewallRules: [
    { name: 'sales-web', from: { kind: 'department', name: 'sales' }, to: { kind: 'internet' }, applications: ['office', 'dns'], action: 'allow', utmProfile: 'standard', log: true },
    { name: 'sales-erp', from: { kind: 'department', name: 'sales' }, to: { kind: 'address', name: 'erp' }, applications: ['https'], action: 'allow' },
    { name: 'guests-out', from: { kind: 'department', name: 'guests' }, to: { kind: 'internet' }, applications: ['http', 'https', 'dns'], action: 'allow', siteGroup: 'stores' },
    { name: 'guests-sales', from: { kind: 'department', name: 'guests' }, to: { kind: 'department', name: 'sales' }, action: 'reject', log: true },
    { name: 'cameras-out', from: { kind: 'address', name: 'cameras' }, to: { kind: 'internet' }, action: 'deny' },
  ],
  nat: [
    { kind: 'source', name: 'breakout', department: 'guests' },
    { kind: 'static', name: 'erp-public', internal: 'erp', external: '198.51.100.10/32', siteGroup: 'dc' },
    { kind: 'port-forward', name: 'cam-web', external: '198.51.100.20/32', protocol: 'tcp', externalPort: 8443, internal: 'cam1', internalPort: 443, siteGroup: 'stores' },
  ],
  sdwanRules: [{ name: 'Voice', applications: ['voice'], slaProfile: 'voice', pathPreference: ['mpls', 'broadband'], breakout: 'local' }],
});

const store: IntentSite = { tags: ['stores'], zones: ['guests', 'sales'], links: [{ name: 'internet', type: 'broadband' }, { name: 'mpls', type: 'mpls' }] };
const office: IntentSite = { tags: [], zones: ['sales'], links: [{ name: 'internet', type: 'broadband' }] };
const profiles = { voice: slaPresets.conservative };

describe('validateIntent', () => {
  it('accepts a consistent intent with no warning', () => {
    assert.deepEqual(validateIntent(sampleIntent, { slaProfiles: ['voice'] }), { errors: [], warnings: [] });
  });

  it('names each field whose reference does not resolve', () => {
    const broken = intentSchema.parse({
      ...sampleIntent,
      addressGroups: [{ name: 'cameras', members: ['cam1', 'cam9'] }],
      firewallRules: [{ name: 'x', from: { kind: 'department', name: 'finance' }, to: { kind: 'address', name: 'nas' }, applications: ['gopher'], action: 'deny', utmProfile: 'standard' }],
      nat: [{ kind: 'static', name: 'erp-public', internal: 'erp', external: '198.51.100.0/30' }],
      sdwanRules: [{ name: 'v', applications: ['http'], slaProfile: 'gold', breakout: 'local' }],
    });
    const { errors } = validateIntent(broken, { slaProfiles: ['voice'] });
    assert.deepEqual(errors.map((e) => e.path), [
      'addressGroups.0.members.1', 'firewallRules.0.from.name', 'firewallRules.0.to.name', 'firewallRules.0.applications.0', 'firewallRules.0.utmProfile',
      'nat.0.external', 'sdwanRules.0.applications.0', 'sdwanRules.0.slaProfile',
    ]);
  });

  it('refuses a department named as a zone every site has, and a name given twice', () => {
    const { errors } = validateIntent(intentSchema.parse({ departments: [{ name: 'vpn' }, { name: 'sales' }, { name: 'sales' }] }), { slaProfiles: [] });
    assert.deepEqual(errors.map((e) => e.path), ['departments.2.name', 'departments.0.name']);
  });

  it('refuses two NAT rules taking the same public address', () => {
    const intent = intentSchema.parse({ ...sampleIntent, nat: [...sampleIntent.nat, { kind: 'static', name: 'again', internal: 'cam2', external: '198.51.100.10/32', siteGroup: 'dc' }] });
    assert.deepEqual(validateIntent(intent, { slaProfiles: ['voice'] }).errors, [{ path: 'nat.3.external', message: 'is taken by NAT rule "erp-public" already' }]);
  });
});

describe('validateIntent › NAT on a box\'s own address', () => {
  const managed = { slaProfiles: ['voice'], managementAddresses: [{ address: '198.51.100.20/30', where: "the address of Ghent store's WAN link internet" }] };
  const withNat = (nat: unknown[]) => intentSchema.parse({ ...sampleIntent, nat });

  it('refuses forwarding the NETCONF or SSH port of a static WAN address, naming the site and link', () => {
    const netconf = validateIntent(withNat([{ kind: 'port-forward', name: 'nas', external: '198.51.100.20/32', protocol: 'tcp', externalPort: 830, internal: 'cam1', internalPort: 830 }]), managed);
    assert.deepEqual(netconf.errors.map((e) => e.path), ['nat.0.externalPort']);
    assert.match(netconf.errors[0]!.message, /NETCONF \(830\) of 198\.51\.100\.20, the address of Ghent store's WAN link internet.*cut off/);
    const ssh = validateIntent(withNat([{ kind: 'port-forward', name: 'nas', external: '198.51.100.20/32', protocol: 'tcp', externalPort: 22, internal: 'cam1', internalPort: 22 }]), managed);
    assert.match(ssh.errors[0]!.message, /SSH \(22\)/);
  });

  it('refuses static NAT of a network holding a static WAN address (every port goes inside)', () => {
    const { errors } = validateIntent(withNat([{ kind: 'static', name: 'erp-public', internal: 'erp', external: '198.51.100.20/32' }]), managed);
    assert.deepEqual(errors.map((e) => e.path), ['nat.0.external']);
  });

  it('accepts another port of that address, and any port of an address no box is known to hold', () => {
    assert.deepEqual(validateIntent(sampleIntent, managed).errors, [], 'cam-web forwards 8443');
    const elsewhere = withNat([{ kind: 'port-forward', name: 'nas', external: '203.0.113.7/32', protocol: 'tcp', externalPort: 830, internal: 'cam1', internalPort: 830 }]);
    assert.deepEqual(validateIntent(elsewhere, managed).errors, []);
  });
});

describe('shadowedRules', () => {
  it('reports a rule every packet of which an earlier rule matches first, and the conflict of actions', () => {
    const intent = intentSchema.parse({
      ...sampleIntent,
      firewallRules: [
        ...sampleIntent.firewallRules,
        { name: 'sales-any', from: { kind: 'department', name: 'sales' }, to: { kind: 'internet' }, applications: ['https'], action: 'deny' },
        { name: 'cam1-out', from: { kind: 'address', name: 'cam1' }, to: { kind: 'internet' }, applications: ['https'], action: 'deny' },
      ],
    });
    assert.deepEqual(shadowedRules(intent), [{ index: 5, by: 0 }, { index: 6, by: 4 }], 'office holds https; cameras hold cam1');
    const { warnings } = validateIntent(intent, { slaProfiles: ['voice'] });
    assert.deepEqual(warnings.map((w) => w.path), ['firewallRules.5', 'firewallRules.6']);
    assert.match(warnings[0]!.message, /shadowed by rule "sales-web" \(firewallRules.0\), which matches all its traffic first and allows what it would deny/);
  });

  it('does not report a rule an earlier one covers only in part', () => {
    const intent = intentSchema.parse({
      ...sampleIntent,
      firewallRules: [
        { name: 'a', from: { kind: 'department', name: 'sales' }, to: { kind: 'internet' }, applications: ['https'], action: 'allow', siteGroup: 'stores' },
        { name: 'b', from: { kind: 'department', name: 'sales' }, to: { kind: 'internet' }, applications: ['https', 'dns'], action: 'deny' },
      ],
    });
    assert.deepEqual(shadowedRules(intent), []);
  });
});

describe('compileSiteIntent', () => {
  it('gives a site only the rules whose source it has, in intent order, by zone pair', () => {
    const { intent } = compileSiteIntent(sampleIntent, office, profiles);
    assert.deepEqual(intent.policies.map((p) => `${p.name} ${p.fromZone}>${p.toZone}`), [
      'sales-web sales>untrust', 'sales-erp-sales-untrust sales>untrust', 'sales-erp-sales-vpn sales>vpn', 'cameras-out sales>untrust',
    ]);
    assert.deepEqual(intent.sourceNat, [], 'guests break out at sites that have guests');
  });

  it('reaches a department elsewhere over the overlay, and takes the site group\'s NAT', () => {
    const { intent } = compileSiteIntent(sampleIntent, store, profiles);
    assert.ok(intent.policies.some((p) => p.name === 'guests-sales' && p.fromZone === 'guests' && p.toZone === 'sales'));
    assert.deepEqual(intent.sourceNat, [{ zone: 'guests', rules: ['breakout'] }]);
    assert.deepEqual(intent.portForwards, [{ name: 'cam-web', external: '198.51.100.20/32', protocol: 'tcp', externalPort: 8443, internal: '10.1.9.10/32', internalPort: 443 }]);
    assert.deepEqual(intent.staticNat, []);
    assert.deepEqual(intent.addresses.map((a) => a.name), ['cam1', 'cam2', 'erp'], 'the addresses its rules name (NAT takes their prefixes)');
  });

  it('turns applications into Junos applications and AppID signatures, and the UTM profile into a policy', () => {
    const web = compileSiteIntent(sampleIntent, office, profiles).intent.policies[0]!;
    assert.deepEqual(web.applications, ['junos-dns-udp', 'junos-https']);
    assert.deepEqual(web.dynamicApplications, ['junos:GOOGLE-DOCS', 'junos:OFFICE365', 'junos:SALESFORCE', 'junos:SLACK']);
    assert.equal(web.utmPolicy, 'standard');
    assert.equal(web.idpPolicy, 'recommended');
  });

  it('steers SD-WAN applications over the links of the preferred types first', () => {
    const { steering } = compileSiteIntent(sampleIntent, store, profiles);
    assert.deepEqual(steering.map((s) => [s.name, s.preferredLinks, s.maxLatencyMs]), [['sdwan-voice', ['mpls', 'internet'], 100]]);
  });

  it('renders the whole intent so that each part replaces the device\'s own, or removes it when empty', () => {
    const compiled = compileSiteIntent(sampleIntent, store, profiles);
    const xml = junosRenderer.policies({ firewall: [], steering: compiled.steering, intent: compiled.intent });
    assert.match(xml, /<address-book nc:operation="replace"><name>global<\/name><address><name>cam1<\/name><ip-prefix>10.1.9.10\/32<\/ip-prefix><\/address>/);
    assert.match(xml, /<then><permit><application-services><idp-policy>recommended<\/idp-policy><utm-policy>standard<\/utm-policy><\/application-services><\/permit><log><session-close\/><\/log><\/then>/);
    assert.match(xml, /<nat nc:operation="replace"><source><rule-set><name>breakout-guests<\/name>/);
    const bare = junosRenderer.policies({ firewall: [], steering: [], intent: compileSiteIntent(intentSchema.parse({}), store, profiles).intent });
    assert.match(bare, /<address-book nc:operation="remove"><name>global<\/name><\/address-book><policies nc:operation="replace"><\/policies><nat nc:operation="remove"><\/nat><utm nc:operation="remove"><\/utm>/);
  });

  it('compiles the same site to the same text every time', () => {
    const once = junosRenderer.policies({ firewall: [], steering: [], intent: compileSiteIntent(sampleIntent, store, profiles).intent });
    assert.equal(junosRenderer.policies({ firewall: [], steering: [], intent: compileSiteIntent(structuredClone(sampleIntent), store, profiles).intent }), once);
  });
});

describe('intentFromLegacyPolicies', () => {
  const legacy: LegacyFirewallPolicy[] = [
    { name: 'Guest Wi-Fi to internet only', scope: 'department', scopeRef: 'Guests', rules: [
      { name: 'guests-no-corporate', from: 'Guests', to: 'corporate', applications: ['any'], action: 'deny', log: true },
      { name: 'guests-internet', from: 'Guests', to: 'internet', applications: ['http', 'https', 'dns'], action: 'permit' },
    ] },
    { name: 'Stores', scope: 'site_group', scopeRef: 'stores', rules: [
      { name: 'staff-to-guests', from: 'Staff', to: 'Guests', action: 'reject' },
      { name: 'inbound', from: 'internet', to: 'Staff', action: 'deny' },
    ] },
  ];

  it('keeps each rule, in order, with its departments declared: a valid intent the sites compile to the same zone pairs', () => {
    const { intent, skipped } = intentFromLegacyPolicies(legacy);
    assert.deepEqual(intent.firewallRules.map((r) => [r.name, r.from, r.to, r.applications, r.action, r.siteGroup]), [
      ['guests-no-corporate', { kind: 'department', name: 'Guests' }, { kind: 'corporate' }, [], 'deny', undefined],
      ['guests-internet', { kind: 'department', name: 'Guests' }, { kind: 'internet' }, ['http', 'https', 'dns'], 'allow', undefined],
      ['stores-staff-to-guests', { kind: 'department', name: 'Staff' }, { kind: 'department', name: 'Guests' }, [], 'reject', 'stores'],
    ], 'a name too long for Junos with its policy\'s is the rule\'s own');
    assert.deepEqual(skipped, ['stores-inbound'], 'traffic in from the Internet has no intent form');
    assert.deepEqual(intent.departments, [{ name: 'Guests' }, { name: 'Staff' }]);
    assert.deepEqual(validateIntent(intent, { slaProfiles: [] }).errors, []);
    const zones = compileSiteIntent(intent, { tags: ['stores'], zones: ['Guests', 'Staff'], links: [] }, profiles).intent.policies.map((p) => `${p.fromZone}>${p.toZone} ${p.action}`);
    assert.deepEqual(zones, ['Guests>vpn deny', 'Guests>untrust permit', 'Staff>Guests reject']);
  });
});
