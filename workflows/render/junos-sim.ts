// The simulator's Junos-like configuration (urn:branchline:sim:config).
import { escapeXml } from './escape-xml.ts';
import type {
  AppSteeringConfig, DeviceConfigInput, DeviceConfigRenderer, FirewallRuleConfig, LanSegmentConfig, TunnelConfig, WanLinkConfig,
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

const tunnelUnit = (t: TunnelConfig) => `<unit>${leaf('name', t.unit)}${leaf('description', `tunnel to ${t.name}`)}${leaf('address', t.localAddress)}</unit>`;
const vpnName = (t: TunnelConfig) => `${t.name}-${t.unit}`;

function vpn(t: TunnelConfig, wanLinks: WanLinkConfig[]): string {
  const external = wanLinks.find((l) => l.name === t.viaLink)?.interfaceName ?? t.viaLink;
  return `<vpn>${leaf('name', vpnName(t))}${leaf('peer', t.peer)}${leaf('bind-interface', `st0.${t.unit}`)}${leaf('external-interface', `${external}.0`)}</vpn>`;
}

/** st0 and the IPsec section are always there in stage 2, so adding and removing a tunnel later leaves no trace. */
function tunnelInterface(tunnels: TunnelConfig[]): string {
  return `<interface><name>st0</name>${[...tunnels].sort((a, b) => a.unit - b.unit).map(tunnelUnit).join('')}</interface>`;
}

function interfaces(input: DeviceConfigInput, full: boolean): string {
  const loopback = `<interface><name>lo0</name><unit><name>0</name>${leaf('address', input.loopback)}</unit></interface>`;
  const wan = byInterface(input.wanLinks).map(wanInterface).join('');
  const rest = full ? lanInterface(input.lanSegments) + tunnelInterface(input.tunnels) : '';
  return `<interfaces>${wan}${rest}${loopback}</interfaces>`;
}

const zoneMember = (name: string) => `<interface>${leaf('name', name)}</interface>`;

function security(input: DeviceConfigInput): string {
  const vpns = [...input.tunnels].sort((a, b) => vpnName(a).localeCompare(vpnName(b))).map((t) => vpn(t, input.wanLinks)).join('');
  const zone = (name: string, members: string[]) => `<security-zone>${leaf('name', name)}${members.map(zoneMember).join('')}</security-zone>`;
  const departments = [...new Set(input.lanSegments.map((s) => s.department ?? 'trust'))].sort();
  const zones = [
    zone('untrust', byInterface(input.wanLinks).map((l) => `${l.interfaceName}.0`)),
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
  stage1: (input) => `<configuration xmlns="${ns}">${system(input)}${interfaces(input, false)}</configuration>`,
  stage2: (input) => `<configuration xmlns="${ns}">${system(input)}${interfaces(input, true)}${security(input)}</configuration>`,

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
