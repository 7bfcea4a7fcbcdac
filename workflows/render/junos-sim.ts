// The simulator's Junos-like configuration (urn:branchline:sim:config).
import { escapeXml } from './escape-xml.ts';
import type { DeviceConfigInput, DeviceConfigRenderer, LanSegmentConfig, TunnelConfig, WanLinkConfig } from './device-config.ts';

const ns = 'urn:branchline:sim:config';

/** `<name>value</name>`, or nothing for an empty value. */
function leaf(name: string, value: string | number | undefined): string {
  return value === undefined || value === '' ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));

function wanInterface(link: WanLinkConfig): string {
  const address = link.address === 'dhcp' ? '<dhcp/>' : leaf('address', link.address);
  return `<interface>${leaf('name', link.interfaceName)}${leaf('description', `WAN ${link.name}`)}<unit><name>0</name>${address}</unit></interface>`;
}

function system(input: DeviceConfigInput): string {
  return `<system>${leaf('host-name', input.hostname)}<services><netconf><ssh/></netconf><ssh/></services></system>`;
}

function lanInterface(segments: LanSegmentConfig[]): string {
  if (segments.length === 0) return '';
  const units = [...segments].sort((a, b) => a.vlanId - b.vlanId)
    .map((s) => `<unit>${leaf('name', s.vlanId)}${leaf('description', `LAN ${s.name}`)}${leaf('vlan-id', s.vlanId)}${leaf('address', s.gateway)}</unit>`);
  return `<interface><name>irb</name>${units.join('')}</interface>`;
}

function tunnelInterface(tunnels: TunnelConfig[]): string {
  if (tunnels.length === 0) return '';
  const units = [...tunnels].sort((a, b) => a.unit - b.unit)
    .map((t) => `<unit>${leaf('name', t.unit)}${leaf('description', `tunnel to ${t.name}`)}${leaf('address', t.localAddress)}</unit>`);
  return `<interface><name>st0</name>${units.join('')}</interface>`;
}

function interfaces(input: DeviceConfigInput, full: boolean): string {
  const loopback = `<interface><name>lo0</name><unit><name>0</name>${leaf('address', input.loopback)}</unit></interface>`;
  const wan = [...input.wanLinks].sort((a, b) => a.interfaceName.localeCompare(b.interfaceName)).map(wanInterface).join('');
  const rest = full ? lanInterface(input.lanSegments) + tunnelInterface(input.tunnels) : '';
  return `<interfaces>${wan}${rest}${loopback}</interfaces>`;
}

function security(input: DeviceConfigInput): string {
  const linkInterface = new Map(input.wanLinks.map((l) => [l.name, l.interfaceName]));
  const vpns = byName(input.tunnels).map((t) =>
    `<vpn>${leaf('name', t.name)}${leaf('peer', t.peer)}${leaf('bind-interface', `st0.${t.unit}`)}${leaf('external-interface', `${linkInterface.get(t.viaLink) ?? t.viaLink}.0`)}</vpn>`).join('');
  const zone = (name: string, members: string[]) =>
    `<security-zone>${leaf('name', name)}${members.map((m) => `<interface>${leaf('name', m)}</interface>`).join('')}</security-zone>`;
  const departments = [...new Set(input.lanSegments.map((s) => s.department ?? 'trust'))].sort();
  const zones = [
    zone('untrust', [...input.wanLinks].sort((a, b) => a.interfaceName.localeCompare(b.interfaceName)).map((l) => `${l.interfaceName}.0`)),
    zone('vpn', [...input.tunnels].sort((a, b) => a.unit - b.unit).map((t) => `st0.${t.unit}`)),
    ...departments.map((department) => zone(department, input.lanSegments.filter((s) => (s.department ?? 'trust') === department)
      .sort((a, b) => a.vlanId - b.vlanId).map((s) => `irb.${s.vlanId}`))),
  ].sort();
  return `<security>${vpns ? `<ipsec>${vpns}</ipsec>` : ''}<zones>${zones.join('')}</zones></security>`;
}

export const junosSimRenderer: DeviceConfigRenderer = {
  stage1: (input) => `<configuration xmlns="${ns}">${system(input)}${interfaces(input, false)}</configuration>`,
  stage2: (input) => `<configuration xmlns="${ns}">${system(input)}${interfaces(input, true)}${security(input)}</configuration>`,
};
