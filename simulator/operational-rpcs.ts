// The operational RPCs' replies, as Junos 22.4 on an SRX writes them: the same element names, in no
// namespace of their own inside <rpc-reply>, with junos:seconds / junos:format / junos:style where
// Junos puts them (the rpc-reply declares the junos prefix).
import { escapeXml } from '../activities/devices/netconf/xml.ts';
import { StoreError, type JournalEntry } from './config-store.ts';
import { percentLost, summarise, type RpmCollection, type RpmTest } from './rpm.ts';
import type { SimInterface } from './snmp-agent.ts';

const leaf = (name: string, value: string | number) => `<${name}>${escapeXml(String(value))}</${name}>`;

/** "2026-11-30 01:02:03 UTC", as Junos prints its clock. */
const junosTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** "3d 04:05" or "04:05:06", as Junos prints a time length. */
function timeLength(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const [h, m, s] = [Math.floor((seconds % 86_400) / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  return days > 0 ? `${days}d ${pad(h)}:${pad(m)}` : `${pad(h)}:${pad(m)}:${pad(s)}`;
}

/**
 * show version. Software installed for the next boot, or being installed, is listed as a package
 * of its own whose comment says so (`[23.2R1] (pending)`, `(pending, installing)`).
 */
export function softwareInformation(input: { hostName: string; model: string; version: string; pending?: { version: string; installing: boolean } }): string {
  // Junos names its model in lower case ("srx340").
  const product = input.model.toLowerCase();
  const pending = input.pending
    ? `<package-information>${leaf('name', 'junos-pending')}${leaf('comment', `JUNOS Software Release [${input.pending.version}] (pending${input.pending.installing ? ', installing' : ''})`)}</package-information>`
    : '';
  return `<software-information>${leaf('host-name', input.hostName)}${leaf('product-model', product)}${leaf('product-name', product)}`
    + `${leaf('junos-version', input.version)}<package-information>${leaf('name', 'junos')}${leaf('comment', `JUNOS Software Release [${input.version}]`)}</package-information>${pending}</software-information>`;
}

/**
 * show system commit: the newest commit first (sequence number 0), at most 50. A confirmed
 * commit says so in its comment, with its timeout in minutes; the device's own commits (an
 * automatic rollback) are root's.
 */
export function commitInformation(journal: readonly JournalEntry[]): string {
  const history = journal.slice(-50).reverse().map((entry, sequence) => {
    const at = Date.parse(entry.at);
    const comment = entry.kind === 'confirmed-commit' ? `commit confirmed, rollback in ${Math.ceil((entry.confirmTimeoutSeconds ?? 600) / 60)}mins` : undefined;
    return `<commit-history>${leaf('sequence-number', sequence)}${leaf('user', entry.sessionId === 0 ? 'root' : entry.username)}`
      + `${leaf('client', entry.client ?? (entry.sessionId === 0 ? 'other' : 'netconf'))}<date-time junos:seconds="${Math.floor(at / 1000)}">${junosTime(at)}</date-time>`
      + `${comment ? leaf('comment', comment) : ''}${entry.log ? leaf('log', entry.log) : ''}</commit-history>`;
  });
  return `<commit-information>${history.join('')}</commit-information>`;
}

/** How Junos marks the active configuration it returns: when it was committed, and by whom. */
export function commitAttributes(last: JournalEntry): string {
  const at = Date.parse(last.at);
  return `junos:commit-seconds="${Math.floor(at / 1000)}" junos:commit-localtime="${junosTime(at)}" junos:commit-user="${escapeXml(last.sessionId === 0 ? 'root' : last.username)}"`;
}

export function chassisInventory(input: { serial: string; model: string }): string {
  return `<chassis-inventory><chassis junos:style="inventory">${leaf('name', 'Chassis')}${leaf('serial-number', input.serial)}${leaf('description', input.model)}`
    + `<chassis-module>${leaf('name', 'Routing Engine')}${leaf('description', `${input.model} RE`)}</chassis-module>`
    + `<chassis-module>${leaf('name', 'FPC 0')}${leaf('description', 'FPC')}</chassis-module></chassis></chassis-inventory>`;
}

export function systemUptimeInformation(bootedAtMs: number, nowMs = Date.now()): string {
  const stamp = (ms: number) => `<date-time junos:seconds="${Math.floor(ms / 1000)}">${junosTime(ms)}</date-time>`;
  const up = Math.max(0, Math.floor((nowMs - bootedAtMs) / 1000));
  return `<system-uptime-information><current-time>${stamp(nowMs)}</current-time>${leaf('time-source', 'LOCAL CLOCK')}`
    + `<system-booted-time>${stamp(bootedAtMs)}<time-length junos:seconds="${up}">${timeLength(up)}</time-length></system-booted-time></system-uptime-information>`;
}

/**
 * A branch SRX's filesystems (blocks of 512 bytes): the Junos image under /.mount, /var (where
 * /var/tmp lives, and images are staged) with what the device has free.
 */
export function systemStorageInformation(varFreeBytes: number): string {
  const filesystem = (name: string, totalBlocks: number, availableBlocks: number, mountedOn: string) => {
    const used = Math.max(0, totalBlocks - availableBlocks);
    return `<filesystem>${leaf('filesystem-name', name)}${leaf('total-blocks', totalBlocks)}${leaf('used-blocks', used)}${leaf('available-blocks', availableBlocks)}`
      + `${leaf('used-percent', Math.round((used / Math.max(totalBlocks, 1)) * 100))}${leaf('mounted-on', mountedOn)}</filesystem>`;
  };
  const varFree = Math.floor(varFreeBytes / 512);
  return `<system-storage-information junos:style="brief">${filesystem('/dev/gpt/junos', 4_194_304, 1_048_576, '/.mount')}`
    + `${filesystem('tmpfs', 1_048_576, 1_040_000, '/.mount/tmp')}${filesystem('/dev/gpt/var', Math.max(varFree + 2_097_152, 8_388_608), varFree, '/.mount/var')}</system-storage-information>`;
}

/**
 * get-interface-information: physical interfaces, each with its logical units. A port's own
 * entry carries its unit 0's addresses in the simulator's model: here they move to <port>.0.
 * By `name`: that port with its units, or that unit alone; a name the box lacks is refused.
 */
export function interfaceInformation(interfaces: SimInterface[], options: { terse: boolean; name?: string }): string {
  const status = (up: boolean) => (up ? 'up' : 'down');
  const logical = (name: string, admin: boolean, oper: boolean, addresses: string[]) => `<logical-interface>${leaf('name', name)}`
    + `${leaf('admin-status', status(admin))}${leaf('oper-status', status(oper))}`
    + (addresses.length > 0 ? `<address-family>${leaf('address-family-name', 'inet')}${addresses.map((a) => `<interface-address><ifa-local junos:emit="emit">${escapeXml(a)}</ifa-local></interface-address>`).join('')}</address-family>` : '')
    + '</logical-interface>';
  const unitZero = (name: string, port: SimInterface | undefined) => (port && (port.addresses ?? []).length > 0 ? [logical(`${name}.0`, port.adminUp, port.operUp, port.addresses ?? [])] : []);
  const ports = new Map<string, { port?: SimInterface; units: SimInterface[] }>();
  for (const iface of interfaces) {
    const [parent] = iface.name.split('.');
    if (!ports.has(parent!)) ports.set(parent!, { units: [] });
    if (iface.name.includes('.')) ports.get(parent!)!.units.push(iface);
    else ports.get(parent!)!.port = iface;
  }
  const style = options.terse ? ' junos:style="terse"' : '';
  if (options.name !== undefined && !ports.has(options.name)) {
    // A unit by name: Junos answers with that logical interface alone.
    const [parent] = options.name.split('.');
    const unit = ports.get(parent!)?.units.find((u) => u.name === options.name);
    const answer = unit ? logical(unit.name, unit.adminUp, unit.operUp, unit.addresses ?? [])
      : options.name === `${parent}.0` ? unitZero(parent!, ports.get(parent!)?.port)[0] : undefined;
    if (!answer) throw new StoreError('operation-failed', `device ${options.name} not found`);
    return `<interface-information${style}>${answer}</interface-information>`;
  }
  const physical = [...ports.entries()]
    .filter(([name]) => options.name === undefined || name === options.name)
    .map(([name, { port, units }]) => {
      const admin = port?.adminUp ?? true;
      const oper = port?.operUp ?? true;
      const detail = options.terse || !port ? '' : `${leaf('if-type', 'Ethernet')}${leaf('speed', `${port.speedMbps}mbps`)}${leaf('description', port.description)}`
        + `<traffic-statistics junos:style="brief">${leaf('input-bytes', String(port.inOctets))}${leaf('output-bytes', String(port.outOctets))}</traffic-statistics>`;
      return `<physical-interface>${leaf('name', name)}${leaf('admin-status', status(admin))}${leaf('oper-status', status(oper))}${detail}`
        + [...unitZero(name, port), ...units.map((u) => logical(u.name, u.adminUp, u.operUp, u.addresses ?? []))].join('') + '</physical-interface>';
    });
  return `<interface-information${style}>${physical.join('')}</interface-information>`;
}

/** get-probe-results: each RPM test's last completed test and its results since boot. */
export function probeResults(tests: { test: RpmTest; collections: RpmCollection[] }[], filter: { owner?: string; test?: string }): string {
  const generic = (scope: string, collection: RpmCollection | undefined) => {
    if (!collection) return '';
    const rtt = summarise(collection);
    return `<probe-test-generic-results>${leaf('results-scope', scope)}${leaf('probes-sent', collection.sent)}${leaf('probe-responses', collection.received)}`
      + `${leaf('loss-percentage', (percentLost(collection) / 1_000_000).toFixed(6))}`
      + (rtt ? `<probe-test-rtt><probe-summary-results>${leaf('samples', rtt.samples)}${leaf('min-delay', rtt.minUs)}${leaf('max-delay', rtt.maxUs)}`
        + `${leaf('avg-delay', rtt.averageUs)}${leaf('jitter-delay', rtt.peakToPeakUs)}${leaf('stddev-delay', rtt.stdDevUs)}${leaf('sum-delay', rtt.sumUs)}</probe-summary-results></probe-test-rtt>` : '')
      + '</probe-test-generic-results>';
  };
  const results = tests
    .filter(({ test }) => (filter.owner === undefined || test.owner === filter.owner) && (filter.test === undefined || test.test === filter.test))
    .map(({ test, collections }) => {
      const last = collections.find((c) => c.collection === 2);
      return `<probe-test-results>${leaf('owner', test.owner)}${leaf('test-name', test.test)}${leaf('probe-type', test.probeType)}${leaf('target-address', test.target)}`
        + `${leaf('destination-interface', `${test.link.interfaceName}.0`)}${leaf('test-size', test.probeCount)}`
        + `<probe-single-results>${leaf('probe-status', last && last.received > 0 ? 'Response received' : 'Request timed out')}</probe-single-results>`
        + `<probe-last-test-results>${generic('last-test', last)}</probe-last-test-results>`
        + `<probe-test-global-results>${generic('global', collections.find((c) => c.collection === 4))}</probe-test-global-results></probe-test-results>`;
    });
  return `<probe-results>${results.join('')}</probe-results>`;
}

/** An IPsec VPN as the box holds it: to whom, over which st0 unit, and whether its SAs are up. */
export interface SimTunnel {
  peer: string;
  bindInterface: string;
  up: boolean;
}

export function ikeSecurityAssociations(tunnels: SimTunnel[]): string {
  const peers = [...new Map(tunnels.filter((t) => t.up).map((t) => [t.peer, t])).values()];
  return `<ike-security-associations-information>${peers.map((t, i) => `<ike-security-associations>${leaf('ike-sa-index', 1000 + i)}`
    + `${leaf('ike-sa-remote-address', t.peer)}${leaf('ike-sa-state', 'UP')}${leaf('ike-sa-initiator-cookie', (0x1000 + i).toString(16).padStart(16, '0'))}`
    + `${leaf('ike-sa-responder-cookie', (0x2000 + i).toString(16).padStart(16, '0'))}${leaf('ike-sa-exchange-type', 'IKEv2')}</ike-security-associations>`).join('')}</ike-security-associations-information>`;
}

export function ipsecSecurityAssociations(tunnels: SimTunnel[]): string {
  const up = tunnels.filter((t) => t.up);
  const sa = (t: SimTunnel, i: number, direction: '<' | '>') => `<ipsec-security-associations>${leaf('sa-direction', direction)}${leaf('sa-tunnel-index', 131_073 + i)}`
    + `${leaf('sa-spi', ((0x10000 + i * 2 + (direction === '>' ? 1 : 0)) >>> 0).toString(16).padStart(8, '0'))}${leaf('sa-aux-spi', 0)}${leaf('sa-remote-gateway', t.peer)}`
    + `${leaf('sa-port', 500)}${leaf('sa-vpn-monitoring-state', '-')}${leaf('sa-protocol', 'ESP')}${leaf('sa-esp-encryption-algorithm', 'aes-gcm-256')}`
    + `${leaf('sa-hmac-algorithm', 'none')}${leaf('sa-hard-lifetime', 3600)}${leaf('sa-lifesize-remaining', 'unlim')}${leaf('sa-virtual-system', 'root')}</ipsec-security-associations>`;
  return `<ipsec-security-associations-information junos:style="brief">${leaf('total-active-tunnels', up.length)}${leaf('total-ipsec-sas', up.length * 2)}`
    + (up.length > 0 ? `<ipsec-security-associations-block>${leaf('sa-block-state', 'up')}${up.map((t, i) => sa(t, i, '<') + sa(t, i, '>')).join('')}</ipsec-security-associations-block>` : '')
    + '</ipsec-security-associations-information>';
}
