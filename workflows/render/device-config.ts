// Device configuration rendered from the inventory: pure functions, one renderer per platform,
// stable output (everything sorted, nothing from the clock). Onboarding pushes stage 1 (enough
// to manage the box) and then stage 2 (the whole branch: LAN, tunnels, zones).
export interface WanLinkConfig {
  name: string;
  interfaceName: string;
  /** A static address with its prefix length, or DHCP from the provider. */
  address: string | 'dhcp';
}

export interface LanSegmentConfig {
  name: string;
  vlanId: number;
  /** The device's address in the segment, with its prefix length (the segment's gateway). */
  gateway: string;
  dhcp: boolean;
  department?: string;
}

export interface TunnelConfig {
  /** The peer's name (a hub or a mesh peer). */
  name: string;
  /** st0 unit. */
  unit: number;
  /** The peer's public address. */
  peer: string;
  /** This end's tunnel address with its prefix length. */
  localAddress: string;
  /** The WAN link the tunnel rides on. */
  viaLink: string;
}

/** One firewall rule between two zones; "internet" is the WAN side, "corporate" the overlay. */
export interface FirewallRuleConfig {
  /** Unique on the device: the policy's and the rule's name. */
  name: string;
  from: string;
  to: string;
  applications: string[];
  action: 'permit' | 'deny' | 'reject';
  log: boolean;
}

/** Application steering: which WAN links an application prefers and the SLA it needs. */
export interface AppSteeringConfig {
  name: string;
  applications: string[];
  preferredLinks: string[];
  maxLatencyMs: number;
  maxJitterMs: number;
  maxLossPermille: number;
  breakout: 'local' | 'central';
}

export interface DeviceConfigInput {
  hostname: string;
  /** The device's loopback, /32. */
  loopback: string;
  wanLinks: WanLinkConfig[];
  lanSegments: LanSegmentConfig[];
  tunnels: TunnelConfig[];
}

export interface PolicyConfigInput {
  firewall: FirewallRuleConfig[];
  steering: AppSteeringConfig[];
}

export interface DeviceConfigRenderer {
  /** Management only: host name, loopback and WAN interfaces, so the orchestrator keeps reaching it. */
  stage1(input: DeviceConfigInput): string;
  /** Everything: stage 1 plus LAN segments, tunnels and security zones. */
  stage2(input: DeviceConfigInput): string;
  /** One tunnel on a device that has others (a hub, a mesh peer): what to merge, and what removes it again exactly. */
  tunnel(tunnel: TunnelConfig, wanLinks: WanLinkConfig[]): { add: string; remove: string };
  /** Nothing configured: what a device has from the factory (and phones home with again). */
  factoryDefault(): string;
  /** The firewall and steering policies, replacing whatever policies the device had. */
  policies(input: PolicyConfigInput): string;
}
