// Which WAN link each steered application takes on a simulated SRX, read from its running
// configuration as the forwarding plane would follow it: APBR profile applied to a zone → first
// rule matching the application → routing instance → its default route's next hop → the link.
import { childText, elementChildren, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import { ipv4Network, parseIpv4 } from '../domain/ipv4.ts';
import type { WanLinkState } from './device.ts';

export interface ApplicationPath {
  /** The AppID signature (junos:SIP). */
  application: string;
  profile: string;
  rule: string;
  routingInstance: string;
  /** The WAN link the instance's default route leaves by (a tunnel's st0 unit, into the overlay); null when it leads nowhere the box knows. */
  link: string | null;
}

const children = (element: Element | undefined, name: string) => (element ? elementChildren(element).filter((e) => e.localName === name) : []);
const at = (element: Element | undefined, ...path: string[]) => path.reduce<Element[]>((found, name) => found.flatMap((e) => children(e, name)), element ? [element] : []);
const texts = (element: Element, name: string) => children(element, name).map((e) => e.textContent?.trim() ?? '');

/** The link a next hop names: an interface unit (its port's link; a PPPoE unit's underlying port) or an address on a link's subnet. */
function linkOfNextHop(root: Element, hop: string, links: WanLinkState[], addressesOf: (interfaceName: string) => string[]): WanLinkState | undefined {
  const address = parseIpv4(hop);
  // A path over the overlay (a tunnel's st0 unit) is known by its unit.
  const unit = links.find((l) => l.interfaceName === hop);
  if (unit) return unit;
  if (address === undefined) {
    const [port, unit] = hop.split('.');
    const underlying = port === 'pp0'
      ? at(root, 'interfaces', 'interface').filter((i) => childText(i, 'name') === 'pp0').flatMap((i) => children(i, 'unit'))
        .filter((u) => childText(u, 'name') === unit).flatMap((u) => at(u, 'pppoe-options', 'underlying-interface'))[0]?.textContent?.trim().split('.')[0]
      : port;
    return links.find((l) => l.interfaceName === underlying);
  }
  return links.find((l) => [l.interfaceName, `${l.interfaceName}.0`].flatMap(addressesOf).some((prefix) => {
    const network = ipv4Network(prefix);
    return !!network && address >= network.first && address <= network.last;
  }));
}

export function applicationPaths(running: Document, links: WanLinkState[], addressesOf: (interfaceName: string) => string[]): ApplicationPath[] {
  const root = running.documentElement ?? undefined;
  const applied = new Set(at(root, 'security', 'zones', 'security-zone', 'advance-policy-based-routing-profile', 'profile').map((p) => p.textContent?.trim()));
  const instances = new Map(at(root, 'routing-instances', 'instance').map((instance) => {
    const route = at(instance, 'routing-options', 'static', 'route').find((r) => childText(r, 'name') === '0.0.0.0/0');
    const hop = route && (texts(route, 'next-hop')[0] ?? children(route, 'qualified-next-hop').map((q) => childText(q, 'name') ?? '')[0]);
    return [childText(instance, 'name') ?? '', hop && root ? linkOfNextHop(root, hop, links, addressesOf)?.name ?? null : null] as const;
  }));
  const paths = new Map<string, ApplicationPath>();
  for (const profile of at(root, 'security', 'advance-policy-based-routing', 'profile').filter((p) => applied.has(childText(p, 'name') ?? ''))) {
    for (const rule of children(profile, 'rule')) {
      const routingInstance = at(rule, 'then', 'routing-instance', 'routing-instance-name')[0]?.textContent?.trim();
      if (!routingInstance) continue;
      for (const application of at(rule, 'match').flatMap((m) => texts(m, 'dynamic-application'))) {
        // APBR takes the first rule that matches.
        if (paths.has(application)) continue;
        paths.set(application, {
          application, profile: childText(profile, 'name') ?? '', rule: childText(rule, 'name') ?? '', routingInstance, link: instances.get(routingInstance) ?? null,
        });
      }
    }
  }
  return [...paths.values()].sort((a, b) => a.application.localeCompare(b.application));
}
