// One simulated branch router: identity, configuration (NETCONF), state and counters (SNMP),
// WAN links whose quality can be set, power, reboot, firmware install from a URL, factory
// reset, ZTP phone-home (with the activation code an installer typed in) and NETCONF Call Home.
import { createHash } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { keyFingerprint } from '../activities/devices/netconf/session.ts';
import { generateKeyPair } from '../runtime/ssh-key-pair.ts';
import { childText, elementChildren, escapeXml, serialize, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import { ConfigStore, StoreError } from './config-store.ts';
import { startNetconfServer, type ConfiguredLogin, type NetconfDevice, type NetconfFaults, type RpcServed, type RunningNetconfServer } from './netconf-server.ts';
import snmp from 'net-snmp';
import {
  chassisInventory, commitInformation, ikeSecurityAssociations, interfaceInformation, ipsecSecurityAssociations, probeResults, softwareInformation,
  systemStorageInformation, systemUptimeInformation, type SimTunnel,
} from './operational-rpcs.ts';
import { applicationPaths, type ApplicationPath } from './application-paths.ts';
import { managementTakenByNat, netconfPort } from './management-nat.ts';
import { impairmentActive, type Impairment, type ImpairmentShape, type ProbeNoise } from './impairments.ts';
import { measuredTests, rpmCollections, rpmTestsDeclared, rpmTestsOn, summarise, type DeclaredRpmTest, type RpmCollection, type RpmTest } from './rpm.ts';
import { notifications, rpmInstance, startSnmpAgent, type RunningSnmpAgent, type SimInterface, type SnmpView } from './snmp-agent.ts';
import { deviceModel } from '../domain/device-models.ts';
import { VnfHost, vnfImageDirectory } from './vnf-host.ts';

export interface DeviceIdentity {
  serial: string;
  model: string;
  address: string;
  snmpPort: number;
  netconfPort: number;
  community: string;
  username: string;
  password: string;
  snmpV3: { user: string; authKey: string; privKey: string };
  /** OpenSSH private host key. */
  hostKey: string;
}

export interface WanLinkState {
  name: string;
  interfaceName: string;
  latencyMs: number;
  jitterMs: number;
  lossPermille: number;
  cut: boolean;
  /** Set by the control API: how the link's quality changes from a moment on (impairments.ts). */
  impairment?: Impairment;
  /** How much each RPM test's figures vary around the link's quality. */
  noise?: ProbeNoise;
}

/** What survives a simulator restart (with --state-file). */
export interface DeviceState {
  identity: DeviceIdentity;
  softwareVersion: string;
  previousVersion: string | null;
  /** Installed, active at the next boot (absent in state files written before it existed). */
  pendingVersion?: string | null;
  running: string;
  links: WanLinkState[];
  powered: boolean;
  /** Typed in by the installer for ZTP; absent in state files written before it existed. */
  activationCode?: string;
}

/** The management credentials every device of a fleet answers to. */
export interface ManagementCredentials {
  username: string;
  password: string;
  community: string;
}

export interface DeviceOptions {
  /** How long a reboot keeps the device unreachable. */
  rebootMs: number;
  /** Where a factory-default device phones home (ZTP); none: it waits. */
  phoneHomeUrl?: string;
  phoneHomeIntervalMs: number;
  /** Call-home mode: dial this orchestrator address instead of listening on the NETCONF port. */
  callHome?: { host: string; port: number; retryMs: number };
  /** Where SNMPv2c traps go (linkDown, linkUp, RPM thresholds crossed); none: no traps. */
  trapReceiver?: { host: string; port: number };
  /** Whether a tunnel peer answers (another simulated device is up at that address). */
  peerIsUp: (address: string) => boolean;
  onChange: () => void;
  /** A universal CPE's guests: the loopback addresses their management interfaces get, and how long a guest boots. */
  vnfGuests?: { addresses: string[]; bootMs: number };
}

/** The statements at a path of the configuration (Junos's schema: `interfaces interface`, `security ike gateway`, …). */
function configuration(document: Document, ...path: string[]): Element[] {
  return path.reduce<Element[]>((found, name) => found.flatMap((e) => elementChildren(e).filter((c) => c.localName === name)),
    document.documentElement ? [document.documentElement] : []);
}

/** A unit's IPv4 addresses (`family inet address`), with their prefix lengths. */
const inetAddresses = (unit: Element) => ['family', 'inet', 'address']
  .reduce<Element[]>((found, name) => found.flatMap((e) => elementChildren(e).filter((c) => c.localName === name)), [unit])
  .map((address) => childText(address, 'name') ?? '');

const physicalInterfaces = ['ge-0/0/0', 'ge-0/0/1', 'ge-0/0/2', 'ge-0/0/3', 'dl0'];

export function defaultLinks(): WanLinkState[] {
  return [
    { name: 'wan0', interfaceName: 'ge-0/0/0', latencyMs: 18, jitterMs: 2, lossPermille: 0, cut: false },
    { name: 'wan1', interfaceName: 'ge-0/0/1', latencyMs: 32, jitterMs: 5, lossPermille: 2, cut: false },
    { name: 'lte', interfaceName: 'dl0', latencyMs: 65, jitterMs: 12, lossPermille: 8, cut: false },
  ];
}

export { generateKeyPair };

/** SNMPv3 keys follow the password, so one secret opens both protocols. */
const snmpV3For = (password: string): DeviceIdentity['snmpV3'] => ({ user: 'branchline', authKey: `auth-${password}`, privKey: `priv-${password}` });

export function newIdentity(input: Omit<DeviceIdentity, 'hostKey' | 'snmpV3'> & { snmpV3?: DeviceIdentity['snmpV3'] }): DeviceIdentity {
  return {
    ...input,
    snmpV3: input.snmpV3 ?? snmpV3For(input.password),
    hostKey: generateKeyPair().private,
  };
}

/** The same box (serial, address, host key) answering to other management credentials. */
export function withCredentials(identity: DeviceIdentity, credentials: ManagementCredentials): DeviceIdentity {
  return { ...identity, ...credentials, snmpV3: snmpV3For(credentials.password) };
}

/** A firmware image for the simulator: a header line naming model and version, then payload. */
export function simulatorImage(model: string, version: string): Buffer {
  return Buffer.concat([Buffer.from(`BRANCHLINE-SIM-IMAGE model=${model} version=${version}\n`), createHash('sha256').update(version).digest()]);
}

export function parseImageHeader(bytes: Buffer): { model: string; version: string } | undefined {
  const header = /^BRANCHLINE-SIM-IMAGE model=(\S+) version=(\S+)\n/.exec(bytes.subarray(0, 200).toString('latin1'));
  return header ? { model: header[1]!, version: header[2]! } : undefined;
}

/** Where a Junos box stages files (file copy) and the room it has there, as get-system-storage reports. */
const stagingDirectory = '/var/tmp/';

/** The far end's leg of a path over the overlay, beyond the branch's link (a hub in the same region). */
const overlayLegMs = 6;

/** How soon a box phones home once its activation code is typed in: benches and tests need not wait an interval. */
const phoneHomeSoonMs = 100;

export class SimulatedDevice implements NetconfDevice, SnmpView {
  readonly store: ConfigStore;
  readonly rpcsServed: RpcServed[] = [];
  readonly faults: NetconfFaults & {
    dropSnmp: boolean;
    failNextInstall: string | undefined;
    /** Bad firmware: running this version, the box's WAN interfaces stay down. */
    wanDownOnVersion: string | undefined;
    /** Room in /var (where /var/tmp is) before anything is staged there. */
    storageFreeBytes: number;
    /** How long `request system software add` runs before it answers (a real box takes minutes). */
    installMs: number;
    /**
     * Simulator-only, for tests: how long a minute of a Junos confirm-timeout lasts here (a real
     * box's is 60 s, and `<commit-configuration>` counts in whole minutes).
     */
    confirmMinuteMs: number;
  } = {
    replyDelayMs: 0, dropReplies: false, dropSnmp: false, failNextInstall: undefined, wanDownOnVersion: undefined, storageFreeBytes: 4 * 1024 ** 3, installMs: 0, confirmMinuteMs: 60_000,
  };
  /**
   * The interface the management path runs through, and its configuration when that was said: a
   * running configuration that changes it, or whose NAT takes the sessions arriving on it to an
   * inside host (management-nat.ts), cuts the path (NETCONF answers nothing) until the
   * configuration is back as it was, as a confirm timeout's rollback brings it.
   */
  private managementPath: { interfaceName: string; configuration: string } | undefined;
  private currentVersion: string;
  previousVersion: string | null;
  /** Installed or rolled back to, active at the next boot. */
  pendingVersion: string | null;
  /** The version a `request system software add` still running installs. */
  private installing: string | undefined;
  get installingVersion(): string | undefined {
    return this.installing;
  }
  /** Files copied to /var/tmp (file copy), by path. */
  private readonly stagedFiles = new Map<string, Buffer>();
  /** The RPM tests of the running configuration (its text), as it declares them. */
  private rpmDeclared: { text: string; tests: DeclaredRpmTest[] } | undefined;
  /** Impairments of paths over the overlay, by st0 unit (overlayPaths). */
  private readonly overlayImpairments = new Map<string, Impairment>();
  /** Images installed since the simulator started: a test's proof that nothing was installed twice. */
  installs = 0;
  /** Reboots since the simulator started (asked for, or by an install or rollback): a test's proof that nothing rebooted twice. */
  reboots = 0;
  links: WanLinkState[];
  powered: boolean;
  private bootedAt = Date.now();
  private netconf: RunningNetconfServer | undefined;
  private snmp: RunningSnmpAgent | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private callHomeSocket: Socket | undefined;
  private trapSession: ReturnType<typeof snmp.createSession> | undefined;
  /** Set once the simulator shuts down: nothing is scheduled any more. */
  private stopped = false;
  /** Phone-home attempts answered so far (ZTP), for the control API. */
  phoneHome = { attempts: 0, lastStatus: 0, claimed: false };
  /** ZTP: what the installer typed into the box; the orchestrator matches it to a site. */
  activationCode: string | undefined;
  /** At most one phone-home attempt is scheduled or out at a time. */
  private phoneHomeTimer: NodeJS.Timeout | undefined;
  private phoneHomeInFlight = false;
  /** A universal CPE's host: its VNFs and their guests (none on a box that hosts none). */
  readonly vnfHost: VnfHost | undefined;

  constructor(readonly identity: DeviceIdentity, state: Partial<DeviceState>, private readonly options: DeviceOptions) {
    this.store = new ConfigStore(state.running);
    const host = deviceModel(identity.model)?.vnfHost;
    if (host) {
      this.store.hostsVnfs = true;
      this.vnfHost = new VnfHost(host, {
        bootMs: options.vnfGuests?.bootMs ?? 1000,
        addresses: options.vnfGuests?.addresses ?? [],
        createGuest: (guest) => this.guestDevice(guest),
        onChange: () => options.onChange(),
      });
    }
    this.store.onRunningChanged = () => this.configurationChanged();
    this.currentVersion = state.softwareVersion ?? '22.4R1';
    this.previousVersion = state.previousVersion ?? null;
    this.pendingVersion = state.pendingVersion ?? null;
    this.links = state.links ?? defaultLinks();
    this.powered = state.powered ?? true;
    this.activationCode = state.activationCode;
  }

  /** A VNF's guest: a device of its own (the product its image holds), answering to the host's credentials. */
  private guestDevice(guest: { name: string; address: string; product: string; version: string }) {
    const device = new SimulatedDevice(newIdentity({
      serial: `${this.serial}-${guest.name}`, model: guest.product.toUpperCase(), address: guest.address,
      snmpPort: this.identity.snmpPort, netconfPort: this.identity.netconfPort,
      community: this.identity.community, username: this.identity.username, password: this.identity.password,
    }), { softwareVersion: guest.version, powered: false }, { rebootMs: this.options.rebootMs, phoneHomeIntervalMs: 60_000, peerIsUp: this.options.peerIsUp, onChange: () => undefined });
    return {
      powerOn: () => device.powerOn(),
      powerOff: () => device.powerOff(),
      stop: () => device.stop(),
      setHung: async (hung: boolean) => {
        device.faults.dropReplies = hung;
        await device.setSnmpDropped(hung);
      },
    };
  }

  get serial() { return this.identity.serial; }
  get model() { return this.identity.model; }
  private fingerprint: string | undefined;
  /** Parsed once: the host key never changes, and call home looks devices up by it. */
  get hostKeySha256(): string {
    this.fingerprint ??= keyFingerprint(this.identity.hostKey);
    return this.fingerprint;
  }
  get credentials() { return { username: this.identity.username, password: this.identity.password, authorizedKeys: [] }; }

  configuredLogins(): ConfiguredLogin[] {
    return configuration(this.store.running, 'system', 'login', 'user').map((user) => {
      const authentication = elementChildren(user).find((e) => e.localName === 'authentication');
      const encryptedPassword = authentication && childText(authentication, 'encrypted-password');
      const publicKeys = (authentication ? elementChildren(authentication) : [])
        .filter((e) => ['ssh-ed25519', 'ssh-ecdsa', 'ssh-rsa'].includes(e.localName ?? ''))
        .map((entry) => childText(entry, 'name') ?? '');
      return { name: childText(user, 'name') ?? '', ...(encryptedPassword ? { encryptedPassword } : {}), publicKeys };
    });
  }
  softwareVersion() { return this.currentVersion; }
  uptimeCentiseconds() { return Math.floor((Date.now() - this.bootedAt) / 10); }

  /** A device with no configuration is fresh from the factory: it phones home. */
  get factoryDefault(): boolean {
    return (this.store.running.documentElement?.firstChild ?? null) === null;
  }

  hostName(): string {
    const hostName = configuration(this.store.running, 'system', 'host-name')[0];
    return hostName?.textContent?.trim() || this.identity.serial;
  }

  toState(): DeviceState {
    return {
      identity: this.identity,
      softwareVersion: this.currentVersion,
      previousVersion: this.previousVersion,
      pendingVersion: this.pendingVersion,
      running: this.store.runningConfiguration,
      links: this.links,
      powered: this.powered,
      activationCode: this.activationCode,
    };
  }

  /** Logical interfaces that exist only when configured: loopback, tunnels, LAN segments (irb.<vlan>) and PPPoE sessions (pp0.<n>). */
  private configuredUnits(): string[] {
    return [...this.unitsOf(['lo0', 'st0', 'irb', 'pp0']).keys()];
  }

  /** The running configuration's units of these interfaces (all of them when none are named), by `<interface>.<unit>`. */
  private unitsOf(interfaces?: string[]): Map<string, Element> {
    const units = new Map<string, Element>();
    for (const iface of configuration(this.store.running, 'interfaces', 'interface')) {
      const name = childText(iface, 'name') ?? '';
      if (interfaces && !interfaces.includes(name)) continue;
      for (const unit of elementChildren(iface).filter((e) => e.localName === 'unit')) units.set(`${name}.${childText(unit, 'name') ?? '0'}`, unit);
    }
    return units;
  }

  /**
   * A PPPoE session comes up once its port's link is up and it has credentials; the provider gives
   * it an address (100.64/10, derived from the box's own address, so it stays the same).
   */
  private pppoeSession(unit: Element, unitNumber: number, links: Map<string, WanLinkState>): { up: boolean; address: string } {
    const over = unit.getElementsByTagName('underlying-interface')[0]?.textContent?.trim() ?? '';
    const link = links.get(over.replace(/\.0$/, ''));
    const credentials = ['default-chap-secret', 'local-password'].some((secret) => !!unit.getElementsByTagName(secret)[0]?.textContent?.trim())
      && !!unit.getElementsByTagName('local-name')[0]?.textContent?.trim();
    const up = !!link && !link.cut && this.faults.wanDownOnVersion !== this.currentVersion && credentials;
    const [, , c, d] = this.identity.address.split('.').map(Number);
    return { up, address: `100.${64 + (unitNumber % 64)}.${c ?? 0}.${d ?? 0}/32` };
  }

  /** Tunnels (st0.N) are up when their VPN's peer (its IKE gateway's address) is a device that is up. */
  private tunnelPeers(): Map<string, { peer: string; externalInterface: string | undefined }> {
    const gateways = new Map(configuration(this.store.running, 'security', 'ike', 'gateway')
      .map((g) => [childText(g, 'name'), { address: childText(g, 'address'), externalInterface: childText(g, 'external-interface') }]));
    const peers = new Map<string, { peer: string; externalInterface: string | undefined }>();
    for (const vpn of configuration(this.store.running, 'security', 'ipsec', 'vpn')) {
      const bind = childText(vpn, 'bind-interface');
      const ike = elementChildren(vpn).find((e) => e.localName === 'ike');
      const gateway = gateways.get(ike && childText(ike, 'gateway'));
      if (bind && gateway?.address) peers.set(bind, { peer: gateway.address, externalInterface: gateway.externalInterface });
    }
    return peers;
  }

  /**
   * The paths over the overlay, one per tunnel (st0 unit): the WAN link its IKE leaves by, and
   * the far end's leg beyond it (a few milliseconds more). A path is down when its link is, or its
   * peer does not answer; the control API impairs it alone (the far side of the overlay), else it
   * follows its link's impairment. What RPM probes through a tunnel measure, and what an
   * application sent into a tunnel takes.
   */
  overlayPaths(): (WanLinkState & { via: string; peer: string })[] {
    return [...this.tunnelPeers()].flatMap(([bind, { peer, externalInterface }]) => {
      const link = this.links.find((l) => l.interfaceName === externalInterface?.replace(/\.0$/, ''));
      if (!link) return [];
      return [{
        ...link, name: bind, interfaceName: bind, via: link.name, peer, latencyMs: link.latencyMs + overlayLegMs, jitterMs: link.jitterMs + 1,
        cut: link.cut || !this.options.peerIsUp(peer),
        ...(this.overlayImpairments.get(bind) ?? link.impairment ? { impairment: this.overlayImpairments.get(bind) ?? link.impairment } : {}),
      }];
    });
  }

  interfaces(): SimInterface[] {
    const seconds = (Date.now() - this.bootedAt) / 1000;
    const links = new Map(this.links.map((link) => [link.interfaceName, link]));
    const peers = this.tunnelPeers();
    const units = this.unitsOf();
    const names = [...physicalInterfaces, ...this.configuredUnits()];
    return names.map((name, i) => {
      const link = links.get(name);
      const peer = peers.get(name)?.peer;
      const badFirmware = this.faults.wanDownOnVersion === this.currentVersion;
      // A port holds the addresses of its unit 0; a logical interface its own.
      const unit = units.get(name.includes('.') ? name : `${name}.0`);
      const session = name.startsWith('pp0.') && unit ? this.pppoeSession(unit, Number(name.slice(4)), links) : undefined;
      const configured = unit ? inetAddresses(unit) : [];
      const operUp = session ? session.up
        : link ? !link.cut && !badFirmware : name.startsWith('st0') ? !!peer && this.options.peerIsUp(peer) : name.startsWith('lo') || name.startsWith('irb.') || name === 'ge-0/0/2';
      const rate = operUp ? (link ? 250_000 : 40_000) * (1 + (i % 3)) : 0;
      return {
        index: i + 1,
        name,
        description: link ? `WAN ${link.name}` : '',
        speedMbps: name === 'dl0' ? 100 : 1000,
        adminUp: true,
        operUp,
        addresses: session ? (session.up ? [session.address] : []) : configured,
        lastChangeCentiseconds: 0,
        inOctets: BigInt(Math.floor(rate * seconds)),
        outOctets: BigInt(Math.floor(rate * 0.6 * seconds)),
      };
    });
  }

  /** The RPM tests the running configuration declares, each on the WAN link it measures. */
  rpmTests(): RpmTest[] {
    // Read for every SNMP request: the configuration's tests again only once it changed, the
    // interfaces' addresses only for a test that names its source address.
    const text = this.store.runningConfiguration;
    if (this.rpmDeclared?.text !== text) this.rpmDeclared = { text, tests: rpmTestsDeclared(this.store.running) };
    let ports: Map<string, string[]> | undefined;
    return rpmTestsOn(this.rpmDeclared.tests, [...this.links, ...this.overlayPaths()], (name) => {
      ports ??= new Map(this.interfaces().map((i) => [i.name, i.addresses ?? []]));
      return ports.get(name) ?? [];
    });
  }

  /** Each RPM test's collections of results, as the box holds them now. */
  rpmResults(): { test: RpmTest; collections: RpmCollection[] }[] {
    const wanDown = this.faults.wanDownOnVersion === this.currentVersion;
    const uptime = Math.floor(this.uptimeCentiseconds() / 100);
    const now = Date.now();
    return this.rpmTests().map((test) => ({ test, collections: rpmCollections(test, uptime, wanDown, measuredTests(test, now, this.serial)) }));
  }

  /** IPsec VPNs (st0 units) and whether their peer answers: IKE and IPsec SAs are up while it does. */
  private tunnels(): SimTunnel[] {
    return [...this.tunnelPeers()].map(([bindInterface, { peer }]) => ({ peer, bindInterface, up: this.options.peerIsUp(peer) }));
  }

  /** Room left in /var: what the box had, less what is staged in /var/tmp. */
  private varFreeBytes(): number {
    const staged = [...this.stagedFiles.values()].reduce((sum, file) => sum + file.length, 0);
    return Math.max(0, this.faults.storageFreeBytes - staged);
  }

  /** Operational state a <get> returns beside the configuration: a Junos box answers its RPCs instead. */
  operationalState(): string {
    return '';
  }

  async customRpc(operation: Element, session: { id: number; username: string }): Promise<string | undefined> {
    const argument = (name: string) => childText(operation, name);
    const flag = (name: string) => operation.getElementsByTagName(name).length > 0;
    switch (operation.localName) {
      case 'get-software-information':
        return softwareInformation({
          hostName: this.hostName(), model: this.model, version: this.currentVersion,
          ...(this.installing ? { pending: { version: this.installing, installing: true } } : this.pendingVersion && this.pendingVersion !== this.currentVersion ? { pending: { version: this.pendingVersion, installing: false } } : {}),
        });
      case 'get-chassis-inventory':
        return chassisInventory({ serial: this.serial, model: this.model });
      case 'get-system-uptime-information':
        return systemUptimeInformation(this.bootedAt);
      case 'get-system-storage':
        return systemStorageInformation(this.varFreeBytes());
      case 'get-interface-information':
        return interfaceInformation(this.interfaces(), { terse: flag('terse'), ...(argument('interface-name') ? { name: argument('interface-name') } : {}) });
      case 'get-probe-results':
        return probeResults(this.rpmResults(), { ...(argument('owner') ? { owner: argument('owner') } : {}), ...(argument('test') ? { test: argument('test') } : {}) });
      case 'get-ike-security-associations-information':
        return ikeSecurityAssociations(this.tunnels());
      case 'get-security-associations-information':
        return ipsecSecurityAssociations(this.tunnels());
      case 'commit-configuration':
        return this.commitConfiguration(operation, session);
      case 'get-commit-information':
        return commitInformation(this.store.journal);
      case 'load-configuration': {
        const rollback = operation.getAttribute('rollback');
        if (rollback === null || !/^\d+$/.test(rollback)) throw new StoreError('operation-not-supported', 'this device loads a configuration by rollback="<n>" only; edit-config loads the rest');
        this.store.loadRollback(Number(rollback), session.id);
        return '<load-configuration-results><load-success/></load-configuration-results>';
      }
      case 'file-copy':
        return this.copyFile(argument('source') ?? '', argument('destination') ?? '');
      case 'get-virtual-network-functions':
        if (!this.vnfHost) return undefined;
        return this.vnfHost.information();
      case 'get-vnf-service-chain-path':
        // Not a published Junos RPC: the simulator's report of the path a flow takes through the chain.
        if (!this.vnfHost) return undefined;
        if (!argument('vlan')) throw new StoreError('missing-element', 'get-vnf-service-chain-path: vlan');
        return this.vnfHost.servicePathInformation(argument('vlan')!);
      case 'request-virtual-network-functions': {
        if (!this.vnfHost) return undefined;
        const action = (['restart', 'start', 'stop'] as const).find((a) => flag(a));
        if (!action) throw new StoreError('missing-element', 'request-virtual-network-functions: start, stop or restart');
        await this.vnfHost.request(argument('vnf-name') ?? '', action).catch((error: Error) => {
          throw new StoreError('operation-failed', `error: ${error.message}`);
        });
        return `<output>${escapeXml(`${argument('vnf-name')} ${action} requested`)}</output>`;
      }
      case 'get-sha256-checksum-information': {
        const path = argument('path') ?? '';
        const file = this.stagedFiles.get(path) ?? this.vnfHost?.images.get(path);
        if (!file) throw new StoreError('operation-failed', `${path}: No such file or directory`);
        return `<checksum-information><file-checksum><computation-method>SHA256</computation-method><input-file>${escapeXml(path)}</input-file>`
          + `<checksum>${createHash('sha256').update(file).digest('hex')}</checksum></file-checksum></checksum-information>`;
      }
      case 'file-delete': {
        const path = argument('path') ?? '';
        if (this.vnfHost && path.startsWith(vnfImageDirectory)) {
          let deleted: boolean;
          try {
            deleted = this.vnfHost.deleteImage(path);
          } catch (error) {
            throw new StoreError('operation-failed', `error: ${(error as Error).message}`);
          }
          if (!deleted) throw new StoreError('operation-failed', `${path}: No such file or directory`);
          return '<ok/>';
        }
        if (!this.stagedFiles.delete(path)) throw new StoreError('operation-failed', `${path}: No such file or directory`);
        return '<ok/>';
      }
      case 'request-package-add':
        return this.addPackage(argument('package-name') ?? '', { reboot: flag('reboot'), unlink: flag('unlink') });
      case 'request-package-rollback':
        return this.rollBackPackage(flag('reboot'));
      case 'request-reboot':
        this.later(100, () => void this.reboot());
        return '<request-reboot-results><request-reboot-status>Shutdown NOW!</request-reboot-status></request-reboot-results>';
      default:
        return undefined;
    }
  }

  /**
   * Junos's commit: `check` validates only; `confirmed` with a timeout in minutes (10 by default)
   * that no session owns; `log` is kept in the commit history.
   */
  private commitConfiguration(operation: Element, session: { id: number; username: string }): string {
    const success = (what: string) => `<commit-results><routing-engine><name>re0</name><${what}/></routing-engine></commit-results>`;
    const has = (name: string) => elementChildren(operation).some((e) => e.localName === name);
    if (has('at-time') || has('synchronize')) throw new StoreError('operation-not-supported', 'a single routing engine commits now: no at-time, no synchronize');
    if (has('check')) {
      this.store.validate('candidate');
      return success('commit-check-success');
    }
    const minutes = childText(operation, 'confirm-timeout');
    if (minutes !== undefined && !(/^\d+$/.test(minutes) && Number(minutes) >= 1 && Number(minutes) <= 65_535)) {
      throw new StoreError('invalid-value', `confirm-timeout ${minutes}: value is not within range (1..65535 minutes)`);
    }
    const confirmed = has('confirmed');
    this.store.commit({
      sessionId: session.id,
      username: session.username,
      junos: true,
      confirmed,
      ...(confirmed ? { confirmTimeoutSeconds: Number(minutes ?? '10') * this.faults.confirmMinuteMs / 1000 } : {}),
      ...(childText(operation, 'log') ? { log: childText(operation, 'log') } : {}),
    });
    return success('commit-success');
  }

  /** file copy <url> /var/tmp/<name>: downloads over HTTP into /var/tmp, if there is room for it. */
  private async copyFile(source: string, destination: string): Promise<string> {
    const vnfImage = !!this.vnfHost && destination.startsWith(vnfImageDirectory) && !destination.slice(vnfImageDirectory.length).includes('/');
    if (!vnfImage && (!destination.startsWith(stagingDirectory) || destination.slice(stagingDirectory.length).includes('/'))) {
      throw new StoreError('operation-failed', `error: ${destination}: this device accepts copies into ${stagingDirectory} only`);
    }
    let bytes: Buffer;
    try {
      const response = await fetch(source, { signal: AbortSignal.timeout(120_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new StoreError('operation-failed', `error: file-fetch failed: ${source}: ${(error as Error).message}`);
    }
    if (vnfImage) {
      try {
        this.vnfHost!.storeImage(destination, bytes);
      } catch (error) {
        throw new StoreError('operation-failed', `error: ${(error as Error).message}`);
      }
      return '<ok/>';
    }
    const room = this.varFreeBytes() + (this.stagedFiles.get(destination)?.length ?? 0);
    if (bytes.length > room) throw new StoreError('operation-failed', `error: ${destination}: write failed: No space left on device (${bytes.length} bytes, ${room} free)`);
    this.stagedFiles.set(destination, bytes);
    return '<ok/>';
  }

  /**
   * request system software add: checks the package and installs it, active at the next boot (now,
   * with reboot). One at a time: another asked for while one runs is refused.
   */
  private async addPackage(path: string, options: { reboot: boolean; unlink: boolean }): Promise<string> {
    const refused = (message: string) => `<output>${escapeXml(message)}</output><package-result>1</package-result>`;
    if (this.installing) return refused('error: another software installation is in progress');
    if (this.faults.failNextInstall) {
      const message = this.faults.failNextInstall;
      this.faults.failNextInstall = undefined;
      return refused(`ERROR: ${message}`);
    }
    const bytes = this.stagedFiles.get(path);
    if (!bytes) return refused(`ERROR: ${path}: No such file or directory`);
    const header = parseImageHeader(bytes);
    if (!header) return refused(`ERROR: ${path} is not a valid software package for this device`);
    if (header.model !== this.model) return refused(`ERROR: ${path} is a package for ${header.model}, this device is a ${this.model}`);
    if (options.unlink) this.stagedFiles.delete(path);
    if (this.faults.installMs > 0) {
      this.installing = header.version;
      try {
        await new Promise((resolve) => setTimeout(resolve, this.faults.installMs));
      } finally {
        this.installing = undefined;
      }
    }
    this.pendingVersion = header.version;
    this.installs++;
    this.options.onChange();
    if (options.reboot) this.later(100, () => void this.reboot());
    return `<output>${escapeXml([
      `Installing package '${path}' ...`,
      `JUNOS ${header.version} will become active at next reboot`,
      ...(options.reboot ? ['Rebooting ...'] : ['WARNING: A reboot is required to load this software correctly', "WARNING:     Use the 'request system reboot' command"]),
      'Saving state for rollback ...',
    ].join('\n'))}</output><package-result>0</package-result>`;
  }

  /** request system software rollback: a pending install is withdrawn; else the previous software comes back at the next boot. */
  private rollBackPackage(reboot: boolean): string {
    let version: string;
    if (this.pendingVersion && this.pendingVersion !== this.currentVersion) {
      this.pendingVersion = null;
      version = this.currentVersion;
    } else if (this.previousVersion) {
      this.pendingVersion = this.previousVersion;
      version = this.previousVersion;
    } else {
      return '<output>Cannot rollback: no previous software on this device</output><package-result>1</package-result>';
    }
    this.options.onChange();
    if (reboot) this.later(100, () => void this.reboot());
    return `<output>${escapeXml(`Junos version '${version}' will become active at next reboot`)}</output><package-result>0</package-result>`;
  }

  /** Boots into the software installed last, if any. */
  private bootPendingSoftware() {
    if (!this.pendingVersion) return;
    if (this.pendingVersion !== this.currentVersion) [this.previousVersion, this.currentVersion] = [this.currentVersion, this.pendingVersion];
    this.pendingVersion = null;
    this.options.onChange();
  }

  private later(ms: number, run: () => void): NodeJS.Timeout | undefined {
    if (this.stopped) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** Starts serving, if powered. */
  async start(): Promise<void> {
    if (!this.powered) return;
    this.bootPendingSoftware();
    this.bootedAt = Date.now();
    this.netconf = await startNetconfServer(this, {
      address: this.identity.address,
      port: this.options.callHome ? null : this.identity.netconfPort,
      hostKey: this.identity.hostKey,
    });
    if (!this.faults.dropSnmp) await this.startSnmp();
    this.vnfHost?.reconcile(this.store.running);
    if (this.options.callHome) this.dialHome();
    // Spread over half a second: a whole fleet powering on must not call home in one burst.
    if (this.wantsToPhoneHome) this.schedulePhoneHome(Math.random() * 500);
  }

  private async startSnmp() {
    this.snmp = await startSnmpAgent(this, {
      address: this.identity.address,
      port: this.identity.snmpPort,
      credentials: { community: this.identity.community, v3: this.identity.snmpV3 },
    });
  }

  /** Sets (or, with none, clears) how a WAN link's quality changes from now on; RPM results follow it. */
  impairLink(name: string, shape: ImpairmentShape | undefined) {
    if (/^st0\.\d+$/.test(name)) {
      // A path over the overlay (its far side: the hub's, or the provider's core).
      if (shape) this.overlayImpairments.set(name, { ...shape, startedAt: Date.now() });
      else this.overlayImpairments.delete(name);
      this.options.onChange();
      return;
    }
    const link = this.links.find((l) => l.name === name);
    if (!link) throw new Error(`no link ${name} on ${this.serial}`);
    if (shape) link.impairment = { ...shape, startedAt: Date.now() };
    else delete link.impairment;
    this.options.onChange();
  }

  /**
   * The link each application the running configuration steers takes now, as `show security
   * advance-policy-based-routing` would lead one to it: the first APBR rule of a profile applied
   * to a zone that matches it, its routing instance, and the WAN link that instance's default
   * route leaves by. `linkUp` is false when the link is cut or blacked out.
   */
  applicationPaths(): (ApplicationPath & { linkUp: boolean; overlay?: { peer: string; via: string } })[] {
    const ports = new Map(this.interfaces().map((i) => [i.name, i.addresses ?? []]));
    const now = Date.now();
    const overlays = this.overlayPaths();
    const links = [...this.links, ...overlays];
    return applicationPaths(this.store.running, links, (name) => ports.get(name) ?? []).map((path) => {
      const link = links.find((l) => l.name === path.link);
      const blackedOut = link?.impairment?.shape === 'blackout' && impairmentActive(link.impairment, now);
      // Into a tunnel: the path over the overlay, with its far end and the WAN link under it (central breakout).
      const overlay = overlays.find((o) => o.name === path.link);
      return { ...path, ...(overlay ? { overlay: { peer: overlay.peer, via: overlay.via } } : {}), linkUp: !!link && !link.cut && !blackedOut };
    });
  }

  /**
   * Changes a WAN link's quality or cuts it, as the control API asks; sends linkDown or linkUp
   * when it is cut or restored, and, for the RPM tests on it that ask for them (traps
   * rtt-exceeded, test-failure), jnxPingRttThresholdExceeded and pingTestFailed when their
   * results cross the configured thresholds.
   */
  changeLink(name: string, change: Partial<Pick<WanLinkState, 'latencyMs' | 'jitterMs' | 'lossPermille' | 'cut' | 'noise'>>) {
    const link = this.links.find((l) => l.name === name);
    if (!link) throw new Error(`no link ${name} on ${this.serial}`);
    const crossings = () => new Map(this.rpmResults().filter(({ test }) => test.link === link).map(({ test, collections }) => {
      const last = collections.find((c) => c.collection === 2)!;
      const rtt = summarise(last);
      return [`${test.owner}/${test.test}`, {
        test, last, rtt,
        rttExceeded: test.traps.includes('rtt-exceeded') && test.rttThresholdUs !== undefined && rtt !== undefined && rtt.averageUs > test.rttThresholdUs,
        failed: test.traps.includes('test-failure') && last.sent - last.received >= Math.max(1, test.totalLoss),
      }];
    }));
    const before = { cut: link.cut, crossed: crossings() };
    Object.assign(link, change);
    this.configurationChanged();
    const iface = this.interfaces().find((i) => i.name === link.interfaceName)!;
    const ifVarbinds = [
      { oid: `1.3.6.1.2.1.2.2.1.1.${iface.index}`, type: snmp.ObjectType.Integer, value: iface.index },
      { oid: `1.3.6.1.2.1.2.2.1.7.${iface.index}`, type: snmp.ObjectType.Integer, value: 1 },
      { oid: `1.3.6.1.2.1.2.2.1.8.${iface.index}`, type: snmp.ObjectType.Integer, value: iface.operUp ? 1 : 2 },
    ];
    if (before.cut !== link.cut) this.sendTrap(link.cut ? notifications.linkDown : notifications.linkUp, ifVarbinds);
    for (const [key, now] of crossings()) {
      const was = before.crossed.get(key);
      const { Gauge, Integer, OctetString } = snmp.ObjectType;
      const index = rpmInstance(now.test.owner, now.test.test);
      const common = [
        { oid: `${notifications.pingCtlEntry}.3.${index}`, type: Integer, value: 1 }, // pingCtlTargetAddressType: ipv4
        { oid: `${notifications.pingCtlEntry}.4.${index}`, type: OctetString, value: Buffer.from(now.test.target.split('.').filter(Boolean).map(Number)) },
        { oid: `${notifications.pingResultsEntry}.1.${index}`, type: Integer, value: 1 }, // pingResultsOperStatus: enabled
        { oid: `${notifications.pingResultsEntry}.7.${index}`, type: Gauge, value: now.last.received },
        { oid: `${notifications.pingResultsEntry}.8.${index}`, type: Gauge, value: now.last.sent },
      ];
      if (now.rttExceeded && !was?.rttExceeded) {
        this.sendTrap(notifications.jnxPingRttThresholdExceeded, [...common,
          { oid: `${notifications.jnxPingResultsEntry}.3.${index}`, type: Gauge, value: now.rtt!.minUs },
          { oid: `${notifications.jnxPingResultsEntry}.4.${index}`, type: Gauge, value: now.rtt!.maxUs },
          { oid: `${notifications.jnxPingResultsEntry}.5.${index}`, type: Gauge, value: now.rtt!.averageUs },
          { oid: `${notifications.jnxPingCtlEntry}.7.${index}`, type: Gauge, value: now.test.rttThresholdUs! },
          { oid: `${notifications.jnxPingResultsEntry}.1.${index}`, type: Gauge, value: now.rtt!.maxUs },
        ]);
      }
      if (now.failed && !was?.failed) this.sendTrap(notifications.pingTestFailed, common);
    }
  }

  private sendTrap(trapOid: string, varbinds: snmp.Varbind[]) {
    const receiver = this.options.trapReceiver;
    if (!receiver || !this.powered || this.stopped) return;
    if (!this.trapSession) {
      this.trapSession = snmp.createSession(receiver.host, this.identity.community, { port: receiver.port, version: snmp.Version2c, trapPort: receiver.port });
      this.trapSession.on('error', () => undefined);
    }
    this.trapSession.trap(trapOid, varbinds, { upTime: this.uptimeCentiseconds() }, () => undefined);
  }

  /** The running configuration of one interface ('' for none). */
  private interfaceConfiguration(name: string): string {
    const interfaces = elementChildren(this.store.running.documentElement!).find((e) => e.localName === 'interfaces');
    const found = interfaces && elementChildren(interfaces).find((e) => e.localName === 'interface' && childText(e, 'name') === name);
    return found ? serialize(found) : '';
  }

  /** The NAT rule that sends NETCONF arriving on the management interface to an inside host, if any. */
  private managementTakenByNat(interfaceName: string): string | undefined {
    const unit = interfaceName.includes('.') ? interfaceName : `${interfaceName}.0`;
    const port = interfaceName.includes('.') && interfaceName.endsWith('.0') ? interfaceName.slice(0, -2) : interfaceName;
    const addresses = this.interfaces().filter((i) => i.name === unit || i.name === port).flatMap((i) => i.addresses ?? []);
    return managementTakenByNat(this.store.running, { unit, addresses, port: netconfPort(this.store.running) });
  }

  /** Says which interface the management path runs through (none: it cannot be cut), as configured now. */
  setManagementInterface(name: string | undefined) {
    this.managementPath = name === undefined ? undefined : { interfaceName: name, configuration: this.interfaceConfiguration(name) };
    this.faults.managementCut = false;
  }

  /** Interfaces appear and disappear with the configuration: SNMP's tables follow. */
  configurationChanged() {
    const path = this.managementPath;
    if (path) this.faults.managementCut = this.interfaceConfiguration(path.interfaceName) !== path.configuration || this.managementTakenByNat(path.interfaceName) !== undefined;
    if (this.powered) this.vnfHost?.reconcile(this.store.running);
    this.snmp?.tablesChanged();
    this.options.onChange();
  }

  async setSnmpDropped(dropped: boolean) {
    this.faults.dropSnmp = dropped;
    if (dropped && this.snmp) {
      await this.snmp.close();
      this.snmp = undefined;
    } else if (!dropped && !this.snmp && this.powered) {
      await this.startSnmp();
    }
  }

  /** Power loss: every session drops, and a pending confirmed commit is lost with the power. */
  async powerOff(): Promise<void> {
    if (!this.powered) return;
    this.powered = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.callHomeSocket?.destroy();
    this.netconf?.dropAll();
    this.store.revertPending('power loss');
    await Promise.all([this.netconf?.close(), this.snmp?.close()]);
    this.netconf = undefined;
    this.snmp = undefined;
    this.options.onChange();
  }

  async powerOn(): Promise<void> {
    if (this.powered) return;
    this.powered = true;
    this.phoneHome = { attempts: 0, lastStatus: 0, claimed: false };
    await this.start();
    this.options.onChange();
  }

  /** Unreachable for the reboot time, then back with a fresh uptime. */
  async reboot(): Promise<void> {
    this.reboots++;
    await this.powerOff();
    await new Promise((resolve) => setTimeout(resolve, this.options.rebootMs));
    await this.powerOn();
  }

  async factoryReset(): Promise<void> {
    await this.powerOff();
    this.store.reset();
    this.activationCode = undefined;
    await this.powerOn();
  }

  /**
   * The installer types an activation code into the box (null/undefined clears it). A box still
   * looking for its orchestrator calls again soon, with the code, rather than after its interval.
   */
  setActivationCode(code: string | undefined) {
    this.activationCode = code;
    this.options.onChange();
    // An attempt that is out reschedules itself when it sees the code changed.
    if (code !== undefined && this.wantsToPhoneHome && !this.phoneHomeInFlight) this.schedulePhoneHome(phoneHomeSoonMs);
  }

  /** ZTP: a powered, factory-default box phones home until an answer is 2xx. */
  private get wantsToPhoneHome(): boolean {
    return !!this.options.phoneHomeUrl && this.powered && !this.stopped && this.factoryDefault && !this.phoneHome.claimed;
  }

  private schedulePhoneHome(ms: number) {
    clearTimeout(this.phoneHomeTimer);
    if (this.phoneHomeTimer) this.timers.delete(this.phoneHomeTimer);
    this.phoneHomeTimer = this.later(ms, () => {
      this.phoneHomeTimer = undefined;
      void this.phoneHomeOnce();
    });
  }

  /** ZTP: calls home with serial, model and version (and the activation code, once typed in). */
  private async phoneHomeOnce(): Promise<void> {
    const url = this.options.phoneHomeUrl;
    if (!url || !this.wantsToPhoneHome || this.phoneHomeInFlight) return;
    this.phoneHomeInFlight = true;
    this.phoneHome.attempts += 1;
    const activationCode = this.activationCode;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          serial: this.serial, model: this.model, softwareVersion: this.currentVersion,
          address: this.identity.address, netconfPort: this.identity.netconfPort, snmpPort: this.identity.snmpPort,
          hostKeySha256: this.hostKeySha256,
          ...(activationCode !== undefined ? { activationCode } : {}),
        }),
        signal: AbortSignal.timeout(10_000),
      });
      this.phoneHome.lastStatus = response.status;
      this.phoneHome.claimed = response.ok;
    } catch {
      this.phoneHome.lastStatus = 0;
    } finally {
      this.phoneHomeInFlight = false;
    }
    // Typed in while this attempt was out: the orchestrator has not seen the code yet.
    const codeChanged = this.activationCode !== undefined && this.activationCode !== activationCode;
    if (this.wantsToPhoneHome) this.schedulePhoneHome(codeChanged ? phoneHomeSoonMs : this.options.phoneHomeIntervalMs);
  }

  /** Call home (RFC 8071): keep a TCP connection to the orchestrator and serve SSH over it. */
  private dialHome() {
    const callHome = this.options.callHome!;
    if (!this.powered) return;
    const socket = connectTcp({ host: callHome.host, port: callHome.port, localAddress: this.identity.address });
    this.callHomeSocket = socket;
    socket.once('connect', () => this.netconf?.injectSocket(socket));
    socket.on('error', () => undefined); // every error: the 'close' that follows redials
    socket.once('close', () => {
      if (this.callHomeSocket === socket && this.powered) this.later(callHome.retryMs, () => this.dialHome());
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.vnfHost?.stop();
    this.trapSession?.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.callHomeSocket?.destroy();
    this.netconf?.dropAll();
    await Promise.all([this.netconf?.close(), this.snmp?.close()]);
  }
}
