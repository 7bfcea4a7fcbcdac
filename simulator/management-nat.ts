// Whether the running configuration's NAT takes the management sessions away from the box, as a
// Junos SRX does: for a new session, static NAT and then destination NAT are looked up before the
// route lookup that tells traffic for the device itself (host-inbound) from traffic through it
// (Juniper: "Destination NAT rules are processed after static NAT rules but before source NAT
// rules", and static NAT "takes precedence over destination NAT"; the first-packet path is
// screens, static NAT, destination NAT, route lookup, zone lookup, policy). A rule translating the
// management interface's own address (and, for destination NAT, the NETCONF port) for traffic
// arriving on that interface sends NETCONF to the inside host: the box never sees it.
import { childText, elementChildren, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import { ipv4Network, parseIpv4 } from '../domain/ipv4.ts';

const children = (parent: Element | undefined, name: string) => (parent ? elementChildren(parent).filter((e) => e.localName === name) : []);
const child = (parent: Element | undefined, name: string) => children(parent, name)[0];

function at(document: Document, ...path: string[]): Element[] {
  return path.reduce<Element[]>((found, name) => found.flatMap((e) => children(e, name)), document.documentElement ? [document.documentElement] : []);
}

/** Where management sessions arrive: the interface's unit (`ge-0/0/0.0`, `pp0.0`), its addresses now, and the NETCONF port. */
export interface ManagementEndpoint {
  unit: string;
  addresses: string[];
  port: number;
}

/** The NETCONF port the box listens on: `system services netconf ssh port`, else 830. */
export function netconfPort(running: Document): number {
  const port = child(child(at(running, 'system', 'services', 'netconf')[0], 'ssh'), 'port')?.textContent?.trim();
  return port ? Number(port) : 830;
}

/** How specifically a rule set's `from` names where the management traffic arrives: 3 interface, 2 zone, 1 routing instance, 0 not at all. */
function fromSpecificity(ruleSet: Element, unit: string, zone: string | undefined): number {
  const from = child(ruleSet, 'from');
  const names = (kind: string) => children(from, kind).map((e) => e.textContent?.trim() ?? '');
  if (names('interface').includes(unit)) return 3;
  if (zone !== undefined && names('zone').includes(zone)) return 2;
  if (names('routing-instance').includes('default')) return 1;
  return 0;
}

function coversAddress(prefixes: string[], addresses: string[]): boolean {
  return prefixes.some((prefix) => {
    const network = ipv4Network(prefix.includes('/') ? prefix : `${prefix}/32`);
    return !!network && addresses.some((address) => {
      const host = parseIpv4(address.split('/')[0] ?? '');
      return host !== undefined && host >= network.first && host <= network.last;
    });
  });
}

function coversPort(match: Element | undefined, port: number): boolean {
  const ports = children(match, 'destination-port');
  const protocols = children(match, 'protocol').map((p) => p.textContent?.trim());
  if (protocols.length > 0 && !protocols.includes('tcp')) return false;
  if (ports.length === 0) return true;
  return ports.some((entry) => {
    const low = Number(childText(entry, 'name'));
    const to = child(entry, 'to');
    const high = to ? Number(childText(to, 'high')) : low;
    return port >= low && port <= high;
  });
}

/** The zone the unit is in (`security zones security-zone … interfaces <name>`). */
function zoneOf(running: Document, unit: string): string | undefined {
  const zone = at(running, 'security', 'zones', 'security-zone').find((z) => children(z, 'interfaces').some((i) => childText(i, 'name') === unit));
  return zone && childText(zone, 'name');
}

/** The NAT rule that takes the management sessions (`static <rule-set> <rule>` or `destination …`), or undefined when they reach the box. */
export function managementTakenByNat(running: Document, endpoint: ManagementEndpoint): string | undefined {
  const zone = zoneOf(running, endpoint.unit);
  const matching = (kind: 'static' | 'destination', matchName: string) => at(running, 'security', 'nat', kind, 'rule-set').flatMap((ruleSet) => {
    const specificity = fromSpecificity(ruleSet, endpoint.unit, zone);
    if (specificity === 0) return [];
    return children(ruleSet, 'rule').flatMap((rule) => {
      const match = child(rule, matchName);
      const destinations = children(child(match, 'destination-address'), 'dst-addr').map((d) => d.textContent?.trim() ?? '');
      if (!coversAddress(destinations, endpoint.addresses)) return [];
      if (kind === 'destination' && !coversPort(match, endpoint.port)) return [];
      return [{ name: `${kind} ${childText(ruleSet, 'name')} ${childText(rule, 'name')}`, specificity, off: !!child(child(child(rule, 'then'), 'destination-nat'), 'off') }];
    });
  });
  // Static NAT first; then the most specific destination NAT rule, which may say `off`.
  const statics = matching('static', 'static-nat-rule-match');
  if (statics.length > 0) return statics[0]!.name;
  const destination = matching('destination', 'dest-nat-rule-match').sort((a, b) => b.specificity - a.specificity)[0];
  return destination && !destination.off ? destination.name : undefined;
}
