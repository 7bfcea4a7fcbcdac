// What the simulated device refuses to commit, as a real router's commit check would.
import { elementChildren, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import { parseIpv4, parseIpv4Prefix } from '../prisma/ipv4.ts';

export interface ConfigProblem {
  path: string;
  message: string;
}

const interfaceName = /^((ge|xe)-\d+\/\d+\/\d+|lo0|st0|dl0|irb|fxp0)$/;
const hostName = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function text(element: Element | undefined): string | undefined {
  return element?.textContent?.trim();
}

function childrenNamed(element: Element | undefined, name: string): Element[] {
  return element ? elementChildren(element).filter((c) => c.localName === name) : [];
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
