// Junos configuration for SRX-class branch devices, in Junos's own schema as Juniper publishes it
// (YANG, junos-es, Junos 22.4R1): `<configuration>` with no namespace, as get-config returns it.
// Edits that carry nc:operation attributes declare the NETCONF namespace for them.
import { formatIpv4, ipv4Network, parseIpv4Prefix } from '../ipv4.ts';
import { element, leaf, named } from './xml-elements.ts';
import { intentSecurity } from './junos-intent.ts';
import { secretReference, wanLinkInterface } from './device-config.ts';
import type {
  AppSteeringConfig, DeviceConfigInput, DeviceConfigRenderer, FirewallRuleConfig, HubPathConfig, LanSegmentConfig, LoginUserConfig, PppoeConfig, TunnelConfig,
  WanLinkConfig,
} from './device-config.ts';

const netconfNs = 'urn:ietf:params:xml:ns:netconf:base:1.0';

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
const byInterface = (links: WanLinkConfig[]) => [...links].sort((a, b) => a.interfaceName.localeCompare(b.interfaceName));
const byUnit = (tunnels: TunnelConfig[]) => [...tunnels].sort((a, b) => a.unit - b.unit);
const byVlan = (segments: LanSegmentConfig[]) => [...segments].sort((a, b) => a.vlanId - b.vlanId);

/** `family inet` with these addresses (or other inet statements). */
const inet = (content: string) => `<family><inet>${content}</inet></family>`;
const inetAddress = (prefix: string) => inet(`<address>${named(prefix)}</address>`);

/** Zone names the intent uses for the two sides every site has. */
const intentZones: Record<string, string> = { internet: 'untrust', corporate: 'vpn' };
const zoneOf = (name: string) => intentZones[name] ?? name;
const departmentZone = (segment: LanSegmentConfig) => segment.department ?? 'trust';

/** The logical interface a WAN link's traffic leaves by: the port's unit 0, or its PPPoE session's pp0 unit. */
const wanUnit = (link: WanLinkConfig) => (link.pppoe ? wanLinkInterface(link) : `${link.interfaceName}.0`);

// ---- system -------------------------------------------------------------------------------

const servesDhcp = (input: DeviceConfigInput) => byVlan(input.lanSegments.filter((s) => s.dhcp));

/** Junos's DHCP server: a group per serving segment, bound to its irb unit (stage 2 only: the LAN is stage 2's). */
function dhcpLocalServer(input: DeviceConfigInput, full: boolean): string {
  const segments = full ? servesDhcp(input) : [];
  return element('dhcp-local-server', segments.map((s) => `<group>${named(s.name, `<interface>${named(`irb.${s.vlanId}`)}</interface>`)}</group>`).join(''));
}

function system(input: DeviceConfigInput, full: boolean): string {
  const nameServers = (input.dnsServers ?? []).map((server) => `<name-server>${named(server)}</name-server>`).join('');
  return `<system>${leaf('host-name', input.hostname)}<services><ssh/><netconf><ssh/></netconf>${dhcpLocalServer(input, full)}</services>${nameServers}</system>`;
}

/**
 * `system login user`: its authentication replaced whole, so a user given a new key or password
 * keeps no earlier one. `remove` (RFC 6241) rather than `delete`: a user already gone is no error.
 */
const loginUsers: DeviceConfigRenderer['loginUsers'] = {
  add: (user: LoginUserConfig) => {
    const { kind, secret } = user.authentication;
    const authentication = kind === 'encrypted-password' ? leaf('encrypted-password', secret) : `<ssh-ed25519>${named(secret)}</ssh-ed25519>`;
    return `<configuration xmlns:nc="${netconfNs}"><system><login><user>${named(user.name, leaf('class', 'super-user'))}`
      + `<authentication nc:operation="replace">${authentication}</authentication></user></login></system></configuration>`;
  },
  remove: (names: string[]) => `<configuration xmlns:nc="${netconfNs}"><system><login>`
    + [...names].sort().map((name) => `<user nc:operation="remove">${named(name)}</user>`).join('') + '</login></system></configuration>',
};

// ---- interfaces ---------------------------------------------------------------------------

/** A WAN port's unit 0: a static address, DHCP from the provider, or carrying a PPPoE session (its address is pp0's). */
function wanInterface(link: WanLinkConfig): string {
  const unit = link.pppoe ? leaf('encapsulation', 'ppp-over-ether')
    : link.address === 'dhcp' ? inet('<dhcp/>')
      : inetAddress(link.address);
  return `<interface>${named(link.interfaceName, leaf('description', `WAN ${link.name}`))}<unit>${named(0, unit)}</unit></interface>`;
}

/** A PPPoE client session: credentials (the password as a secret reference), its port, and an address negotiated with the provider. */
function pppoeUnit(link: WanLinkConfig & { pppoe: PppoeConfig }): string {
  const { pppoe } = link;
  const credentials = pppoe.authentication === 'chap'
    ? `<chap>${leaf('default-chap-secret', pppoe.passwordSecret)}${leaf('local-name', pppoe.username)}<passive/></chap>`
    : `<pap>${leaf('local-name', pppoe.username)}${leaf('local-password', pppoe.passwordSecret)}<passive/></pap>`;
  return `<unit>${named(pppoe.unit, leaf('description', `WAN ${link.name}`))}<ppp-options>${credentials}</ppp-options>`
    + `<pppoe-options>${leaf('underlying-interface', `${link.interfaceName}.0`)}<auto-reconnect>10</auto-reconnect><client/></pppoe-options>`
    + `${inet('<negotiate-address/>')}</unit>`;
}

function pppoeInterface(links: WanLinkConfig[]): string {
  const sessions = links.filter((l): l is WanLinkConfig & { pppoe: PppoeConfig } => !!l.pppoe).sort((a, b) => a.pppoe.unit - b.pppoe.unit);
  return sessions.length === 0 ? '' : `<interface>${named('pp0')}${sessions.map(pppoeUnit).join('')}</interface>`;
}

/** A LAN segment's gateway: an irb unit per VLAN (the VLAN itself is under `vlans`, with the unit as its l3-interface). */
function lanInterface(segments: LanSegmentConfig[]): string {
  if (segments.length === 0) return '';
  const units = byVlan(segments).map((s) => `<unit>${named(s.vlanId, leaf('description', `LAN ${s.name}`))}${inetAddress(s.gateway)}</unit>`);
  return `<interface>${named('irb')}${units.join('')}</interface>`;
}

const tunnelUnit = (t: TunnelConfig, operation = '') => `<unit${operation}>${named(t.unit, leaf('description', `tunnel to ${t.name}`))}${inetAddress(t.localAddress)}</unit>`;

/** st0 is always there in stage 2 (with no unit, Junos keeps the bare interface), so adding and removing a tunnel later leaves no trace. */
function tunnelInterface(tunnels: TunnelConfig[]): string {
  return `<interface>${named('st0')}${byUnit(tunnels).map((t) => tunnelUnit(t)).join('')}</interface>`;
}

function interfaces(input: DeviceConfigInput, full: boolean): string {
  const loopback = `<interface>${named('lo0')}<unit>${named(0, inetAddress(input.loopback))}</unit></interface>`;
  const wan = byInterface(input.wanLinks).map(wanInterface).join('') + pppoeInterface(input.wanLinks);
  const rest = full ? lanInterface(input.lanSegments) + tunnelInterface(input.tunnels) : '';
  return `<interfaces>${wan}${rest}${loopback}</interfaces>`;
}

/** Each LAN segment's VLAN, routed by its irb unit. */
function vlans(segments: LanSegmentConfig[]): string {
  return element('vlans', byName(segments).map((s) => `<vlan>${named(s.name, `${leaf('vlan-id', s.vlanId)}${leaf('l3-interface', `irb.${s.vlanId}`)}`)}</vlan>`).join(''));
}

// ---- routing ------------------------------------------------------------------------------

const hasGateway = (l: WanLinkConfig) => l.address !== 'dhcp' && l.address !== 'pppoe' && !!l.gateway;

/** The default route over the static WAN links, by their gateways; a backup-only link's is preferred less. */
function routingOptions(links: WanLinkConfig[]): string {
  const routed = byInterface(links).filter(hasGateway).sort((a, b) => Number(a.backupOnly ?? false) - Number(b.backupOnly ?? false));
  if (routed.length === 0) return '';
  const nextHops = routed.map((l) => `<qualified-next-hop>${named(l.gateway!)}${l.backupOnly ? '<preference>200</preference>' : ''}</qualified-next-hop>`);
  return `<routing-options><static><route>${named('0.0.0.0/0')}${nextHops.join('')}</route></static></routing-options>`;
}

/** The routing instance that sends traffic out by one WAN link (what a steering rule leads an application to). */
const linkInstance = (linkName: string) => `wan-${linkName}`;

/**
 * A forwarding instance per WAN link, its default route by the link's gateway (static) or out of
 * its unit (DHCP, PPPoE): the APBR rules of the steering policy lead applications into them.
 */
function routingInstances(links: WanLinkConfig[]): string {
  const instances = byName(links).map((link) => {
    const route = hasGateway(link) ? leaf('next-hop', link.gateway) : `<qualified-next-hop>${named(wanUnit(link))}</qualified-next-hop>`;
    return `<instance>${named(linkInstance(link.name), leaf('instance-type', 'forwarding'))}<routing-options><static><route>${named('0.0.0.0/0', route)}</route></static></routing-options></instance>`;
  });
  return element('routing-instances', instances.join(''));
}

/**
 * An RPM probe per WAN link (`services rpm probe <link> test sla`: the driver reports a probe's
 * results as its owner's, so the owner is the link's name), what the SLA of the
 * steering policies is measured by: ICMP to the far end of the first tunnel over the link, else
 * to its gateway, else to the site's first DNS server, leaving by the link's unit. A link with
 * none of these has no probe.
 */
/**
 * Probes per RPM test, one a second, then a second's pause: a test completes every 6 s. The box
 * updates the current test's results probe by probe, and the pollers read its last five probes
 * every 5 s (the current test's and the last completed one's), so a degradation shows as its
 * probes fail. Loss is seen in steps of one probe in five; the pollers' window smooths it.
 */
const probeCount = 5;

/** The SLA test of a probe: ICMP to `target`, leaving by `unit` (and `thresholds`, when given). */
const slaTest = (target: string, unit: string, thresholds = '') => `<test>${named('sla')}${leaf('probe-type', 'icmp-ping')}<target>${leaf('address', target)}</target>`
  + `${leaf('probe-count', probeCount)}${leaf('probe-interval', 1)}${leaf('test-interval', 1)}${leaf('destination-interface', unit)}${thresholds}</test>`;

function rpmProbes(input: DeviceConfigInput): string {
  const probes = byName(input.wanLinks).flatMap((link) => {
    const target = byUnit(input.tunnels).find((t) => t.viaLink === link.name)?.peer ?? (hasGateway(link) ? link.gateway : input.dnsServers?.[0]);
    if (!target) return [];
    return [`<probe>${named(link.name, slaTest(target, wanUnit(link)))}</probe>`];
  });
  return element('services', element('rpm', probes.join('')));
}

// ---- security: IPsec --------------------------------------------------------------------

/** One name for everything one tunnel consists of: its IKE proposal, policy and gateway, its IPsec proposal, policy and VPN. */
const tunnelName = (t: TunnelConfig) => `${t.name}-${t.unit}`;

/** Both ends of a tunnel hold the same pre-shared key: one per tunnel /30, which both ends know. */
export function tunnelKeyReference(t: Pick<TunnelConfig, 'localAddress'>): string {
  const network = ipv4Network(t.localAddress);
  return secretReference(`ike-psk/${network ? `${formatIpv4(network.first)}/${network.length}` : t.localAddress}`);
}

/** The interface a tunnel's IKE leaves by: a link's unit, or (a tunnel read back from a device) the unit it names. */
function externalInterface(t: TunnelConfig, wanLinks: WanLinkConfig[]): string {
  const link = wanLinks.find((l) => l.name === t.viaLink);
  return link ? wanUnit(link) : /\.\d+$/.test(t.viaLink) ? t.viaLink : `${t.viaLink}.0`;
}

function ike(t: TunnelConfig, wanLinks: WanLinkConfig[], operation = '') {
  const name = tunnelName(t);
  return {
    proposal: `<proposal${operation}>${named(name)}${leaf('authentication-method', 'pre-shared-keys')}${leaf('dh-group', 'group14')}`
      + `${leaf('authentication-algorithm', 'sha-256')}${leaf('encryption-algorithm', 'aes-256-cbc')}${leaf('lifetime-seconds', 28800)}</proposal>`,
    policy: `<policy${operation}>${named(name)}${leaf('proposals', name)}<pre-shared-key>${leaf('ascii-text', tunnelKeyReference(t))}</pre-shared-key></policy>`,
    gateway: `<gateway${operation}>${named(name)}${leaf('ike-policy', name)}${leaf('address', t.peer)}`
      + `<dead-peer-detection><probe-idle-tunnel/>${leaf('interval', 10)}${leaf('threshold', 3)}</dead-peer-detection>`
      + `${leaf('external-interface', externalInterface(t, wanLinks))}${leaf('version', 'v2-only')}</gateway>`,
  };
}

function ipsec(t: TunnelConfig, operation = '') {
  const name = tunnelName(t);
  return {
    proposal: `<proposal${operation}>${named(name)}${leaf('protocol', 'esp')}${leaf('authentication-algorithm', 'hmac-sha-256-128')}`
      + `${leaf('encryption-algorithm', 'aes-256-cbc')}${leaf('lifetime-seconds', 3600)}</proposal>`,
    policy: `<policy${operation}>${named(name)}<perfect-forward-secrecy>${leaf('keys', 'group14')}</perfect-forward-secrecy>${leaf('proposals', name)}</policy>`,
    vpn: `<vpn${operation}>${named(name)}${leaf('bind-interface', `st0.${t.unit}`)}<ike>${leaf('gateway', name)}${leaf('ipsec-policy', name)}</ike>`
      + `${leaf('establish-tunnels', 'immediately')}</vpn>`,
  };
}

/** IKE and IPsec for these tunnels, sorted by name within each list as Junos shows them. */
function tunnelSecurity(tunnels: TunnelConfig[], wanLinks: WanLinkConfig[], operation = ''): string {
  const sorted = [...tunnels].sort((a, b) => tunnelName(a).localeCompare(tunnelName(b)));
  const ikes = sorted.map((t) => ike(t, wanLinks, operation));
  const ipsecs = sorted.map((t) => ipsec(t, operation));
  return `<ike>${ikes.map((i) => i.proposal).join('')}${ikes.map((i) => i.policy).join('')}${ikes.map((i) => i.gateway).join('')}</ike>`
    + `<ipsec>${ipsecs.map((i) => i.proposal).join('')}${ipsecs.map((i) => i.policy).join('')}${ipsecs.map((i) => i.vpn).join('')}</ipsec>`;
}

// ---- security: zones ----------------------------------------------------------------------

const systemServices = (services: string[]) => `<host-inbound-traffic>${[...services].sort().map((s) => `<system-services>${named(s)}</system-services>`).join('')}</host-inbound-traffic>`;
const zoneInterface = (name: string, services: string[] = [], operation = '') => `<interfaces${operation}>${named(name)}${services.length > 0 ? systemServices(services) : ''}</interfaces>`;

/** The profile the department zones apply, whose rules the steering policies are (see policies()). */
const steeringProfile = 'branchline-steering';

/**
 * Zones: untrust holds the WAN units, which answer IKE (stage 2), ping, SSH and NETCONF (the
 * orchestrator manages the box over them) and DHCP where the provider addresses the link; vpn
 * holds the st0 units; one zone per department holds its irb units and answers DHCP and ping.
 */
function zones(input: DeviceConfigInput, full: boolean): string {
  const wan = byInterface(input.wanLinks).map((link) => zoneInterface(wanUnit(link),
    ['netconf', 'ping', 'ssh', ...(full ? ['ike'] : []), ...(link.address === 'dhcp' ? ['dhcp'] : [])]));
  const zone = (name: string, content: string) => ({ name, xml: `<security-zone>${named(name)}${content}</security-zone>` });
  const list = [zone('untrust', wan.join(''))];
  if (full) {
    list.push(zone('vpn', systemServices(['ping']) + byUnit(input.tunnels).map((t) => zoneInterface(`st0.${t.unit}`)).join('')));
    for (const department of [...new Set(input.lanSegments.map(departmentZone))]) {
      const segments = byVlan(input.lanSegments.filter((s) => departmentZone(s) === department));
      list.push(zone(department, systemServices(segments.some((s) => s.dhcp) ? ['dhcp', 'ping'] : ['ping'])
        + segments.map((s) => zoneInterface(`irb.${s.vlanId}`)).join('')
        + `<advance-policy-based-routing-profile>${leaf('profile', steeringProfile)}</advance-policy-based-routing-profile>`));
    }
  }
  return `<zones>${byName(list).map((z) => z.xml).join('')}</zones>`;
}

function security(input: DeviceConfigInput, full: boolean): string {
  if (!full) return `<security>${zones(input, false)}</security>`;
  const apbr = input.lanSegments.length > 0 ? `<advance-policy-based-routing><profile>${named(steeringProfile)}</profile></advance-policy-based-routing>` : '';
  return `<security>${tunnelSecurity(input.tunnels, input.wanLinks)}${zones(input, true)}${apbr}</security>`;
}

// ---- policies -----------------------------------------------------------------------------

/** Intent application names as Junos's predefined applications (`junos-…`); "any" is any. */
const firewallApplications: Record<string, string> = {
  any: 'any', dns: 'junos-dns-udp', http: 'junos-http', https: 'junos-https', ssh: 'junos-ssh', ping: 'junos-icmp-ping', icmp: 'junos-icmp-all',
  sip: 'junos-sip', ntp: 'junos-ntp', smtp: 'junos-smtp', ftp: 'junos-ftp', rdp: 'junos-rdp', telnet: 'junos-telnet',
};
const firewallApplication = (name: string) => firewallApplications[name.toLowerCase()] ?? (name.startsWith('junos-') ? name : `junos-${name.toLowerCase()}`);

/** A firewall rule as a Junos security policy: any source and destination (the intent names none), its applications, its action, logged at session close. */
function firewallRule(rule: FirewallRuleConfig): string {
  const applications = [...new Set(rule.applications.map(firewallApplication))].sort();
  const match = `${leaf('source-address', 'any')}${leaf('destination-address', 'any')}${(applications.length > 0 ? applications : ['any']).map((a) => leaf('application', a)).join('')}`;
  return `<policy>${named(rule.name)}<match>${match}</match><then><${rule.action}/>${rule.log ? '<log><session-close/></log>' : ''}</then></policy>`;
}

/** Security policies by zone pair (Junos's from-zone-name/to-zone-name context), each with its rules by name. */
function securityPolicies(rules: FirewallRuleConfig[]): string {
  const pairs = new Map<string, { from: string; to: string; rules: FirewallRuleConfig[] }>();
  for (const rule of rules) {
    const [from, to] = [zoneOf(rule.from), zoneOf(rule.to)];
    const key = `${from}\u0000${to}`;
    if (!pairs.has(key)) pairs.set(key, { from, to, rules: [] });
    pairs.get(key)!.rules.push(rule);
  }
  return [...pairs.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
    .map((pair) => `<policy>${leaf('from-zone-name', pair.from)}${leaf('to-zone-name', pair.to)}${byName(pair.rules).map(firewallRule).join('')}</policy>`).join('');
}

/** Intent applications as AppID's dynamic applications (`junos:SIP`). */
const dynamicApplication = (name: string) => (name.includes(':') ? name : `junos:${name.toUpperCase()}`);
const byPriority = (rules: AppSteeringConfig[]) => [...rules].sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100) || a.name.localeCompare(b.name));
/** APBR rule names are at most 63 characters. */
const apbrRuleName = (policy: string, link: string) => `${policy.slice(0, 62 - link.length)}-${link}`;

/** Central breakout's candidates, in order: the hub paths, then its preferred WAN links (fallback); local breakout's, its links. */
const candidatesOf = (rule: AppSteeringConfig, hubPaths: HubPathConfig[]) =>
  (rule.breakout === 'central' ? [...hubPaths.map((p) => p.name), ...rule.preferredLinks] : rule.preferredLinks);

/**
 * Application steering as APBR, what each intent field becomes:
 * - applications → per link they take now, a rule `<policy>-<link>` of the department zones'
 *   profile matching them (`match dynamic-application`), leading to the link's forwarding instance
 *   (`then routing-instance wan-<link>`, stage 2). An application takes the link steering chose
 *   for it (activeLinks), else the first preferred link. Rules go by priority: an application
 *   that an earlier policy steers is left out of the later ones (APBR matches the first rule);
 * - the SLA → a metrics profile of the policy's name: `sla-threshold` delay-round-trip and
 *   jitter in microseconds, packet-loss in percent (1 to 100), `match any-one | all`. Branchline
 *   measures and decides centrally (RPM probes, the steering workflow), so no AppQoE sla-rule
 *   refers to it: AppQoE's own probing needs AppQoE on both ends of an overlay path;
 * - breakout central → the same rules, leading to a hub path's forwarding instance (`hub-<hub>`,
 *   its default route into the tunnel toward the hub: hubInstances), by default the first hub's;
 *   the preferred WAN links are the fallback when the hubs' paths break the SLA. With no hub path,
 *   no rule: the application stays in the default table. Its metrics profile records the SLA.
 */
function steering(rules: AppSteeringConfig[], hubPaths: HubPathConfig[]): string {
  const metrics = byName(rules).map((rule) => `<metrics-profile>${named(rule.name)}<sla-threshold>`
    + `<delay-round-trip>${leaf('delay-val', rule.maxLatencyMs * 1000)}</delay-round-trip><jitter>${leaf('jitter-val', rule.maxJitterMs * 1000)}</jitter>`
    + `<packet-loss>${leaf('loss', Math.min(100, Math.max(1, Math.round(rule.maxLossPermille / 10))))}</packet-loss>`
    + `<match>${leaf('sla_match', rule.match === 'all' ? 'all' : 'any-one')}</match>`
    + '</sla-threshold></metrics-profile>');
  const steered = new Set<string>();
  const hubPathNames = new Set(hubPaths.map((p) => p.name));
  const apbrRules = byPriority(rules).filter((rule) => (rule.breakout === 'local' || hubPaths.length > 0) && candidatesOf(rule, hubPaths).length > 0).flatMap((rule) => {
    const candidates = candidatesOf(rule, hubPaths);
    const byLink = new Map<string, string[]>();
    for (const application of [...new Set(rule.applications.map(dynamicApplication))].sort()) {
      if (steered.has(application)) continue;
      steered.add(application);
      const link = rule.activeLinks?.[application] ?? candidates[0]!;
      byLink.set(link, [...(byLink.get(link) ?? []), application]);
    }
    return [...byLink].sort(([a], [b]) => candidates.indexOf(a) - candidates.indexOf(b) || a.localeCompare(b)).map(([link, applications]) =>
      `<rule>${named(apbrRuleName(rule.name, link))}<match>${applications.map((a) => leaf('dynamic-application', a)).join('')}</match>`
      + `<then><routing-instance>${leaf('routing-instance-name', hubPathNames.has(link) ? link : linkInstance(link))}</routing-instance></then></rule>`);
  });
  return `<profile>${named(steeringProfile)}${apbrRules.join('')}</profile>${metrics.join('')}`;
}

/**
 * The steering's thresholds on each probed link's RPM test (`probe <link> test sla`): the
 * strictest round trip and jitter of the policies that may steer onto the link, in microseconds,
 * and as `total-loss` the probes of a test that may be lost (at least one); with traps when they
 * are crossed. A link no policy steers onto has its thresholds removed.
 */
function probeThresholds(rules: AppSteeringConfig[], probedLinks: string[], hubProbes = ''): string {
  const probes = [...probedLinks].sort().map((link) => {
    const steering = rules.filter((rule) => rule.breakout === 'local' && rule.preferredLinks.includes(link));
    return `<probe>${named(link)}<test>${named('sla')}${slaThresholds(steering)}</test></probe>`;
  });
  return element('services', element('rpm', probes.join('') + hubProbes));
}

/** The thresholds of the strictest of `rules` on a probe's SLA test, with the traps it sends when crossed; none: removed. */
function slaThresholds(rules: AppSteeringConfig[]): string {
  if (rules.length === 0) return '<thresholds nc:operation="remove"/>';
  return `<thresholds nc:operation="replace">${leaf('total-loss', Math.max(1, Math.min(...rules.map((r) => Math.ceil((r.maxLossPermille * probeCount) / 1000)))))}`
    + `${leaf('rtt', Math.min(...rules.map((r) => r.maxLatencyMs * 1000)))}${leaf('jitter-rtt', Math.min(...rules.map((r) => r.maxJitterMs * 1000)))}</thresholds>`
    + ['jitter-exceeded', 'rtt-exceeded', 'test-failure'].map((trap) => leaf('traps', trap)).join('');
}

/**
 * Each hub path: its forwarding instance, whose default route leads into the tunnel toward the hub
 * (what central breakout's APBR rules lead applications into), and its RPM probe (`probe
 * hub-<hub> test sla`, ICMP to the hub's tunnel address through the tunnel) with the thresholds of
 * the central policies. Merged: a path left out later stays, unused, until its tunnel goes.
 */
function hubInstances(hubPaths: HubPathConfig[], rules: AppSteeringConfig[]): { probes: string; instances: string } {
  const central = rules.filter((rule) => rule.breakout === 'central');
  const sorted = byName(hubPaths);
  return {
    probes: sorted.map((path) => `<probe>${named(path.name)}${slaTest(path.target, `st0.${path.unit}`, slaThresholds(central))}</probe>`).join(''),
    instances: element('routing-instances', sorted.map((path) => `<instance>${named(path.name, leaf('instance-type', 'forwarding'))}`
      + `<routing-options><static><route>${named('0.0.0.0/0', `<qualified-next-hop>${named(`st0.${path.unit}`)}</qualified-next-hop>`)}</route></static></routing-options></instance>`).join('')),
  };
}

export const junosRenderer: DeviceConfigRenderer = {
  stage1: (input) => `<configuration>${system(input, false)}${security(input, false)}${interfaces(input, false)}${routingOptions(input.wanLinks)}</configuration>`,
  stage2: (input) => `<configuration>${system(input, true)}${rpmProbes(input)}${security(input, true)}${interfaces(input, true)}`
    + `${routingOptions(input.wanLinks)}${routingInstances(input.wanLinks)}${vlans(input.lanSegments)}${access(input)}</configuration>`,

  tunnel(tunnel, wanLinks) {
    const edit = (operation: string) => {
      const op = operation ? ` nc:operation="${operation}"` : '';
      return `<configuration xmlns:nc="${netconfNs}">`
        + `<security>${tunnelSecurity([tunnel], wanLinks, op)}<zones><security-zone>${named('vpn')}${zoneInterface(`st0.${tunnel.unit}`, [], op)}</security-zone></zones></security>`
        + `<interfaces><interface>${named('st0')}${tunnelUnit(tunnel, op)}</interface></interfaces>`
        + '</configuration>';
    };
    return { add: edit(''), remove: edit('remove') };
  },

  factoryDefault: () => '<configuration/>',

  loginUsers,

  policies(input) {
    // The zones the rules (and NAT rule sets) name exist on every device the policies go to: a
    // device without that department (a secondary CPE) has it empty, which Junos accepts.
    const ruleZones = [...new Set(input.intent
      ? [...input.intent.policies.flatMap((rule) => [rule.fromZone, rule.toZone]), ...input.intent.sourceNat.flatMap((set) => [set.zone, 'untrust']),
        ...(input.intent.staticNat.length + input.intent.portForwards.length > 0 ? ['untrust'] : [])]
      : input.firewall.flatMap((rule) => [zoneOf(rule.from), zoneOf(rule.to)]))].sort();
    const zoneList = ruleZones.map((zone) => `<security-zone>${named(zone)}</security-zone>`).join('');
    const hubs = hubInstances(input.hubPaths ?? [], input.steering);
    return `<configuration xmlns:nc="${netconfNs}">${probeThresholds(input.steering, input.probedLinks ?? [], hubs.probes)}<security>`
      + (input.intent ? intentSecurity(input.intent) : `<policies nc:operation="replace">${securityPolicies(input.firewall)}</policies>`)
      + element('zones', zoneList)
      + `<advance-policy-based-routing nc:operation="replace">${steering(input.steering, input.hubPaths ?? [])}</advance-policy-based-routing>`
      + `</security>${hubs.instances}</configuration>`;
  },
};

// ---- access -------------------------------------------------------------------------------

/** The address pool a segment's DHCP server leases from: its hosts after the gateway (its first), the gateway as router. */
function addressPool(segment: LanSegmentConfig, dnsServers: string[]): string {
  const address = parseIpv4Prefix(segment.gateway)!.address;
  const { first: network, last, length } = ipv4Network(segment.gateway)!;
  const gateway = formatIpv4(address);
  const attributes = dnsServers.map((server) => `<name-server>${named(server)}</name-server>`).join('') + `<router>${named(gateway)}</router>`;
  return `<pool>${named(segment.name)}<family><inet>${leaf('network', `${formatIpv4(network)}/${length}`)}`
    + `<range>${named('hosts')}${leaf('low', formatIpv4(address + 1))}${leaf('high', formatIpv4(last - 1))}</range>`
    + `<dhcp-attributes>${attributes}</dhcp-attributes></inet></family></pool>`;
}

function access(input: DeviceConfigInput): string {
  const segments = servesDhcp(input);
  return element('access', element('address-assignment', segments.map((s) => addressPool(s, input.dnsServers ?? [])).join('')));
}
