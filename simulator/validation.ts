// What the simulated device refuses to commit, as a real router's commit check would.
import { elementChildren, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import { ipv4Network, parseIpv4, parseIpv4Prefix } from '../domain/ipv4.ts';

export interface ConfigProblem {
  path: string;
  message: string;
}

const interfaceName = /^((ge|xe)-\d+\/\d+\/\d+|lo0|st0|dl0|irb|fxp0|pp0)$/;
const hostName = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function text(element: Element | undefined): string | undefined {
  return element?.textContent?.trim();
}

function childrenNamed(element: Element | undefined, name: string): Element[] {
  return element ? elementChildren(element).filter((c) => c.localName === name) : [];
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
      else if (childrenNamed(unit, 'address').length > 0 || childrenNamed(unit, 'dhcp').length > 0) {
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
    if (childrenNamed(unit, 'negotiate-address').length === 0 && childrenNamed(unit, 'address').length === 0) {
      problems.push({ path, message: `pp0.${unitName} needs negotiate-address or an address` });
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

/** Static routes: a prefix each, next hops that are addresses. */
function routeProblems(root: Element, problems: ConfigProblem[]) {
  const statics = childrenNamed(childrenNamed(root, 'routing-options')[0], 'static')[0];
  for (const route of childrenNamed(statics, 'route')) {
    const destination = text(childrenNamed(route, 'name')[0]) ?? '';
    const path = `/configuration/routing-options/static/route[name='${destination}']`;
    if (!parseIpv4Prefix(destination)) problems.push({ path, message: `route ${destination} is not an IPv4 prefix` });
    const hops = [...childrenNamed(route, 'next-hop').map((h) => text(h) ?? ''), ...childrenNamed(route, 'qualified-next-hop').map((h) => text(childrenNamed(h, 'name')[0]) ?? '')];
    if (hops.length === 0) problems.push({ path, message: `route ${destination} has no next hop` });
    for (const hop of hops) if (parseIpv4(hop) === undefined) problems.push({ path, message: `next hop "${hop}" of route ${destination} is not an IPv4 address` });
  }
}

/** The DHCP server (Junos: system services dhcp-local-server) and the address pools it leases from (access address-assignment). */
function dhcpServerProblems(root: Element, addresses: Map<string, string>, problems: ConfigProblem[]) {
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
      if (![...addresses.values()].includes(member)) problems.push({ path: `${path}/interface[name='${member}']`, message: `DHCP server group ${name}: ${member} is not an interface with an address` });
    }
  }
}

export function validateConfiguration(document: Document): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const root = document.documentElement!;
  const system = childrenNamed(root, 'system')[0];
  const host = text(childrenNamed(system, 'host-name')[0]);
  if (host !== undefined && !hostName.test(host)) {
    problems.push({ path: '/configuration/system/host-name', message: `"${host}" is not a valid host name (letters, digits and hyphens, at most 63)` });
  }

  const units = new Set<string>();
  const addresses = new Map<string, string>();
  for (const iface of childrenNamed(childrenNamed(root, 'interfaces')[0], 'interface')) {
    const name = text(childrenNamed(iface, 'name')[0]) ?? '';
    const path = `/configuration/interfaces/interface[name='${name}']`;
    if (!interfaceName.test(name)) problems.push({ path, message: `no interface ${name} on this device` });
    for (const unit of childrenNamed(iface, 'unit')) {
      const unitName = text(childrenNamed(unit, 'name')[0]) ?? '';
      const unitPath = `${path}/unit[name='${unitName}']`;
      if (!/^\d+$/.test(unitName) || Number(unitName) > 16385) problems.push({ path: unitPath, message: `unit ${unitName} is not a number from 0 to 16385` });
      units.add(`${name}.${unitName}`);
      const vlan = text(childrenNamed(unit, 'vlan-id')[0]);
      if (vlan !== undefined && (!/^\d+$/.test(vlan) || Number(vlan) < 1 || Number(vlan) > 4094)) {
        problems.push({ path: `${unitPath}/vlan-id`, message: `VLAN ${vlan} is outside 1-4094` });
      }
      for (const address of childrenNamed(unit, 'address').map((a) => text(a) ?? '')) {
        if (!parseIpv4Prefix(address)) {
          problems.push({ path: `${unitPath}/address`, message: `"${address}" is not an IPv4 prefix` });
        } else if (addresses.has(address.split('/')[0]!)) {
          problems.push({ path: `${unitPath}/address`, message: `address ${address} is already on ${addresses.get(address.split('/')[0]!)}` });
        } else {
          addresses.set(address.split('/')[0]!, `${name}.${unitName}`);
        }
      }
    }
  }

  const interfaces = childrenNamed(childrenNamed(root, 'interfaces')[0], 'interface');
  pppoeProblems(interfaces, problems);
  routeProblems(root, problems);
  dhcpServerProblems(root, addresses, problems);

  const ipsec = childrenNamed(childrenNamed(root, 'security')[0], 'ipsec')[0];
  for (const vpn of childrenNamed(ipsec, 'vpn')) {
    const name = text(childrenNamed(vpn, 'name')[0]) ?? '';
    const path = `/configuration/security/ipsec/vpn[name='${name}']`;
    const peer = text(childrenNamed(vpn, 'peer')[0]);
    if (!peer || parseIpv4(peer) === undefined) problems.push({ path: `${path}/peer`, message: `VPN ${name} needs a peer IPv4 address` });
    const bind = text(childrenNamed(vpn, 'bind-interface')[0]);
    if (!bind || !units.has(bind)) problems.push({ path: `${path}/bind-interface`, message: `VPN ${name} binds to ${bind ?? 'nothing'}, which is not configured` });
  }
  return problems;
}
