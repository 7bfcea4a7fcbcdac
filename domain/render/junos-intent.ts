// A tenant's compiled intent in Junos's schema (junos-es 22.4R1): the global address book,
// security policies by zone pair in intent order, UTM policies over the devices' feature
// profiles, and NAT (source for local breakout, static, destination for port forwarding). Each
// part replaces the device's own whole, or is removed when the intent has none of it, so a
// device ends exactly where the intent says whatever it held before: what makes deploying an
// earlier version a byte-for-byte rollback.
import type { IntentPolicyConfig, IntentSecurityPolicy } from './device-config.ts';
import { element, leaf, named } from './xml-elements.ts';

const replaced = (name: string, content: string, key = '') => (content === ''
  ? `<${name} nc:operation="remove">${key}</${name}>`
  : `<${name} nc:operation="replace">${key}${content}</${name}>`);

/** The global address book: addresses then sets, each by name as Junos shows them. */
function addressBook(intent: IntentPolicyConfig): string {
  const addresses = [...intent.addresses].sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => `<address>${named(a.name, leaf('ip-prefix', a.prefix))}</address>`);
  const sets = [...intent.addressSets].sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => `<address-set>${named(s.name, [...s.members].sort().map((m) => `<address>${named(m)}</address>`).join(''))}</address-set>`);
  return replaced('address-book', addresses.join('') + sets.join(''), named('global'));
}

function policy(rule: IntentSecurityPolicy): string {
  const any = (names: string[]) => (names.length === 0 ? ['any'] : names);
  const match = any(rule.sourceAddresses).map((a) => leaf('source-address', a)).join('')
    + any(rule.destinationAddresses).map((a) => leaf('destination-address', a)).join('')
    + any(rule.applications).map((a) => leaf('application', a)).join('')
    + rule.dynamicApplications.map((a) => leaf('dynamic-application', a)).join('');
  const services = element('application-services', leaf('idp-policy', rule.idpPolicy) + leaf('utm-policy', rule.utmPolicy));
  const action = rule.action === 'permit' ? `<permit>${services}</permit>` : `<${rule.action}/>`;
  return `<policy>${named(rule.name)}<match>${match}</match><then>${action}${rule.log ? '<log><session-close/></log>' : ''}</then></policy>`;
}

/** Security policies by zone pair (pairs sorted, rules in intent order within each). */
function securityPolicies(rules: IntentSecurityPolicy[]): string {
  const pairs = new Map<string, IntentSecurityPolicy[]>();
  for (const rule of rules) {
    const key = `${rule.fromZone}\u0000${rule.toZone}`;
    pairs.set(key, [...(pairs.get(key) ?? []), rule]);
  }
  const content = [...pairs].sort(([a], [b]) => a.localeCompare(b)).map(([, pair]) =>
    `<policy>${leaf('from-zone-name', pair[0]!.fromZone)}${leaf('to-zone-name', pair[0]!.toZone)}${pair.map(policy).join('')}</policy>`).join('');
  return `<policies nc:operation="replace">${content}</policies>`;
}

function utm(intent: IntentPolicyConfig): string {
  const policies = [...intent.utmPolicies].sort((a, b) => a.name.localeCompare(b.name)).map((p) => `<utm-policy>${named(p.name,
    element('anti-virus', leaf('http-profile', p.antivirus)) + element('content-filtering', leaf('http-profile', p.contentFiltering))
    + element('web-filtering', leaf('http-profile', p.webFiltering)))}</utm-policy>`);
  return replaced('utm', policies.join(''));
}

/** Source NAT for local breakout, static NAT and port forwarding, each as one rule set per context. */
function nat(intent: IntentPolicyConfig): string {
  const source = [...intent.sourceNat].sort((a, b) => a.zone.localeCompare(b.zone)).map(({ zone, rules }) =>
    `<rule-set>${named(`breakout-${zone}`)}<from>${leaf('zone', zone)}</from><to>${leaf('zone', 'untrust')}</to>`
    + rules.map((rule) => `<rule>${named(rule)}<src-nat-rule-match>${leaf('source-address', '0.0.0.0/0')}</src-nat-rule-match>`
      + '<then><source-nat><interface/></source-nat></then></rule>').join('') + '</rule-set>').join('');
  const statics = intent.staticNat.map((rule) => `<rule>${named(rule.name)}<static-nat-rule-match><destination-address>${leaf('dst-addr', rule.external)}</destination-address></static-nat-rule-match>`
    + `<then><static-nat><prefix>${leaf('addr-prefix', rule.internal)}</prefix></static-nat></then></rule>`).join('');
  const pools = intent.portForwards.map((rule) => `<pool>${named(rule.name)}<address>${leaf('ipaddr', rule.internal)}${leaf('port', rule.internalPort)}</address></pool>`).join('');
  const forwards = intent.portForwards.map((rule) => `<rule>${named(rule.name)}<dest-nat-rule-match><destination-address>${leaf('dst-addr', rule.external)}</destination-address>`
    + `<destination-port>${named(rule.externalPort)}</destination-port>${leaf('protocol', rule.protocol)}</dest-nat-rule-match>`
    + `<then><destination-nat><pool>${leaf('pool-name', rule.name)}</pool></destination-nat></then></rule>`).join('');
  const fromInternet = (name: string, rules: string) => element('rule-set', rules === '' ? '' : `${named(name)}<from>${leaf('zone', 'untrust')}</from>${rules}`);
  const content = element('source', source) + element('destination', pools + fromInternet('port-forwarding', forwards)) + element('static', fromInternet('static-inbound', statics));
  return replaced('nat', content);
}

/** The intent's part of `<security>` (the caller adds the zones its rules name and the APBR). */
export function intentSecurity(intent: IntentPolicyConfig): string {
  return addressBook(intent) + securityPolicies(intent.policies) + nat(intent) + utm(intent);
}
