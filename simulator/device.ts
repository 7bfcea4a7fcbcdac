// One simulated branch router: identity, configuration (NETCONF), state and counters (SNMP),
// WAN links whose quality can be set, power, reboot, firmware install from a URL, factory
// reset, ZTP phone-home (with the activation code an installer typed in) and NETCONF Call Home.
import { createHash } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { keyFingerprint } from '../activities/devices/netconf/session.ts';
import { childText, escapeXml, serialize, type Element } from '../activities/devices/netconf/xml.ts';
import { ConfigStore, StoreError } from './config-store.ts';
import { dhcpServices } from './dhcp-server.ts';
import { startNetconfServer, type NetconfDevice, type NetconfFaults, type RunningNetconfServer } from './netconf-server.ts';
import snmp from 'net-snmp';
import { oids, startSnmpAgent, type RunningSnmpAgent, type SimInterface, type SimProbe, type SnmpView } from './snmp-agent.ts';

export const stateNs = 'urn:branchline:sim:state';

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
}

/** What survives a simulator restart (with --state-file). */
export interface DeviceState {
  identity: DeviceIdentity;
  softwareVersion: string;
  previousVersion: string | null;
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
  /** Where SNMPv2c traps go (linkDown, linkUp, probe threshold crossed); none: no traps. */
  trapReceiver?: { host: string; port: number };
  /** Whether a tunnel peer answers (another simulated device is up at that address). */
  peerIsUp: (address: string) => boolean;
  onChange: () => void;
}

const physicalInterfaces = ['ge-0/0/0', 'ge-0/0/1', 'ge-0/0/2', 'ge-0/0/3', 'dl0'];

export function defaultLinks(): WanLinkState[] {
  return [
    { name: 'wan0', interfaceName: 'ge-0/0/0', latencyMs: 18, jitterMs: 2, lossPermille: 0, cut: false },
    { name: 'wan1', interfaceName: 'ge-0/0/1', latencyMs: 32, jitterMs: 5, lossPermille: 2, cut: false },
    { name: 'lte', interfaceName: 'dl0', latencyMs: 65, jitterMs: 12, lossPermille: 8, cut: false },
  ];
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator drops a leading zero byte of the key
 * about once in 256 keys, and then cannot read its own output: such keys are drawn again.
 */
export function generateKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

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

/** Probe results beyond these raise the probe-threshold trap. */
export const probeThresholds = { latencyMs: 150, lossPermille: 20 };

const trapOids = { linkDown: '1.3.6.1.6.3.1.1.5.3', linkUp: '1.3.6.1.6.3.1.1.5.4' };

/** How soon a box phones home once its activation code is typed in: benches and tests need not wait an interval. */
const phoneHomeSoonMs = 100;

export class SimulatedDevice implements NetconfDevice, SnmpView {
  readonly store: ConfigStore;
  readonly faults: NetconfFaults & {
    dropSnmp: boolean;
    failNextInstall: string | undefined;
    /** Bad firmware: running this version, the box's WAN interfaces stay down. */
    wanDownOnVersion: string | undefined;
    /** What the box reports free for new software. */
    storageFreeBytes: number;
  } = {
    replyDelayMs: 0, dropReplies: false, dropSnmp: false, failNextInstall: undefined, wanDownOnVersion: undefined, storageFreeBytes: 4 * 1024 ** 3,
  };
  private currentVersion: string;
  previousVersion: string | null;
  /** Images installed since the simulator started: a test's proof that nothing was installed twice. */
  installs = 0;
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

  constructor(readonly identity: DeviceIdentity, state: Partial<DeviceState>, private readonly options: DeviceOptions) {
    this.store = new ConfigStore(state.running);
    this.store.onRunningChanged = () => this.configurationChanged();
    this.currentVersion = state.softwareVersion ?? '22.4R1';
    this.previousVersion = state.previousVersion ?? null;
    this.links = state.links ?? defaultLinks();
    this.powered = state.powered ?? true;
    this.activationCode = state.activationCode;
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
  softwareVersion() { return this.currentVersion; }
  uptimeCentiseconds() { return Math.floor((Date.now() - this.bootedAt) / 10); }

  /** A device with no configuration is fresh from the factory: it phones home. */
  get factoryDefault(): boolean {
    return (this.store.running.documentElement?.firstChild ?? null) === null;
  }

  hostName(): string {
    const system = this.store.running.getElementsByTagName('host-name')[0];
    return system?.textContent?.trim() || this.identity.serial;
  }

  toState(): DeviceState {
    return {
      identity: this.identity,
      softwareVersion: this.currentVersion,
      previousVersion: this.previousVersion,
      running: serialize(this.store.running),
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
    for (const iface of Array.from(this.store.running.getElementsByTagName('interface'))) {
      const name = childText(iface, 'name') ?? '';
      if (interfaces && !interfaces.includes(name)) continue;
      for (const unit of Array.from(iface.getElementsByTagName('unit'))) units.set(`${name}.${childText(unit, 'name') ?? '0'}`, unit);
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

  /** Tunnels (st0.N) are up when their VPN's peer is a device that is up. */
  private tunnelPeers(): Map<string, string> {
    const peers = new Map<string, string>();
    for (const vpn of Array.from(this.store.running.getElementsByTagName('vpn'))) {
      const bind = childText(vpn, 'bind-interface');
      const peer = childText(vpn, 'peer');
      if (bind && peer) peers.set(bind, peer);
    }
    return peers;
  }

  interfaces(): SimInterface[] {
    const seconds = (Date.now() - this.bootedAt) / 1000;
    const links = new Map(this.links.map((link) => [link.interfaceName, link]));
    const peers = this.tunnelPeers();
    const units = this.unitsOf();
    const names = [...physicalInterfaces, ...this.configuredUnits()];
    return names.map((name, i) => {
      const link = links.get(name);
      const peer = peers.get(name);
      const badFirmware = this.faults.wanDownOnVersion === this.currentVersion;
      // A port holds the addresses of its unit 0; a logical interface its own.
      const unit = units.get(name.includes('.') ? name : `${name}.0`);
      const session = name.startsWith('pp0.') && unit ? this.pppoeSession(unit, Number(name.slice(4)), links) : undefined;
      const configured = unit ? Array.from(unit.getElementsByTagName('address')).map((a) => a.textContent?.trim() ?? '') : [];
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

  probes(): SimProbe[] {
    const ifIndex = new Map(this.interfaces().map((iface) => [iface.name, iface.index]));
    // Each read varies within the link's jitter, as real probes do.
    return this.links.map((link, i) => ({
      index: i + 1,
      name: link.name,
      ifIndex: ifIndex.get(link.interfaceName) ?? 0,
      latencyMs: link.cut ? 0 : Math.max(0, Math.round(link.latencyMs + (Math.random() - 0.5) * link.jitterMs)),
      jitterMs: link.cut ? 0 : link.jitterMs,
      lossPermille: link.cut ? 1000 : link.lossPermille,
      up: !link.cut,
    }));
  }

  private softwareInformation(): string {
    return `<software-information xmlns="${stateNs}"><serial>${this.serial}</serial><model>${this.model}</model><version>${escapeXml(this.currentVersion)}</version>`
      + `<uptime-seconds>${Math.floor(this.uptimeCentiseconds() / 100)}</uptime-seconds>`
      + `<storage-free-bytes>${this.faults.storageFreeBytes}</storage-free-bytes></software-information>`;
  }

  operationalState(): string {
    const interfaces = this.interfaces().map((i) =>
      `<interface><name>${i.name}</name><admin-status>${i.adminUp ? 'up' : 'down'}</admin-status><oper-status>${i.operUp ? 'up' : 'down'}</oper-status>`
      + `${(i.addresses ?? []).map((a) => `<address>${escapeXml(a)}</address>`).join('')}</interface>`).join('');
    const probes = this.probes().map((p) =>
      `<probe><link>${p.name}</link><latency-ms>${p.latencyMs}</latency-ms><jitter-ms>${p.jitterMs}</jitter-ms><loss-permille>${p.lossPermille}</loss-permille><status>${p.up ? 'up' : 'down'}</status></probe>`).join('');
    return this.softwareInformation()
      + `<interface-information xmlns="${stateNs}">${interfaces}</interface-information><probe-results xmlns="${stateNs}">${probes}</probe-results>`
      + this.dhcpServerInformation();
  }

  /** The DHCP server as it serves: per interface, the pool it leases from, or that no pool covers its subnet. */
  private dhcpServerInformation(): string {
    const leaf = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;
    const services = dhcpServices(this.store.running).map((service) => `<interface>${leaf('name', service.interface)}${leaf('group', service.group)}`
      + (service.pool
        ? `${leaf('pool', service.pool.name)}${leaf('low', service.pool.low)}${leaf('high', service.pool.high)}`
          + `${service.pool.routers.map((r) => leaf('router', r)).join('')}${service.pool.nameServers.map((n) => leaf('name-server', n)).join('')}${leaf('state', 'serving')}`
        : leaf('state', 'no pool for this subnet'))
      + '</interface>');
    return `<dhcp-server-information xmlns="${stateNs}">${services.join('')}</dhcp-server-information>`;
  }

  async customRpc(operation: Element, session: { id: number; username: string }): Promise<string | undefined> {
    switch (operation.localName) {
      case 'get-software-information':
        return `<data>${this.softwareInformation()}</data>`;
      case 'load-rollback': {
        this.store.loadRollback(Number(childText(operation, 'index') ?? '1'), session.id);
        return '<ok/>';
      }
      case 'request-package-add':
        return this.installPackage(childText(operation, 'package-url') ?? '', childText(operation, 'sha256') ?? '', !!operation.getElementsByTagName('no-reboot')[0]);
      case 'request-package-rollback': {
        if (!this.previousVersion) throw new StoreError('operation-failed', 'no previous software to roll back to');
        [this.currentVersion, this.previousVersion] = [this.previousVersion, this.currentVersion];
        this.later(100, () => void this.reboot());
        return `<package-result><status>rolled-back</status><version>${escapeXml(this.currentVersion)}</version></package-result>`;
      }
      case 'request-reboot':
        this.later(100, () => void this.reboot());
        return '<ok/>';
      default:
        return undefined;
    }
  }

  private async installPackage(url: string, sha256: string, noReboot: boolean): Promise<string> {
    if (this.faults.failNextInstall) {
      const message = this.faults.failNextInstall;
      this.faults.failNextInstall = undefined;
      throw new StoreError('operation-failed', message);
    }
    let bytes: Buffer;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new StoreError('operation-failed', `could not download ${url}: ${(error as Error).message}`);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256.toLowerCase()) throw new StoreError('operation-failed', `checksum mismatch: the image is ${actual}, expected ${sha256}`);
    const header = parseImageHeader(bytes);
    if (!header) throw new StoreError('operation-failed', 'not a software image for this device');
    if (header.model !== this.model) throw new StoreError('operation-failed', `the image is for ${header.model}, this device is a ${this.model}`);
    this.previousVersion = this.currentVersion;
    this.currentVersion = header.version;
    this.installs++;
    this.options.onChange();
    if (!noReboot) this.later(100, () => void this.reboot());
    return `<package-result><status>installed</status><version>${escapeXml(header.version)}</version><reboot>${noReboot ? 'pending' : 'now'}</reboot></package-result>`;
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
    this.bootedAt = Date.now();
    this.netconf = await startNetconfServer(this, {
      address: this.identity.address,
      port: this.options.callHome ? null : this.identity.netconfPort,
      hostKey: this.identity.hostKey,
    });
    if (!this.faults.dropSnmp) await this.startSnmp();
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

  /**
   * Changes a WAN link's quality or cuts it, as the control API asks; sends linkDown or linkUp
   * when it is cut or restored, and the probe-threshold trap when its probes cross the thresholds.
   */
  changeLink(name: string, change: Partial<Pick<WanLinkState, 'latencyMs' | 'jitterMs' | 'lossPermille' | 'cut'>>) {
    const link = this.links.find((l) => l.name === name);
    if (!link) throw new Error(`no link ${name} on ${this.serial}`);
    const breached = (l: WanLinkState) => !l.cut && (l.latencyMs > probeThresholds.latencyMs || l.lossPermille > probeThresholds.lossPermille);
    const before = { ...link };
    Object.assign(link, change);
    this.configurationChanged();
    const iface = this.interfaces().find((i) => i.name === link.interfaceName)!;
    const ifVarbinds = [
      { oid: `1.3.6.1.2.1.2.2.1.1.${iface.index}`, type: snmp.ObjectType.Integer, value: iface.index },
      { oid: `1.3.6.1.2.1.2.2.1.7.${iface.index}`, type: snmp.ObjectType.Integer, value: 1 },
      { oid: `1.3.6.1.2.1.2.2.1.8.${iface.index}`, type: snmp.ObjectType.Integer, value: iface.operUp ? 1 : 2 },
    ];
    if (before.cut !== link.cut) this.sendTrap(link.cut ? trapOids.linkDown : trapOids.linkUp, ifVarbinds);
    if (!breached(before) && breached(link)) {
      const index = this.links.indexOf(link) + 1;
      this.sendTrap(oids.probeThresholdTrap, [
        { oid: `${oids.probeEntry}.2.${index}`, type: snmp.ObjectType.OctetString, value: link.name },
        { oid: `${oids.probeEntry}.4.${index}`, type: snmp.ObjectType.Gauge, value: link.latencyMs },
        { oid: `${oids.probeEntry}.6.${index}`, type: snmp.ObjectType.Gauge, value: link.lossPermille },
      ]);
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

  /** Interfaces appear and disappear with the configuration: SNMP's tables follow. */
  configurationChanged() {
    this.snmp?.refreshTables();
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
    this.trapSession?.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.callHomeSocket?.destroy();
    this.netconf?.dropAll();
    await Promise.all([this.netconf?.close(), this.snmp?.close()]);
  }
}
