// The simulator's Junos-like configuration (urn:branchline:sim:config): Junos's element names,
// with a unit's addressing straight under the unit (Junos has it under family inet).
import { formatIpv4, ipv4Network, parseIpv4Prefix } from '../ipv4.ts';
import { escapeXml } from './escape-xml.ts';
import { wanLinkInterface } from './device-config.ts';
import type {
  AppSteeringConfig, DeviceConfigInput, DeviceConfigRenderer, FirewallRuleConfig, LanSegmentConfig, PppoeConfig, TunnelConfig, WanLinkConfig,
} from './device-config.ts';

const ns = 'urn:branchline:sim:config';
const netconfNs = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** `<name>value</name>`, or nothing for an empty value. */
function leaf(name: string, value: string | number | undefined): string {
  return value === undefined || value === '' ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
const byInterface = (links: WanLinkConfig[]) => [...links].sort((a, b) => a.interfaceName.localeCompare(b.interfaceName));

/** Zone names the intent uses for the two sides every site has. */
const intentZones: Record<string, string> = { internet: 'untrust', corporate: 'vpn' };

/** The logical interface a WAN link's traffic leaves by: the port's unit 0, or its PPPoE session's pp0 unit. */
const wanUnit = (link: WanLinkConfig) => (link.pppoe ? wanLinkInterface(link) : `${link.interfaceName}.0`);

function wanInterface(link: WanLinkConfig): string {
  const address = link.pppoe ? leaf('encapsulation', 'ppp-over-ether') : link.address === 'dhcp' ? '<dhcp/>' : leaf('address', link.address);
  return `<interface>${leaf('name', link.interfaceName)}${leaf('description', `WAN ${link.name}`)}<unit><name>0</name>${address}</unit></interface>`;
}

/** A PPPoE client session: credentials (the password as a secret reference), its port, and an address negotiated with the provider. */
function pppoeUnit(link: WanLinkConfig & { pppoe: PppoeConfig }): string {
  const { pppoe } = link;
  const credentials = pppoe.authentication === 'chap'
    ? `<chap>${leaf('default-chap-secret', pppoe.passwordSecret)}${leaf('local-name', pppoe.username)}<passive/></chap>`
    : `<pap>${leaf('local-name', pppoe.username)}${leaf('local-password', pppoe.passwordSecret)}<passive/></pap>`;
  return `<unit>${leaf('name', pppoe.unit)}${leaf('description', `WAN ${link.name}`)}<ppp-options>${credentials}</ppp-options>`
    + `<pppoe-options>${leaf('underlying-interface', `${link.interfaceName}.0`)}<auto-reconnect>10</auto-reconnect><client/></pppoe-options>`
    + '<negotiate-address/></unit>';
}

function pppoeInterface(links: WanLinkConfig[]): string {
  const sessions = links.filter((l): l is WanLinkConfig & { pppoe: PppoeConfig } => !!l.pppoe).sort((a, b) => a.pppoe.unit - b.pppoe.unit);
  return sessions.length === 0 ? '' : `<interface><name>pp0</name>${sessions.map(pppoeUnit).join('')}</interface>`;
}

/** The default route over the static WAN links, by their gateways; a backup-only link's is preferred less. */
function routingOptions(links: WanLinkConfig[]): string {
  const routed = byInterface(links).filter((l) => l.address !== 'dhcp' && l.address !== 'pppoe' && l.gateway)
    .sort((a, b) => Number(a.backupOnly ?? false) - Number(b.backupOnly ?? false));
  if (routed.length === 0) return '';
  const nextHops = routed.map((l) => `<qualified-next-hop>${leaf('name', l.gateway)}${l.backupOnly ? '<preference>200</preference>' : ''}</qualified-next-hop>`);
  return `<routing-options><static><route><name>0.0.0.0/0</name>${nextHops.join('')}</route></static></routing-options>`;
}

const servesDhcp = (input: DeviceConfigInput) => [...input.lanSegments].filter((s) => s.dhcp).sort((a, b) => a.vlanId - b.vlanId);

/** Junos's DHCP server: a group per serving segment, bound to its irb unit (stage 2 only: the LAN is stage 2's). */
function dhcpLocalServer(input: DeviceConfigInput, full: boolean): string {
  const segments = full ? servesDhcp(input) : [];
  if (segments.length === 0) return '';
  return `<dhcp-local-server>${segments.map((s) => `<group>${leaf('name', s.name)}<interface>${leaf('name', `irb.${s.vlanId}`)}</interface></group>`).join('')}</dhcp-local-server>`;
}

function system(input: DeviceConfigInput, full: boolean): string {
  const nameServers = (input.dnsServers ?? []).map((server) => `<name-server>${leaf('name', server)}</name-server>`).join('');
  return `<system>${leaf('host-name', input.hostname)}<services><netconf><ssh/></netconf><ssh/>${dhcpLocalServer(input, full)}</services>${nameServers}</system>`;
}

/** The address pool a segment's DHCP server leases from: its hosts after the gateway (its first), the gateway as router. */
function addressPool(segment: LanSegmentConfig, dnsServers: string[]): string {
  const address = parseIpv4Prefix(segment.gateway)!.address;
  const { first: network, last, length } = ipv4Network(segment.gateway)!;
  const gateway = formatIpv4(address);
  const attributes = dnsServers.map((server) => `<name-server>${leaf('name', server)}</name-server>`).join('') + `<router>${leaf('name', gateway)}</router>`;
  return `<pool>${leaf('name', segment.name)}<family><inet>${leaf('network', `${formatIpv4(network)}/${length}`)}`
    + `<range><name>hosts</name>${leaf('low', formatIpv4(address + 1))}${leaf('high', formatIpv4(last - 1))}</range>`
    + `<dhcp-attributes>${attributes}</dhcp-attributes></inet></family></pool>`;
}

function access(input: DeviceConfigInput): string {
  const segments = servesDhcp(input);
  if (segments.length === 0) return '';
  return `<access><address-assignment>${segments.map((s) => addressPool(s, input.dnsServers ?? [])).join('')}</address-assignment></access>`;
}

function lanInterface(segments: LanSegmentConfig[]): string {
  if (segments.length === 0) return '';
  const units = [...segments].sort((a, b) => a.vlanId - b.vlanId)
    .map((s) => `<unit>${leaf('name', s.vlanId)}${leaf('description', `LAN ${s.name}`)}${leaf('vlan-id', s.vlanId)}${leaf('address', s.gateway)}</unit>`);
  return `<interface><name>irb</name>${units.join('')}</interface>`;
}

const tunnelUnit = (t: TunnelConfig) => `<unit>${leaf('name', t.unit)}${leaf('description', `tunnel to ${t.name}`)}${leaf('address', t.localAddress)}</unit>`;
const vpnName = (t: TunnelConfig) => `${t.name}-${t.unit}`;

function vpn(t: TunnelConfig, wanLinks: WanLinkConfig[]): string {
  // A tunnel read back from a device names its interface rather than its link (a port, or pp0.N).
  const link = wanLinks.find((l) => l.name === t.viaLink);
  const external = link ? wanUnit(link) : /\.\d+$/.test(t.viaLink) ? t.viaLink : `${t.viaLink}.0`;
  return `<vpn>${leaf('name', vpnName(t))}${leaf('peer', t.peer)}${leaf('bind-interface', `st0.${t.unit}`)}${leaf('external-interface', external)}</vpn>`;
}

/** st0 and the IPsec section are always there in stage 2, so adding and removing a tunnel later leaves no trace. */
function tunnelInterface(tunnels: TunnelConfig[]): string {
  return `<interface><name>st0</name>${[...tunnels].sort((a, b) => a.unit - b.unit).map(tunnelUnit).join('')}</interface>`;
}

function interfaces(input: DeviceConfigInput, full: boolean): string {
  const loopback = `<interface><name>lo0</name><unit><name>0</name>${leaf('address', input.loopback)}</unit></interface>`;
  const wan = byInterface(input.wanLinks).map(wanInterface).join('') + pppoeInterface(input.wanLinks);
  const rest = full ? lanInterface(input.lanSegments) + tunnelInterface(input.tunnels) : '';
  return `<interfaces>${wan}${rest}${loopback}</interfaces>`;
}

const zoneMember = (name: string) => `<interface>${leaf('name', name)}</interface>`;

function security(input: DeviceConfigInput): string {
  const vpns = [...input.tunnels].sort((a, b) => vpnName(a).localeCompare(vpnName(b))).map((t) => vpn(t, input.wanLinks)).join('');
  const zone = (name: string, members: string[]) => `<security-zone>${leaf('name', name)}${members.map(zoneMember).join('')}</security-zone>`;
  const departments = [...new Set(input.lanSegments.map((s) => s.department ?? 'trust'))].sort();
  const zones = [
    zone('untrust', byInterface(input.wanLinks).map(wanUnit)),
    zone('vpn', [...input.tunnels].sort((a, b) => a.unit - b.unit).map((t) => `st0.${t.unit}`)),
    ...departments.map((department) => zone(department, input.lanSegments.filter((s) => (s.department ?? 'trust') === department)
      .sort((a, b) => a.vlanId - b.vlanId).map((s) => `irb.${s.vlanId}`))),
  ].sort();
  return `<security><ipsec>${vpns}</ipsec><zones>${zones.join('')}</zones></security>`;
}

function firewallRule(rule: FirewallRuleConfig): string {
  const zone = (name: string) => intentZones[name] ?? name;
  const applications = [...rule.applications].sort().map((a) => leaf('application', a)).join('');
  return `<policy>${leaf('name', rule.name)}${leaf('from-zone', zone(rule.from))}${leaf('to-zone', zone(rule.to))}`
    + `<match>${applications}</match><then><${rule.action}/>${rule.log ? '<log/>' : ''}</then></policy>`;
}

function steeringRule(rule: AppSteeringConfig): string {
  return `<rule>${leaf('name', rule.name)}${[...rule.applications].sort().map((a) => leaf('application', a)).join('')}`
    + `${rule.preferredLinks.map((l) => leaf('preferred-link', l)).join('')}`
    + `<sla>${leaf('max-latency-ms', rule.maxLatencyMs)}${leaf('max-jitter-ms', rule.maxJitterMs)}${leaf('max-loss-permille', rule.maxLossPermille)}</sla>`
    + `${leaf('breakout', rule.breakout)}</rule>`;
}

export const junosSimRenderer: DeviceConfigRenderer = {
  stage1: (input) => `<configuration xmlns="${ns}">${system(input, false)}${interfaces(input, false)}${routingOptions(input.wanLinks)}</configuration>`,
  stage2: (input) => `<configuration xmlns="${ns}">${system(input, true)}${interfaces(input, true)}${routingOptions(input.wanLinks)}${security(input)}${access(input)}</configuration>`,

  tunnel(tunnel, wanLinks) {
    const edit = (operation: string) => {
      const op = operation ? ` nc:operation="${operation}"` : '';
      return `<configuration xmlns="${ns}" xmlns:nc="${netconfNs}">`
        + `<interfaces><interface><name>st0</name>${tunnelUnit(tunnel).replace('<unit>', `<unit${op}>`)}</interface></interfaces>`
        + `<security><ipsec>${vpn(tunnel, wanLinks).replace('<vpn>', `<vpn${op}>`)}</ipsec>`
        + `<zones><security-zone><name>vpn</name><interface${op}>${leaf('name', `st0.${tunnel.unit}`)}</interface></security-zone></zones></security>`
        + '</configuration>';
    };
    return { add: edit(''), remove: edit('remove') };
  },

  factoryDefault: () => `<configuration xmlns="${ns}"/>`,

  policies: (input) => `<configuration xmlns="${ns}" xmlns:nc="${netconfNs}"><security>`
    + `<policies nc:operation="replace">${byName(input.firewall).map(firewallRule).join('')}</policies>`
    + `<application-steering nc:operation="replace">${byName(input.steering).map(steeringRule).join('')}</application-steering>`
    + '</security></configuration>',
};
