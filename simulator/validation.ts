// What the simulated device refuses to commit, as a real SRX's commit check would: the schema
// (junos-schema.ts) first, then what YANG cannot say: addresses, PPPoE, routes, DHCP pools, and
// the cross-references between statements (a zone naming an interface unit that is not
// configured, a VPN naming a missing IKE gateway or IPsec policy, a policy naming a missing zone).
import type { Document, Element } from '../activities/devices/netconf/xml.ts';
import { ipv4Network, parseIpv4, parseIpv4Prefix } from '../domain/ipv4.ts';
import { schemaProblems } from './datastore.ts';

export interface ConfigProblem {
  path: string;
  message: string;
}

const interfaceName = /^((ge|xe)-\d+\/\d+\/\d+|lo0|st0|dl0|irb|fxp0|pp0)$/;
const hostName = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * An element's text content, trimmed. A leaf's is read off its text nodes: a commit check reads
 * the names of a hub's thousands of entries, and xmldom's textContent walks the subtree each time.
 */
export function text(element: Element | undefined): string | undefined {
  if (!element) return undefined;
  let content = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 3 || node.nodeType === 4) content += node.nodeValue ?? '';
    else return element.textContent?.trim();
  }
  return content.trim();
}

/** The child elements of that name, read straight off the children (no list of all of them first). */
export function childrenNamed(element: Element | undefined, name: string): Element[] {
  const found: Element[] = [];
  for (let node = element?.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === name) found.push(node as Element);
  }
  return found;
}

/** The elements at the end of a path of child names. */
export function at(element: Element | undefined, ...names: string[]): Element[] {
  return names.reduce<Element[]>((found, name) => found.flatMap((e) => childrenNamed(e, name)), element ? [element] : []);
}

/** An entry's name: its first <name>'s text. */
export function nameOf(element: Element): string {
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === 'name') return text(node as Element) ?? '';
  }
  return '';
}

/** A unit's IPv4 addresses: `family inet address` entries, by their names. */
export const inetAddresses = (unit: Element) => at(unit, 'family', 'inet', 'address').map(nameOf);
export const inetStatement = (unit: Element, name: string) => at(unit, 'family', 'inet', name).length > 0;


/** A unit's own statements: its number, IPv4 prefixes no other unit holds (`addresses` claims each), not both an address and DHCP. */
export function unitProblems(iface: string, unit: Element, addresses: Claim, problems: ConfigProblem[]) {
  const unitName = nameOf(unit);
  const unitPath = `/configuration/interfaces/interface[name='${iface}']/unit[name='${unitName}']`;
  if (!/^\d+$/.test(unitName) || Number(unitName) > 16385) problems.push({ path: unitPath, message: `unit ${unitName} is not a number from 0 to 16385` });
  for (const address of inetAddresses(unit)) {
    if (!parseIpv4Prefix(address)) {
      problems.push({ path: `${unitPath}/family/inet/address`, message: `"${address}" is not an IPv4 prefix` });
      continue;
    }
    const holder = addresses(address.split('/')[0]!);
    if (holder !== undefined) problems.push({ path: `${unitPath}/family/inet/address`, message: `address ${address} is already on ${holder}` });
  }
  if (inetStatement(unit, 'dhcp') && inetAddresses(unit).length > 0) {
    problems.push({ path: `${unitPath}/family/inet`, message: `${iface}.${unitName}: an address and dhcp cannot both be configured` });
  }
}

/** PPPoE client sessions (pp0 units): over a port unit encapsulated for it, with credentials, negotiating their address. */
function pppoeProblems(interfaces: Element[], problems: ConfigProblem[]) {
  const encapsulated = new Set<string>();
  for (const iface of interfaces) {
    const name = text(childrenNamed(iface, 'name')[0]) ?? '';
    for (const unit of childrenNamed(iface, 'unit')) {
      const unitName = text(childrenNamed(unit, 'name')[0]) ?? '';
      const encapsulation = text(childrenNamed(unit, 'encapsulation')[0]);
      if (encapsulation === undefined) continue;
      const path = `/configuration/interfaces/interface[name='${name}']/unit[name='${unitName}']`;
      if (encapsulation !== 'ppp-over-ether') problems.push({ path: `${path}/encapsulation`, message: `encapsulation ${encapsulation} is not supported on ${name}` });
      else if (inetAddresses(unit).length > 0 || inetStatement(unit, 'dhcp')) {
        problems.push({ path, message: `${name}.${unitName} carries PPPoE (ppp-over-ether): its address is negotiated on pp0, not configured here` });
      } else encapsulated.add(`${name}.${unitName}`);
    }
  }
  const underlying = new Map<string, string>();
  for (const unit of interfaces.filter((i) => text(childrenNamed(i, 'name')[0]) === 'pp0').flatMap((i) => childrenNamed(i, 'unit'))) {
    const unitName = text(childrenNamed(unit, 'name')[0]) ?? '';
    const path = `/configuration/interfaces/interface[name='pp0']/unit[name='${unitName}']`;
    const over = text(childrenNamed(childrenNamed(unit, 'pppoe-options')[0], 'underlying-interface')[0]);
    if (!over) problems.push({ path: `${path}/pppoe-options/underlying-interface`, message: `pp0.${unitName} needs pppoe-options underlying-interface` });
    else if (!encapsulated.has(over)) problems.push({ path: `${path}/pppoe-options/underlying-interface`, message: `pp0.${unitName} runs over ${over}, which is not a unit with encapsulation ppp-over-ether` });
    else if (underlying.has(over)) problems.push({ path: `${path}/pppoe-options/underlying-interface`, message: `${over} already carries pp0.${underlying.get(over)}` });
    else underlying.set(over, unitName);
    if (!inetStatement(unit, 'negotiate-address') && inetAddresses(unit).length === 0) {
      problems.push({ path, message: `pp0.${unitName} needs family inet negotiate-address or an address` });
    }
    const options = childrenNamed(unit, 'ppp-options')[0];
    const chap = childrenNamed(options, 'chap')[0];
    const pap = childrenNamed(options, 'pap')[0];
    if (chap && (!text(childrenNamed(chap, 'default-chap-secret')[0]) || !text(childrenNamed(chap, 'local-name')[0]))) {
      problems.push({ path: `${path}/ppp-options/chap`, message: `pp0.${unitName}: CHAP needs default-chap-secret and local-name` });
    }
    if (pap && (!text(childrenNamed(pap, 'local-password')[0]) || !text(childrenNamed(pap, 'local-name')[0]))) {
      problems.push({ path: `${path}/ppp-options/pap`, message: `pp0.${unitName}: PAP needs local-name and local-password` });
    }
  }
}

/** The configured interface units, as the statements that name one look them up. */
export interface Units {
  has(unit: string): boolean;
  /** Whether the unit holds an IPv4 address (the first to hold it). */
  addressed(unit: string): boolean;
}

/** Static routes (of the main instance or a routing instance): a prefix each, next hops that are addresses (or, qualified, interface units). */
function routeProblems(routingOptions: Element | undefined, base: string, units: Units, problems: ConfigProblem[]) {
  for (const route of at(routingOptions, 'static', 'route')) {
    const destination = text(childrenNamed(route, 'name')[0]) ?? '';
    const path = `${base}/routing-options/static/route[name='${destination}']`;
    if (!parseIpv4Prefix(destination)) problems.push({ path, message: `route ${destination} is not an IPv4 prefix` });
    const hops = [...childrenNamed(route, 'next-hop').map((h) => text(h) ?? ''), ...childrenNamed(route, 'qualified-next-hop').map((h) => text(childrenNamed(h, 'name')[0]) ?? '')]
      .filter((hop) => !units.has(hop));
    const other = ['discard', 'reject', 'next-table'].some((statement) => childrenNamed(route, statement).length > 0);
    if (hops.length === 0 && !other && childrenNamed(route, 'qualified-next-hop').length === 0) problems.push({ path, message: `route ${destination} has no next hop` });
    for (const hop of hops) if (parseIpv4(hop) === undefined) problems.push({ path, message: `next hop "${hop}" of route ${destination} is not an IPv4 address` });
  }
}

/** The DHCP server (Junos: system services dhcp-local-server) and the address pools it leases from (access address-assignment). */
function dhcpServerProblems(root: Element, units: Units, problems: ConfigProblem[]) {
  for (const pool of childrenNamed(childrenNamed(childrenNamed(root, 'access')[0], 'address-assignment')[0], 'pool')) {
    const name = text(childrenNamed(pool, 'name')[0]) ?? '';
    const path = `/configuration/access/address-assignment/pool[name='${name}']/family/inet`;
    const inet = childrenNamed(childrenNamed(pool, 'family')[0], 'inet')[0];
    const network = text(childrenNamed(inet, 'network')[0]);
    const range = network ? ipv4Network(network) : undefined;
    if (!range) {
      problems.push({ path: `${path}/network`, message: `pool ${name} needs a network prefix` });
      continue;
    }
    const inside = (address: string | undefined) => {
      const n = address === undefined ? undefined : parseIpv4(address);
      return n !== undefined && n >= range.first && n <= range.last;
    };
    for (const leases of childrenNamed(inet, 'range')) {
      const [low, high] = [text(childrenNamed(leases, 'low')[0]), text(childrenNamed(leases, 'high')[0])];
      if (!inside(low) || !inside(high) || parseIpv4(low!)! > parseIpv4(high!)!) {
        problems.push({ path: `${path}/range[name='${text(childrenNamed(leases, 'name')[0]) ?? ''}']`, message: `pool ${name}: range ${low ?? '?'}-${high ?? '?'} is not within ${network}` });
      }
    }
    for (const router of childrenNamed(childrenNamed(inet, 'dhcp-attributes')[0], 'router')) {
      const address = text(childrenNamed(router, 'name')[0]);
      if (!inside(address)) problems.push({ path: `${path}/dhcp-attributes/router`, message: `pool ${name}: router ${address ?? '?'} is not within ${network}` });
    }
  }
  const services = childrenNamed(childrenNamed(root, 'system')[0], 'services')[0];
  for (const group of childrenNamed(childrenNamed(services, 'dhcp-local-server')[0], 'group')) {
    const name = text(childrenNamed(group, 'name')[0]) ?? '';
    const path = `/configuration/system/services/dhcp-local-server/group[name='${name}']`;
    const members = childrenNamed(group, 'interface').map((i) => text(childrenNamed(i, 'name')[0]) ?? '');
    if (members.length === 0) problems.push({ path, message: `DHCP server group ${name} has no interface` });
    for (const member of members) {
      if (!units.addressed(member)) problems.push({ path: `${path}/interface[name='${member}']`, message: `DHCP server group ${name}: ${member} is not an interface with an address` });
    }
  }
}

/** Names a statement may refer to, as the commit check looks them up. */
export interface Names {
  has(name: string): boolean;
}

/** What else claims a value only one statement may hold (an address, a VPN's st0 unit, a zone's member): its holder, if any. */
export type Claim = (value: string) => string | undefined;

/** An IKE policy: proposals that are defined, and a pre-shared key. */
export function ikePolicyProblems(policy: Element, proposals: Names, problems: ConfigProblem[]) {
  const path = `/configuration/security/ike/policy[name='${nameOf(policy)}']`;
  for (const proposal of childrenNamed(policy, 'proposals').map((p) => text(p) ?? '')) {
    if (!proposals.has(proposal)) problems.push({ path: `${path}/proposals`, message: `IKE policy ${nameOf(policy)}: proposal ${proposal} is not defined` });
  }
  if (at(policy, 'pre-shared-key').length === 0) problems.push({ path, message: `IKE policy ${nameOf(policy)} needs a pre-shared-key` });
}

/** An IKE gateway: a defined IKE policy, the peer's IPv4 address, a configured unit to leave by. */
export function gatewayProblems(gateway: Element, policies: Names, units: Names, problems: ConfigProblem[]) {
  const name = nameOf(gateway);
  const path = `/configuration/security/ike/gateway[name='${name}']`;
  const policy = text(childrenNamed(gateway, 'ike-policy')[0]);
  if (!policy || !policies.has(policy)) problems.push({ path: `${path}/ike-policy`, message: `IKE gateway ${name}: ike-policy ${policy ?? '(none)'} is not defined` });
  const addresses = childrenNamed(gateway, 'address').map((a) => text(a) ?? '');
  if (addresses.length === 0) problems.push({ path: `${path}/address`, message: `IKE gateway ${name} needs the peer's address` });
  for (const address of addresses) if (parseIpv4(address) === undefined) problems.push({ path: `${path}/address`, message: `IKE gateway ${name}: "${address}" is not an IPv4 address` });
  const external = text(childrenNamed(gateway, 'external-interface')[0]);
  if (!external || !units.has(external)) problems.push({ path: `${path}/external-interface`, message: `IKE gateway ${name}: external-interface ${external ?? '(none)'} is not a configured unit` });
}

/** An IPsec policy: proposals that are defined. */
export function ipsecPolicyProblems(policy: Element, proposals: Names, problems: ConfigProblem[]) {
  for (const proposal of childrenNamed(policy, 'proposals').map((p) => text(p) ?? '')) {
    if (!proposals.has(proposal)) problems.push({ path: `/configuration/security/ipsec/policy[name='${nameOf(policy)}']/proposals`, message: `IPsec policy ${nameOf(policy)}: proposal ${proposal} is not defined` });
  }
}

/** A VPN: a defined IKE gateway and IPsec policy, bound to a configured st0 unit no other VPN holds (`bound` claims it). */
export function vpnEntryProblems(vpn: Element, names: { gateways: Names; policies: Names }, units: Names, bound: Claim, problems: ConfigProblem[]) {
  const name = nameOf(vpn);
  const path = `/configuration/security/ipsec/vpn[name='${name}']`;
  const gateway = text(at(vpn, 'ike', 'gateway')[0]);
  if (!gateway || !names.gateways.has(gateway)) problems.push({ path: `${path}/ike/gateway`, message: `VPN ${name}: IKE gateway ${gateway ?? '(none)'} is not defined` });
  const policy = text(at(vpn, 'ike', 'ipsec-policy')[0]);
  if (policy !== undefined && !names.policies.has(policy)) problems.push({ path: `${path}/ike/ipsec-policy`, message: `VPN ${name}: ipsec-policy ${policy} is not defined` });
  const bind = text(childrenNamed(vpn, 'bind-interface')[0]);
  const holder = bind && units.has(bind) ? bound(bind) : undefined;
  if (!bind || !units.has(bind)) problems.push({ path: `${path}/bind-interface`, message: `VPN ${name} binds to ${bind ?? 'nothing'}, which is not configured` });
  else if (holder !== undefined) problems.push({ path: `${path}/bind-interface`, message: `VPN ${name}: ${bind} is bound to VPN ${holder} already` });
}

/** Claims in document order: the first statement to claim a value holds it. */
function firstClaims(holders = new Map<string, string>()): (holder: string) => Claim {
  return (holder) => (value) => {
    const first = holders.get(value);
    if (first === undefined) holders.set(value, holder);
    return first;
  };
}

/** IKE and IPsec: each VPN bound to a configured st0 unit, naming an IKE gateway and an IPsec policy that exist; each gateway an IKE policy, an address and a configured unit to leave by. */
function vpnProblems(security: Element | undefined, units: Units, problems: ConfigProblem[]) {
  const names = (...path: string[]) => new Set(at(security, ...path).map(nameOf));
  const [ikeProposals, ikePolicies, gateways] = [names('ike', 'proposal'), names('ike', 'policy'), names('ike', 'gateway')];
  const [ipsecProposals, ipsecPolicies] = [names('ipsec', 'proposal'), names('ipsec', 'policy')];
  for (const policy of at(security, 'ike', 'policy')) ikePolicyProblems(policy, ikeProposals, problems);
  for (const gateway of at(security, 'ike', 'gateway')) gatewayProblems(gateway, ikePolicies, units, problems);
  for (const policy of at(security, 'ipsec', 'policy')) ipsecPolicyProblems(policy, ipsecProposals, problems);
  const bound = firstClaims();
  for (const vpn of at(security, 'ipsec', 'vpn')) vpnEntryProblems(vpn, { gateways, policies: ipsecPolicies }, units, bound(nameOf(vpn)), problems);
}

/** A zone's member: a configured unit no other zone holds (`zoneOf` claims it). */
export function zoneMemberProblems(zone: string, member: string, units: Names, zoneOf: Claim, problems: ConfigProblem[]) {
  const path = `/configuration/security/zones/security-zone[name='${zone}']/interfaces[name='${member}']`;
  if (!units.has(member)) {
    problems.push({ path, message: `zone ${zone}: interface ${member} is not configured` });
    return;
  }
  const holder = zoneOf(member);
  if (holder !== undefined) problems.push({ path, message: `interface ${member} is in zone ${holder} already` });
}

/** Zones hold configured units, each in one zone; policies name zones that exist; an APBR profile a zone applies exists. */
function zoneProblems(security: Element | undefined, units: Units, problems: ConfigProblem[]) {
  const zones = new Set<string>();
  const zoneOf = firstClaims();
  const profiles = new Set(at(security, 'advance-policy-based-routing', 'profile').map(nameOf));
  for (const zone of at(security, 'zones', 'security-zone')) {
    const name = nameOf(zone);
    zones.add(name);
    const path = `/configuration/security/zones/security-zone[name='${name}']`;
    for (const member of childrenNamed(zone, 'interfaces').map(nameOf)) zoneMemberProblems(name, member, units, zoneOf(name), problems);
    const profile = text(at(zone, 'advance-policy-based-routing-profile', 'profile')[0]);
    if (profile !== undefined && !profiles.has(profile)) problems.push({ path: `${path}/advance-policy-based-routing-profile`, message: `zone ${name}: APBR profile ${profile} is not defined` });
  }
  for (const context of at(security, 'policies', 'policy')) {
    const [from, to] = [text(childrenNamed(context, 'from-zone-name')[0]) ?? '', text(childrenNamed(context, 'to-zone-name')[0]) ?? ''];
    for (const zone of new Set([from, to])) {
      if (!zones.has(zone)) problems.push({ path: `/configuration/security/policies/policy[from-zone-name='${from}'][to-zone-name='${to}']`, message: `security zone ${zone} is not defined` });
    }
    for (const policy of childrenNamed(context, 'policy')) policyReferenceProblems(security, policy, `/configuration/security/policies/policy[from-zone-name='${from}'][to-zone-name='${to}']/policy[name='${nameOf(policy)}']`, problems);
  }
}

/** A policy's addresses are in the global address book, and the UTM policy it applies is defined, as Junos checks at commit. */
function policyReferenceProblems(security: Element | undefined, policy: Element, path: string, problems: ConfigProblem[]) {
  const book = at(security, 'address-book').filter((b) => nameOf(b) === 'global');
  const known = new Set(['any', 'any-ipv4', 'any-ipv6', ...book.flatMap((b) => [...childrenNamed(b, 'address'), ...childrenNamed(b, 'address-set')].map(nameOf))]);
  for (const side of ['source-address', 'destination-address']) {
    for (const address of at(policy, 'match', side).map((e) => text(e) ?? '')) {
      if (!known.has(address)) problems.push({ path: `${path}/match/${side}`, message: `address ${address} is not in the global address book` });
    }
  }
  const utm = text(at(policy, 'then', 'permit', 'application-services', 'utm-policy')[0]);
  if (utm !== undefined && !at(security, 'utm', 'utm-policy').some((p) => nameOf(p) === utm)) {
    problems.push({ path: `${path}/then/permit/application-services/utm-policy`, message: `UTM policy ${utm} is not defined` });
  }
}

/** What commit checks an NFX adds for its VNFs: image, vCPUs and memory given, guest interfaces on VLANs that exist. */
function vnfProblems(root: Element, hostsVnfs: boolean, problems: ConfigProblem[]) {
  const vnfs = at(root, 'virtual-network-functions');
  if (vnfs.length > 0 && !hostsVnfs) {
    problems.push({ path: '/configuration/virtual-network-functions', message: 'virtual-network-functions: this platform hosts no virtual network functions' });
    return;
  }
  const vlans = new Set(at(root, 'vlans', 'vlan').map(nameOf));
  for (const vnf of vnfs) {
    const path = `/configuration/virtual-network-functions[name='${nameOf(vnf)}']`;
    if (!/^[A-Za-z][\w-]{0,31}$/.test(nameOf(vnf))) problems.push({ path, message: `"${nameOf(vnf)}" is not a valid VNF name (a letter, then letters, digits, - and _, at most 32)` });
    const image = text(at(vnf, 'image', 'file')[0]);
    if (image === undefined) problems.push({ path: `${path}/image`, message: `VNF ${nameOf(vnf)}: an image is required` });
    else if (!/^\/var\/public\/[^/]+$/.test(image)) problems.push({ path: `${path}/image/file`, message: `VNF ${nameOf(vnf)}: its image must be a file in /var/public` });
    if (at(vnf, 'virtual-cpu', 'count').length === 0) problems.push({ path: `${path}/virtual-cpu`, message: `VNF ${nameOf(vnf)}: virtual-cpu count is required` });
    if (at(vnf, 'memory', 'size').length === 0) problems.push({ path: `${path}/memory`, message: `VNF ${nameOf(vnf)}: memory size is required` });
    for (const iface of childrenNamed(vnf, 'interfaces')) {
      const ifPath = `${path}/interfaces[name='${nameOf(iface)}']`;
      const number = /^eth(\d+)$/.exec(nameOf(iface));
      if (!number || Number(number[1]) < 2 || Number(number[1]) > 9) problems.push({ path: ifPath, message: `VNF ${nameOf(vnf)}: ${nameOf(iface)} is not a guest data interface (eth2 to eth9)` });
      for (const member of at(iface, 'mapping', 'vlan', 'members')) {
        if (!vlans.has(text(member) ?? '')) problems.push({ path: `${ifPath}/mapping/vlan`, message: `VNF ${nameOf(vnf)}: vlan ${text(member)} is not defined` });
      }
    }
  }
}

/**
 * The sections (few statements each, whatever a hub's size) whose statements name interface units:
 * routes and routing instances, the APBR rules leading into them, the DHCP server, VLANs.
 */
export function unitReferenceProblems(root: Element, units: Units, problems: ConfigProblem[]) {
  routeProblems(at(root, 'routing-options')[0], '/configuration', units, problems);
  const instances = new Set<string>();
  for (const instance of at(root, 'routing-instances', 'instance')) {
    instances.add(nameOf(instance));
    const base = `/configuration/routing-instances/instance[name='${nameOf(instance)}']`;
    routeProblems(at(instance, 'routing-options')[0], base, units, problems);
    if (at(instance, 'instance-type').length === 0) problems.push({ path: base, message: `routing instance ${nameOf(instance)} needs an instance-type` });
  }
  // An APBR rule sends traffic to a routing instance that must exist.
  for (const profile of at(root, 'security', 'advance-policy-based-routing', 'profile')) {
    for (const rule of childrenNamed(profile, 'rule')) {
      const instance = text(at(rule, 'then', 'routing-instance', 'routing-instance-name')[0]);
      if (instance !== undefined && !instances.has(instance)) {
        problems.push({ path: `/configuration/security/advance-policy-based-routing/profile[name='${nameOf(profile)}']/rule[name='${nameOf(rule)}']/then/routing-instance`, message: `APBR rule ${nameOf(rule)}: routing instance ${instance} is not defined` });
      }
    }
  }
  dhcpServerProblems(root, units, problems);
  for (const vlan of at(root, 'vlans', 'vlan')) {
    const l3 = text(childrenNamed(vlan, 'l3-interface')[0]);
    if (l3 !== undefined && !units.has(l3)) problems.push({ path: `/configuration/vlans/vlan[name='${nameOf(vlan)}']/l3-interface`, message: `vlan ${nameOf(vlan)}: l3-interface ${l3} is not configured` });
  }
}

/**
 * `schemaChecked`: every statement is known to stand where the schema allows it (each edit that made
 * the configuration was checked as it came), so only what crosses statements is checked here.
 */
export function validateConfiguration(document: Document, options: { hostsVnfs?: boolean; schemaChecked?: boolean } = {}): ConfigProblem[] {
  const problems: ConfigProblem[] = options.schemaChecked ? [] : schemaProblems(document);
  const root = document.documentElement!;
  const host = text(at(root, 'system', 'host-name')[0]);
  if (host !== undefined && !hostName.test(host)) {
    problems.push({ path: '/configuration/system/host-name', message: `"${host}" is not a valid host name (letters, digits and hyphens, at most 63)` });
  }

  const units = new Set<string>();
  const addresses = new Map<string, string>();
  const claimAddress = firstClaims(addresses);
  const interfaces = at(root, 'interfaces', 'interface');
  for (const iface of interfaces) {
    const name = nameOf(iface);
    const path = `/configuration/interfaces/interface[name='${name}']`;
    if (!interfaceName.test(name)) problems.push({ path, message: `no interface ${name} on this device` });
    for (const unit of childrenNamed(iface, 'unit')) {
      units.add(`${name}.${nameOf(unit)}`);
      unitProblems(name, unit, claimAddress(`${name}.${nameOf(unit)}`), problems);
    }
  }

  pppoeProblems(interfaces, problems);
  const addressed = new Set(addresses.values());
  const configured: Units = { has: (unit) => units.has(unit), addressed: (unit) => addressed.has(unit) };
  unitReferenceProblems(root, configured, problems);
  const security = at(root, 'security')[0];
  vpnProblems(security, configured, problems);
  zoneProblems(security, configured, problems);
  vnfProblems(root, options.hostsVnfs ?? false, problems);
  return problems;
}
