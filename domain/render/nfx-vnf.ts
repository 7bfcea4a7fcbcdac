// A VNF on a Junos NFX, in the box's own configuration (`virtual-network-functions <name>`): the
// image in /var/public, vCPUs, memory in KiB, guest interfaces mapped onto VLANs. Juniper's
// junos-es YANG (SRX) has no such hierarchy; the statements follow the NFX150/NFX250 guides.
import { escapeXml } from './escape-xml.ts';

const netconfNs = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const leaf = (name: string, value: string | number) => `<${name}>${escapeXml(String(value))}</${name}>`;

export interface VnfDefinitionConfig {
  name: string;
  imagePath: string;
  vcpus: number;
  memoryMiB: number;
  /** Guest data interfaces and the VLAN each is on (a chain's segments). */
  interfaces: { name: string; vlan: string }[];
}

/** Defines (or, merged over an earlier one, redefines) the VNF; the box boots it on commit. */
export function vnfDefinition(vnf: VnfDefinitionConfig): string {
  const interfaces = [...vnf.interfaces].sort((a, b) => a.name.localeCompare(b.name))
    .map((i) => `<interfaces>${leaf('name', i.name)}<mapping><vlan>${leaf('members', i.vlan)}</vlan></mapping></interfaces>`).join('');
  // replace: a redefinition (new flavour, new image) leaves nothing of the old one behind.
  return `<configuration xmlns:nc="${netconfNs}"><virtual-network-functions nc:operation="replace">${leaf('name', vnf.name)}`
    + `<image>${leaf('file', vnf.imagePath)}${leaf('image-type', 'image')}</image>`
    + `<virtual-cpu>${leaf('count', vnf.vcpus)}</virtual-cpu><memory>${leaf('size', vnf.memoryMiB * 1024)}</memory>${interfaces}`
    + '</virtual-network-functions></configuration>';
}

/** Undefines the VNF: the box stops it and frees what it held. */
export function vnfRemoval(name: string): string {
  return `<configuration xmlns:nc="${netconfNs}"><virtual-network-functions nc:operation="remove">${leaf('name', name)}</virtual-network-functions></configuration>`;
}

/** The chain's VLANs on the box's switch, where its VNFs' guest interfaces are mapped. */
export function chainVlansConfig(vlans: readonly { name: string; id: number }[]): string {
  return `<configuration><vlans>${vlans.map((v) => `<vlan>${leaf('name', v.name)}${leaf('vlan-id', v.id)}</vlan>`).join('')}</vlans></configuration>`;
}

/** The chain's VLANs removed (once no VNF is on them). */
export function chainVlansRemoval(vlans: readonly { name: string }[]): string {
  return `<configuration xmlns:nc="${netconfNs}"><vlans>${vlans.map((v) => `<vlan nc:operation="remove">${leaf('name', v.name)}</vlan>`).join('')}</vlans></configuration>`;
}
