// What a simulated box's DHCP server serves, read from its running configuration as Junos does:
// each interface of a dhcp-local-server group leases from the address-assignment pool whose
// network holds the interface's own address.
import { elementChildren, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import { ipv4Network, parseIpv4 } from '../domain/ipv4.ts';

export interface DhcpService {
  group: string;
  interface: string;
  /** The pool it leases from; undefined when no pool covers the interface's subnet (nothing is served). */
  pool?: { name: string; network: string; low: string; high: string; routers: string[]; nameServers: string[] };
}

const named = (element: Element | undefined, name: string) => (element ? elementChildren(element).filter((c) => c.localName === name) : []);
const textOf = (element: Element | undefined) => element?.textContent?.trim();
const nameOf = (element: Element) => textOf(named(element, 'name')[0]) ?? '';

export function dhcpServices(running: Document): DhcpService[] {
  const root = running.documentElement;
  if (!root) return [];
  const unitAddresses = new Map<string, string[]>();
  for (const iface of named(named(root, 'interfaces')[0], 'interface')) {
    for (const unit of named(iface, 'unit')) {
      const inet = named(named(unit, 'family')[0], 'inet')[0];
      unitAddresses.set(`${nameOf(iface)}.${nameOf(unit)}`, named(inet, 'address').map(nameOf));
    }
  }
  const pools = named(named(named(root, 'access')[0], 'address-assignment')[0], 'pool').map((pool) => {
    const inet = named(named(pool, 'family')[0], 'inet')[0];
    const range = named(inet, 'range')[0];
    const attributes = named(inet, 'dhcp-attributes')[0];
    return {
      name: nameOf(pool),
      network: textOf(named(inet, 'network')[0]) ?? '',
      low: textOf(named(range, 'low')[0]) ?? '',
      high: textOf(named(range, 'high')[0]) ?? '',
      routers: named(attributes, 'router').map(nameOf),
      nameServers: named(attributes, 'name-server').map(nameOf),
    };
  });
  const holds = (network: string, address: string) => {
    const range = ipv4Network(network);
    const host = parseIpv4(address.split('/')[0] ?? '');
    return !!range && host !== undefined && host >= range.first && host <= range.last;
  };
  const services = named(named(root, 'system')[0], 'services')[0];
  return named(named(services, 'dhcp-local-server')[0], 'group').flatMap((group) => named(group, 'interface').map((iface) => {
    const name = nameOf(iface);
    const pool = pools.find((p) => (unitAddresses.get(name) ?? []).some((address) => holds(p.network, address)));
    return { group: nameOf(group), interface: name, ...(pool ? { pool } : {}) };
  }));
}
