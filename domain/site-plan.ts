// What onboarding (and decommissioning, and replacing a device) needs to know about a site, as
// plain data read once from the inventory (no Prisma rows cross the workflow boundary), and the
// pure functions that turn it and its allocations into each device's configuration and each
// peer's side of the tunnels.
import { formatIpv4, parseIpv4Prefix } from './ipv4.ts';
import type { PostCheck } from './post-checks.ts';
import { wanLinkInterface, type DeviceConfigInput, type HubPathConfig, type PolicyConfigInput, type TunnelConfig, type WanLinkConfig } from './render/device-config.ts';

export type DeviceRole = 'primary' | 'secondary';

/** What one of the site's devices needs: its loopback, and a tunnel to each peer (hub or mesh peer). */
export interface DeviceTunnelPlan {
  role: 'primary' | 'secondary';
  peerSiteIds: string[];
}

export interface TunnelAllocation {
  peerSiteId: string;
  /** The /30 of the tunnel: this device takes the first host, the peer the second. */
  subnet: string;
  localAddress: string;
  peerAddress: string;
  /** The st0 unit on the peer's device, unique there. */
  peerUnit: number;
  /** The st0 unit on this device, unique here. */
  localUnit: number;
}

export interface DeviceAllocations {
  role: 'primary' | 'secondary';
  /** The device's loopback, /32. */
  loopback: string;
  tunnels: TunnelAllocation[];
}

/** How activities reach a device; credentials come from the worker's configuration, never from history. */
export interface DeviceTarget {
  deviceId: string;
  serial: string;
  platform: string;
  host: string;
  netconfPort: number;
  snmpPort: number;
  hostKeySha256?: string;
}

export interface PlannedDevice {
  id: string;
  role: DeviceRole;
  hostname: string;
  model: string;
  platform: string;
  /** Unknown until the box ships (or phones home and is assigned). */
  serial: string | null;
  status: string;
  /** Known once the box has phoned home. */
  target: DeviceTarget | null;
  softwareVersion: string | null;
  wanLinks: WanLinkConfig[];
  /** The names of the links that are not backup-only, in order: tunnels ride these. */
  primaryLinks: string[];
  /** Its paths to the site's hubs over its tunnels, primary hub first (central breakout's); none before its tunnels are allocated. */
  hubPaths?: HubPathConfig[];
}

/** The device at the other end of the site's tunnels: a hub's or a mesh peer's primary device. */
export interface PeerDevice {
  siteId: string;
  siteName: string;
  /** For hubs. */
  priority?: 'primary' | 'secondary';
  hostname: string;
  target: DeviceTarget;
  wanLinks: WanLinkConfig[];
  primaryLinks: string[];
}

export interface TargetImage {
  model: string;
  version: string;
  sha256: string;
}

export interface SitePlan {
  siteId: string;
  tenantId: string;
  name: string;
  role: 'spoke' | 'hub';
  status: string;
  topology: 'hub_and_spoke' | 'full_mesh' | 'partial_mesh';
  devices: PlannedDevice[];
  lanSegments: { name: string; vlanId: number; prefix: string; dhcp: boolean; department: string | null }[];
  peers: PeerDevice[];
  policies: PolicyConfigInput;
  /** The tenant's target software per model. */
  targetImages: TargetImage[];
}

/** A WAN link as the inventory models it: its port and how it gets its address. */
export interface WanLinkPlan {
  name: string;
  interfaceName: string;
  backupOnly: boolean;
  addressing:
    | { mode: 'dhcp' }
    | { mode: 'static'; address: string; gateway: string; dnsServers: string[] }
    /** The password as a secret reference (render/device-config.ts), never itself. */
    | { mode: 'pppoe'; username: string; authentication: 'chap' | 'pap'; passwordSecret: string };
}

/** The other end of some of a site's tunnels: a hub's or a mesh peer's device. */
export interface FarEnd {
  siteId: string;
  target: DeviceTarget;
  hostname: string;
  primaryLinks: string[];
  /** The tunnels as configured on the far end (its units, the near device as their peer). */
  tunnels: TunnelConfig[];
  /** The same tunnels' units on the near device. */
  localUnits: number[];
}

/** A tunnel removed from a far end when its device was replaced, kept to restore it. */
export interface RemovedTunnel extends TunnelConfig {
  farSerial: string;
}

/** What decommissioning undoes. */
export interface DecommissionPlan {
  siteId: string;
  tenantId: string;
  name: string;
  status: string;
  devices: { id: string; hostname: string; target: DeviceTarget | null }[];
  /** The other ends of the site's tunnels, with the tunnels as they are configured there. */
  peers: { target: DeviceTarget; hostname: string; tunnels: TunnelConfig[] }[];
}

/** What replacing a device (RMA) needs. */
export interface RmaPlan {
  tenantId: string;
  siteId: string;
  siteName: string;
  siteStatus: string;
  siteRole: 'hub' | 'spoke';
  device: { id: string; hostname: string; role: DeviceRole; model: string; platform: string; status: string; serial: string | null; target: DeviceTarget | null };
  farEnds: FarEnd[];
  /** What an earlier replacement of this device removed from the far ends, should they hold nothing now. */
  previousFarTunnels: RemovedTunnel[];
  /** What must be up on the replacement: its WAN links, LAN gateways and tunnels. */
  checks: PostCheck[];
  /** The site's policies as the device carries them (devicePolicies). */
  policies: PolicyConfigInput;
  targetImage?: TargetImage;
}

/** A device's WAN links as its configuration has them: PPPoE sessions take pp0 units 0, 1, … in the order of their ports. */
export function wanLinkConfigs(links: WanLinkPlan[]): WanLinkConfig[] {
  const sessions = links.filter((link) => link.addressing.mode === 'pppoe').map((link) => link.interfaceName).sort();
  return links.map(({ name, interfaceName, backupOnly, addressing }): WanLinkConfig => {
    switch (addressing.mode) {
      case 'dhcp':
        return { name, interfaceName, address: 'dhcp' };
      case 'static':
        return { name, interfaceName, address: addressing.address, gateway: addressing.gateway, dnsServers: addressing.dnsServers, backupOnly };
      case 'pppoe':
        return {
          name, interfaceName, address: 'pppoe',
          pppoe: { unit: sessions.indexOf(interfaceName), username: addressing.username, authentication: addressing.authentication, passwordSecret: addressing.passwordSecret },
        };
    }
  });
}

/** What shows WAN links up on their device: each port, or each PPPoE session's pp0 unit; a static link with its address. */
export function wanLinkChecks(links: WanLinkConfig[]): PostCheck[] {
  return links.map((link) => ({
    kind: 'interface-up' as const,
    interface: wanLinkInterface(link),
    ...(link.address !== 'dhcp' && link.address !== 'pppoe' ? { address: link.address } : {}),
  }));
}

/** What shows a device's tunnels carrying traffic: the SAs to each peer (its st0 unit where none are told). */
export function tunnelChecks(tunnels: Pick<TunnelConfig, 'peer' | 'unit'>[]): PostCheck[] {
  return tunnels.map((tunnel) => ({ kind: 'tunnel-up' as const, peer: tunnel.peer, interface: `st0.${tunnel.unit}` }));
}

/** The site's DNS servers, from its static WAN links in order: the boxes use them and hand them to DHCP clients. */
export function siteDnsServers(plan: Pick<SitePlan, 'devices'>): string[] {
  return [...new Set(plan.devices.flatMap((device) => device.wanLinks.flatMap((link) => link.dnsServers ?? [])))];
}

/** The gateway of a LAN prefix: its first host, with the prefix length. */
export function gatewayOf(prefix: string): string {
  const { address, length } = parseIpv4Prefix(prefix)!;
  return `${formatIpv4(address + 1)}/${length}`;
}

/** The link a tunnel rides: the peers take the device's non-backup links in turn. */
const linkFor = (links: string[], index: number) => links[index % Math.max(links.length, 1)] ?? 'wan';

/** Each device's own units: 1, 2, … in the order of its tunnels (peers sorted by site id). */
export function deviceConfigInput(plan: SitePlan, device: PlannedDevice, allocations: DeviceAllocations): DeviceConfigInput {
  const tunnels: TunnelConfig[] = allocations.tunnels.map((tunnel, index) => {
    const peer = plan.peers.find((p) => p.siteId === tunnel.peerSiteId)!;
    return {
      name: peer.hostname,
      unit: tunnel.localUnit,
      peer: peer.target.host,
      localAddress: tunnel.localAddress,
      viaLink: linkFor(device.primaryLinks, index),
    };
  });
  const dnsServers = siteDnsServers(plan);
  return {
    hostname: device.hostname,
    loopback: allocations.loopback,
    wanLinks: device.wanLinks,
    ...(dnsServers.length > 0 ? { dnsServers } : {}),
    lanSegments: device.role === 'primary' || plan.devices.length === 1
      ? plan.lanSegments.map((s) => ({ name: s.name, vlanId: s.vlanId, gateway: gatewayOf(s.prefix), dhcp: s.dhcp, department: s.department ?? undefined }))
      : [], // the secondary CPE carries WAN links and tunnels; the LAN gateways stay on the primary
    tunnels,
  };
}

/**
 * The site's policies as one device carries them: steering over the WAN links the device has
 * only. A secondary CPE holds other links than the primary, and a rule sending an application to
 * a link it lacks would name a routing instance it does not have, which Junos refuses at commit.
 */
export function devicePolicies(policies: PolicyConfigInput, device: Pick<PlannedDevice, 'wanLinks' | 'hubPaths'>): PolicyConfigInput {
  const hubPaths = device.hubPaths ?? [];
  const own = new Set([...device.wanLinks.map((link) => link.name), ...hubPaths.map((path) => path.name)]);
  return {
    ...policies,
    ...(hubPaths.length > 0 ? { hubPaths } : {}),
    steering: policies.steering.flatMap(({ activeLinks, ...rule }) => {
      const preferredLinks = rule.preferredLinks.filter((link) => own.has(link));
      const active = activeLinks && Object.entries(activeLinks).filter(([, link]) => own.has(link));
      if (preferredLinks.length === 0 && (rule.breakout === 'local' || hubPaths.length === 0)) return [];
      return [{ ...rule, preferredLinks, ...(active && active.length > 0 ? { activeLinks: Object.fromEntries(active) } : {}) }];
    }),
  };
}

/** A device's path to a hub: named after the hub's device (RPM owners are at most 32 characters). */
export const hubPathName = (hubHostname: string) => `hub-${hubHostname}`.slice(0, 32);

/** A device's path to a hub over its tunnel there: the tunnel's st0 unit on the device, and the hub's end of the tunnel (its /30 or its address). */
export const hubPath = (hubHostname: string, unit: number, hubEnd: string): HubPathConfig => ({ name: hubPathName(hubHostname), unit, target: hubEnd.split('/')[0]! });

/**
 * A device's paths to its site's hubs, from its allocations: what the plan gives once the tunnels
 * are stored (the plan of a site read before its allocations has none), hubs in the plan's order.
 */
export function hubPathsFrom(plan: Pick<SitePlan, 'peers'>, allocation: DeviceAllocations): HubPathConfig[] {
  return plan.peers.filter((peer) => peer.priority).flatMap((hub) => {
    const tunnel = allocation.tunnels.find((t) => t.peerSiteId === hub.siteId);
    return tunnel ? [hubPath(hub.hostname, tunnel.localUnit, tunnel.peerAddress)] : [];
  });
}

/**
 * The WAN links a device's stage 2 gives an RPM probe: those a tunnel rides, a static link (by its
 * gateway), and any link when the site has DNS servers (render/junos.ts rpmProbes picks the
 * target in that order). Only these may take probe thresholds.
 */
export function probedLinks(plan: Pick<SitePlan, 'devices' | 'peers'>, device: PlannedDevice): string[] {
  const tunnelled = new Set(plan.peers.map((_, index) => linkFor(device.primaryLinks, index)));
  const resolvable = siteDnsServers(plan).length > 0;
  return device.wanLinks.filter((link) => resolvable || tunnelled.has(link.name) || (link.address !== 'dhcp' && link.address !== 'pppoe' && !!link.gateway))
    .map((link) => link.name).sort();
}

/** The peer's side of one tunnel: its unit, its address in the /30, and the site's device as its peer. */
export function peerTunnel(peer: PeerDevice, device: { hostname: string; target: DeviceTarget }, tunnel: TunnelAllocation, index: number): TunnelConfig {
  return {
    name: device.hostname,
    unit: tunnel.peerUnit,
    peer: device.target.host,
    localAddress: tunnel.peerAddress,
    viaLink: linkFor(peer.primaryLinks, index),
  };
}

/** Compares dotted versions such as 22.4R1 and 23.2R1.3 part by part, numbers as numbers. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[^0-9A-Za-z]+|(?<=\d)(?=[A-Za-z])|(?<=[A-Za-z])(?=\d)/).filter(Boolean);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i] ?? '', pb[i] ?? ''];
    const order = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}
