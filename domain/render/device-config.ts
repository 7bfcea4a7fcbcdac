// Device configuration rendered from the inventory: pure functions, one renderer per platform,
// stable output (everything sorted, nothing from the clock). Onboarding pushes stage 1 (enough
// to manage the box: its WAN links addressed and routed) and then stage 2 (the whole branch:
// LAN with its DHCP servers, tunnels, zones).
export interface WanLinkConfig {
  name: string;
  interfaceName: string;
  /** A static address with its prefix length, DHCP from the provider, or negotiated by the PPPoE session `pppoe` describes. */
  address: string | 'dhcp' | 'pppoe';
  /** A static address's gateway: the next hop of the default route over this link. */
  gateway?: string;
  /** The DNS servers a provider gave with a static address. */
  dnsServers?: string[];
  pppoe?: PppoeConfig;
  /** The default route over a backup-only link is preferred less. */
  backupOnly?: boolean;
}

/** A PPPoE session over the link's port, on its own logical unit (Junos: pp0.<unit>). */
export interface PppoeConfig {
  unit: number;
  username: string;
  authentication: 'chap' | 'pap';
  /** A secret reference (`secretReference`), never the password: the device activity fills it in. */
  passwordSecret: string;
}

/** The interface that shows a WAN link up: its port, or the pp0 unit its PPPoE session comes up on. */
export function wanLinkInterface(link: WanLinkConfig): string {
  return link.pppoe ? `pp0.${link.pppoe.unit}` : link.interfaceName;
}

/**
 * Stands for a secret in rendered configuration. Configurations cross workflow histories and the
 * configuration versions on record, so they name secrets; the device activity replaces each name
 * with the secret on its way to the device, and names it again in what it reads back.
 */
export function secretReference(name: string): string {
  return `$secret{${name}}`;
}

/** The secret references in a configuration, as `secretReference` writes them. */
export const secretReferencePattern = /\$secret\{([^}<>]+)\}/g;

export interface LanSegmentConfig {
  name: string;
  vlanId: number;
  /** The device's address in the segment, with its prefix length (the segment's gateway). */
  gateway: string;
  /** The device serves DHCP in the segment: the rest of its addresses, with the gateway as router. */
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
  /** AppID signatures (`junos:SIP`); a bare name (`sip`) is taken as `junos:SIP`. */
  applications: string[];
  /** The links of the policy's preferred types, most preferred first (central breakout: its fallback from the hubs). */
  preferredLinks: string[];
  /**
   * The link (or, central breakout, hub path) each application takes now, as SLA steering chose it
   * (domain/sla.ts chooseLink); an application not named here takes the first preferred link, or
   * for central breakout the first hub path.
   */
  activeLinks?: Record<string, string>;
  /** Round trip. */
  maxLatencyMs: number;
  maxJitterMs: number;
  maxLossPermille: number;
  /** Violated when any threshold is crossed (the default), or only when all are. */
  match?: 'any' | 'all';
  breakout: 'local' | 'central';
  /** Lower first: an application two policies name is steered by the first. */
  priority?: number;
}

export interface DeviceConfigInput {
  hostname: string;
  /** The device's loopback, /32. */
  loopback: string;
  wanLinks: WanLinkConfig[];
  /** The site's DNS servers (from its static WAN links): the box's own, and those its DHCP servers hand out. */
  dnsServers?: string[];
  lanSegments: LanSegmentConfig[];
  tunnels: TunnelConfig[];
}

/**
 * A device's path to a hub over the overlay, which central breakout sends applications by: the
 * tunnel (st0 unit) toward the hub, and the hub's end of that tunnel, which the path's probe aims at.
 */
export interface HubPathConfig {
  /** Its name on the device (`hub-<hub's hostname>`): its RPM probe's owner and its forwarding instance. */
  name: string;
  /** The st0 unit of the tunnel. */
  unit: number;
  /** The hub's tunnel address. */
  target: string;
}

export interface PolicyConfigInput {
  firewall: FirewallRuleConfig[];
  steering: AppSteeringConfig[];
  /**
   * The device's paths to its hubs, most preferred hub first: central breakout sends its
   * applications by the first (then the others, then its preferred WAN links as fallback).
   * None: central breakout leaves its applications in the default table.
   */
  hubPaths?: HubPathConfig[];
  /**
   * The WAN links the device has an RPM probe for (domain/site-plan.ts probedLinks): their probes
   * get the steering's thresholds. Absent: the probes are left as they are.
   */
  probedLinks?: string[];
  /**
   * A tenant's compiled intent (domain/intent-compile.ts). When given, it is the device's whole
   * firewall: its security policies replace `firewall`'s, with the address book, NAT and UTM
   * policies it names; without it those parts of the device are left as they are.
   */
  intent?: IntentPolicyConfig;
}

/** One security policy of a zone pair, in the order the intent gives it (Junos matches the first). */
export interface IntentSecurityPolicy {
  /** Unique on the device. */
  name: string;
  fromZone: string;
  toZone: string;
  /** Address-book names; empty: any. */
  sourceAddresses: string[];
  destinationAddresses: string[];
  /** Junos applications (`junos-http`); empty with no dynamic ones: any. */
  applications: string[];
  /** AppID signatures (`junos:SIP`). */
  dynamicApplications: string[];
  action: 'permit' | 'deny' | 'reject';
  log: boolean;
  /** The UTM policy (render: `utm-policy`) and IDP policy that inspect what it permits. */
  utmPolicy?: string;
  idpPolicy?: string;
}

/** What a tenant's intent becomes on one device: all of it sorted or in intent order, nothing from the clock. */
export interface IntentPolicyConfig {
  addresses: { name: string; prefix: string }[];
  addressSets: { name: string; members: string[] }[];
  policies: IntentSecurityPolicy[];
  /** UTM policies of the feature profiles the devices hold, by reference. */
  utmPolicies: { name: string; antivirus?: string; webFiltering?: string; contentFiltering?: string }[];
  /** Local breakout: traffic from these zones to the Internet leaves with the WAN interface's address; rules by name within a zone. */
  sourceNat: { zone: string; rules: string[] }[];
  staticNat: { name: string; internal: string; external: string }[];
  portForwards: { name: string; external: string; protocol: 'tcp' | 'udp'; externalPort: number; internal: string; internalPort: number }[];
}

/** A login user Branchline logs in as (`system login user`), in the super-user class. */
export interface LoginUserConfig {
  name: string;
  /**
   * How it authenticates: a SHA-512-crypt hash (`encrypted-password`) or an SSH public key
   * (`ssh-ed25519`), given as a secret reference (`secretReference`) that the device activity fills in.
   */
  authentication: { kind: 'encrypted-password' | 'ssh-ed25519'; secret: string };
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
  /** A login user to add (or give new authentication), and what removes the users named. */
  loginUsers: { add(user: LoginUserConfig): string; remove(names: string[]): string };
}
