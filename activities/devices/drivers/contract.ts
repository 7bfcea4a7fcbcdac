// The vendor-neutral driver contract (STYLE: napalm's habit). Workflows and activities speak
// only this; a driver per device family speaks NETCONF and SNMP underneath.
import type { NetconfSessionPool } from '../netconf/pool.ts';
import type { SnmpClient, SnmpV3User } from '../snmp.ts';
import type { TunnelConfig } from '../../../domain/render/device-config.ts';

/**
 * Whose accounts a device ends with when a configuration replaces its own: the configuration's
 * where it names them (a replacement box given the old one's), or the ones it runs (a version
 * restored, which must not bring back a login rotated away nor lose the one Branchline uses).
 */
export type DeviceAccounts = 'configuration' | 'running';

/** How to reach one device, as the inventory records it. */
export interface DeviceConnection {
  serial: string;
  platform: string;
  host: string;
  netconfPort: number;
  snmpPort: number;
  username: string;
  /** NETCONF over SSH logs in with the password, or with the private key when there is one. */
  password: string;
  /** An SSH private key (OpenSSH text) to log in with instead of the password, where the device takes one. */
  privateKey?: string;
  /** SNMPv2c's community; unused when the device is polled as an SNMPv3 user. */
  community: string;
  snmpV3?: SnmpV3User;
  /** The SSH host key on record; unset until first contact. */
  hostKeySha256?: string;
}

export interface DeviceFacts {
  serial: string;
  model: string;
  softwareVersion: string;
  hostName: string;
  uptimeSeconds: number;
  /** Room for new software, when the device reports it. */
  storageFreeBytes?: number;
  /** The SSH host key the device presented (to record on first contact). */
  hostKeySha256: string;
}

export interface InterfaceStatus {
  name: string;
  adminUp: boolean;
  operUp: boolean;
  /** The IPv4 addresses it holds, with their prefix lengths, when the device reports them. */
  addresses?: string[];
}

export interface ProbeResult {
  link: string;
  latencyMs: number;
  jitterMs: number;
  lossPermille: number;
  up: boolean;
}

/** A tunnel's security associations to one peer, as the device holds them. */
export interface SecurityAssociation {
  peer: string;
  ikeUp: boolean;
  /** IPsec SAs to that peer (both directions), and whether their block is up. */
  ipsecSas: number;
  ipsecUp: boolean;
}

export interface DeviceDriver {
  readonly connection: DeviceConnection;
  facts(): Promise<DeviceFacts>;
  /**
   * Interfaces with their state; with `names`, at least those (a driver may read only them, where
   * its device can be asked by name: a hub's table has a unit per spoke).
   */
  interfaces(options?: { names?: readonly string[] }): Promise<InterfaceStatus[]>;
  /** IKE and IPsec SAs by peer, where the device tells them (Junos); without it, a tunnel is judged by its interface. */
  securityAssociations?(): Promise<SecurityAssociation[]>;
  /**
   * WAN-link probe results (latency, jitter, loss), read over SNMP; `link` is the probe's owner, the
   * WAN link's name. `links`: the owners of the probes the device runs, when known: their results
   * are read exactly, rather than walked.
   */
  probes(options?: { links?: readonly string[] }): Promise<ProbeResult[]>;
  /**
   * The running configuration; with `scope` (a subtree filter, domain/config-delta.ts), only what
   * it selects, where the device's lists are keyed as the scope assumes (Junos).
   */
  runningConfig(options?: { scope?: string }): Promise<string>;
  /** The login users of the running configuration, by name (the factory's root account is not one). */
  loginUsers(): Promise<string[]>;
  /** The tunnels in the running configuration whose far end is `peer` (a device being replaced). */
  tunnelsTo(peer: string): Promise<TunnelConfig[]>;
  lock(): Promise<void>;
  unlock(): Promise<void>;
  /**
   * Loads configuration into the candidate; a load error discards the candidate before it throws.
   * A replace keeps the device's own accounts (root password, login users) where the configuration
   * names none; with `accounts: 'running'`, whatever it names of them.
   */
  loadCandidate(config: string, mode: 'merge' | 'replace', options?: { accounts?: DeviceAccounts }): Promise<void>;
  /** What committing the candidate would change ('' for nothing). */
  diff(): Promise<string>;
  discard(): Promise<void>;
  /**
   * Commits, to be reverted by the device unless confirmed in time. `persist` names the change,
   * so that any session can find and confirm it: RFC 6241's persist token, or where a device has
   * none (Junos), the commit's log message.
   */
  commitConfirmed(options: { confirmTimeoutSeconds: number; persist: string }): Promise<void>;
  confirm(persist: string): Promise<void>;
  /** Reverts a pending confirmed commit now. */
  rollback(persist: string): Promise<void>;
  /**
   * Whether the confirmed commit of the change `persist` still waits for its confirm. Asked
   * holding the lock: the candidate is discarded, and where the device can extend a pending
   * commit without committing again (RFC 6241), it is given `confirmTimeoutSeconds` more, so
   * the caller can check, then confirm. Another change's pending commit is a `lock-held` refusal.
   */
  pendingCommit(persist: string, confirmTimeoutSeconds: number): Promise<boolean>;
  /**
   * What became of the change `persist`'s confirmed commit, from the device's commit history:
   * never made, still pending, confirmed, rolled back by Branchline, or reverted by the device on
   * its own (no confirm came in time). Devices that keep no such history leave it out.
   */
  changeOutcome?(persist: string): Promise<ChangeOutcome>;
  /**
   * The newest commit in the device's commit history, cheaply (no configuration read): while it
   * stays the same the configuration has not changed. Devices that keep no history leave it out.
   */
  newestCommit?(): Promise<CommitSummary | undefined>;
  /** The device's commit history, newest first, as newestCommit summarises each (devices without history leave it out). */
  recentCommits?(): Promise<CommitSummary[]>;
  /**
   * Copies the image to the device, checks its sha256 there and installs it; the device reboots
   * unless told not to. With `sizeBytes`, a device without room for it is refused before the copy.
   * Given the image's `version`, an install of it already running or done (pending the next boot)
   * is not repeated: a retry overlapping an install installs nothing more.
   */
  installImage(input: { url: string; sha256: string; reboot: boolean; sizeBytes?: number; version?: string }): Promise<{ version: string }>;
  /**
   * Junos's software rollback: withdraws a pending install, or else makes the previous software
   * the next to boot; answers the version that boots next. Reboots into it unless told not to.
   */
  rollbackImage(options?: { reboot: boolean }): Promise<{ version: string }>;
  reboot(): Promise<void>;
  /** A universal CPE's VNF host; absent where the platform hosts none. */
  readonly vnfHost?: VnfHostOperations;
}

import type { ServiceChainPath } from '../../../domain/network-service.ts';

/** A VNF as its host reports it. */
export interface HostedVnf {
  name: string;
  /** booting, running, crashed, shutdown, error… as the host says it. */
  state: string;
  /** The host's liveliness probe: the guest's process is alive. */
  up: boolean;
  /** The guest's management address. */
  address: string;
  image: string;
  vcpus: number;
  memoryKiB: number;
  /** Why it is in error. */
  error?: string;
}

export interface VnfHostReport {
  vnfs: HostedVnf[];
  host: { cores: number; coresUsed: number; memoryKiB: number; memoryUsedKiB: number; diskBytes: number; diskFreeBytes: number };
}

export interface VnfHostOperations {
  report(): Promise<VnfHostReport>;
  /** Copies the image to `path` and checks its sha256 there; one that is there already, whole, is not copied again. */
  copyImage(input: { url: string; path: string; sha256: string }): Promise<{ copied: boolean }>;
  request(name: string, action: 'start' | 'stop' | 'restart'): Promise<void>;
  /** Removes the image unless a VNF of the host still uses it. */
  deleteImageIfUnused(path: string): Promise<{ deleted: boolean }>;
  /** The path a flow entering on `vlan` takes through the chained VNFs, as the host reports it. */
  servicePath(vlan: string): Promise<ServiceChainPath>;
}

export interface CommitSummary {
  /** Names this commit among the device's commits (its time, user, client and log). */
  marker: string;
  user: string;
  /** 'cli', 'netconf', or 'other' for the device's own commits. */
  client: string;
  log: string;
  /** When it was committed (ISO 8601), by the device's clock. */
  at: string | null;
}

export type ChangeOutcome = 'none' | 'pending' | 'confirmed' | 'rolled-back' | 'reverted-by-device';

export interface Transports {
  netconf: NetconfSessionPool;
  snmp: SnmpClient;
}

export type DriverFactory = (connection: DeviceConnection, transports: Transports) => DeviceDriver;
