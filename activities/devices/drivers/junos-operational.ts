// The operational half of the Junos driver: what a Junos 22.4 SRX answers about itself, and its
// software, with the RPCs and MIB objects the box really serves (Junos XML API, JUNIPER-RPM-MIB).
// Facts, interfaces, IPsec tunnels and software go over NETCONF; probe results over SNMP, which a
// real SRX serves from its RPM tables at a fraction of the cost of a NETCONF session.
//
// Probe convention, shared with the configuration renderer: a WAN link's SLA probe is the RPM test
// `services rpm probe <WAN link name> test sla`, so its results are indexed by owner = the link's
// name and test name = `sla` (pingCtlOwnerIndex, pingCtlTestName).
import { modelOfProduct } from '../../../domain/device-models.ts';
import { DeviceError } from '../errors.ts';
import { NetconfRpcError, type NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, escapeXml, type Element } from '../netconf/xml.ts';
import type { VarBind } from '../snmp.ts';
import type { DeviceConnection, DeviceDriver, DeviceFacts, InterfaceStatus, ProbeResult, SecurityAssociation, Transports } from './contract.ts';

export type { SecurityAssociation };
import { netconfTarget, snmpTarget } from './targets.ts';

export type JunosOperations = Pick<DeviceDriver, 'facts' | 'interfaces' | 'probes' | 'installImage' | 'rollbackImage' | 'reboot'>;

/** The RPM test each WAN link's probe (owner: the link's name) runs. */
export const slaTestName = 'sla';

/** Where images are copied before they are installed, as Juniper's upgrade procedure does. */
export const stagingDirectory = '/var/tmp';

/** JUNIPER-RPM-MIB (jnxRpmMib, 1.3.6.1.4.1.2636.3.50.1), as the device serves it. */
export const rpmMib = {
  /** jnxRpmResultsSummaryEntry: INDEX { pingCtlOwnerIndex, pingCtlTestName, jnxRpmResSumCollection }. */
  summaryEntry: '1.3.6.1.4.1.2636.3.50.1.2.1',
  /** jnxRpmResultsCalculatedEntry: INDEX { pingCtlOwnerIndex, pingCtlTestName, jnxRpmResSumCollection, jnxRpmResCalcSet }. */
  calculatedEntry: '1.3.6.1.4.1.2636.3.50.1.3.1',
  summaryColumns: { sent: 2, received: 3, percentLost: 4, date: 5 },
  calculatedColumns: { samples: 2, min: 3, max: 4, average: 5, peakToPeak: 6, stdDev: 7, sum: 8 },
  /** JnxRpmCollectionType */
  collections: { currentTest: 1, lastCompletedTest: 2, movingAverage: 3, allTests: 4 },
  /** JnxRpmMeasurementSet */
  sets: { roundTripTime: 1, posRttJitter: 2, negRttJitter: 3 },
} as const;

/** An RPM entry's index: the owner and test names as length-prefixed octet strings (SnmpAdminString, not IMPLIED). */
export function rpmIndex(owner: string, test: string): string {
  const octets = (text: string) => [Buffer.byteLength(text), ...Buffer.from(text)].join('.');
  return `${octets(owner)}.${octets(test)}`;
}

/** Splits an RPM table instance (what follows the column) into owner, test and the rest of the index. */
export function parseRpmInstance(instance: string): { owner: string; test: string; rest: number[] } | undefined {
  const parts = instance.split('.').map(Number);
  const take = (): string | undefined => {
    const length = parts.shift();
    if (length === undefined || parts.length < length) return undefined;
    return Buffer.from(parts.splice(0, length)).toString('utf8');
  };
  const owner = take();
  const test = take();
  return owner === undefined || test === undefined ? undefined : { owner, test, rest: parts };
}

/** One collection of a test's results, as the summary and round-trip rows give it. */
interface RpmRow { sent?: number; received?: number; percentLost?: number; averageUs?: number; peakToPeakUs?: number }

/**
 * The last probe-count probes of a test, from its two collections: a real SRX updates the current
 * test's results probe by probe, and keeps the last completed test whole. The current test's k
 * probes stand for themselves and the last completed test's figures for the other n − k, weighted
 * by how many probes each holds (the MIB gives sums, not the probes, so the older test's figures
 * stand for its last n − k probes). A degradation so shows as its probes fail, not a test later,
 * and never goes back to the older test's figures in the moment between a test's last answer and
 * its completion.
 */
function lastProbes(last: RpmRow | undefined, current: RpmRow | undefined): RpmRow | undefined {
  if (!last) return current;
  const k = current?.sent ?? 0;
  const n = last.sent ?? 0;
  if (!current || k === 0) return last;
  // All of the current test's probes are known before the box rolls it into the last completed
  // one: they are the last n probes, whatever that older test met.
  if (k >= n) return current;
  const older = (n - k) / n;
  const lastLost = (last.percentLost ?? 0) / 100_000_000;
  const currentLost = (current.percentLost ?? 0) / 100_000_000;
  const answered = { current: current.received ?? 0, last: (last.received ?? 0) * older };
  const weighted = (a: number | undefined, b: number | undefined) => {
    const weight = (a === undefined ? 0 : answered.current) + (b === undefined ? 0 : answered.last);
    return weight === 0 ? undefined : ((a ?? 0) * answered.current + (b ?? 0) * answered.last) / weight;
  };
  const averageUs = weighted(current.averageUs, last.averageUs);
  // A peak-to-peak needs two answers: the current test's first alone reads 0 whatever the jitter,
  // so until a second comes the last completed test's stands.
  const peakToPeakUs = (current.received ?? 0) < 2 && last.peakToPeakUs !== undefined ? last.peakToPeakUs : weighted(current.peakToPeakUs, last.peakToPeakUs);
  return {
    sent: n, received: answered.current + answered.last,
    percentLost: Math.round(((k * currentLost + (n - k) * lastLost) / n) * 100_000_000),
    ...(averageUs !== undefined ? { averageUs } : {}), ...(peakToPeakUs !== undefined ? { peakToPeakUs } : {}),
  };
}

/** What one cell of the RPM results tables holds: a field of a collection of a link's SLA test. */
interface RpmCell { owner: string; collection: number; field: keyof RpmRow }

const summaryFields: Record<number, keyof RpmRow> = {
  [rpmMib.summaryColumns.sent]: 'sent', [rpmMib.summaryColumns.received]: 'received', [rpmMib.summaryColumns.percentLost]: 'percentLost',
};
const calculatedFields: Record<number, keyof RpmRow> = { [rpmMib.calculatedColumns.average]: 'averageUs', [rpmMib.calculatedColumns.peakToPeak]: 'peakToPeakUs' };

/** The cell an OID of the RPM results tables names, when it is one a reading uses (an SLA test's, the round-trip set's). */
function rpmCellOf(oid: string): RpmCell | undefined {
  const calculated = oid.startsWith(`${rpmMib.calculatedEntry}.`);
  if (!calculated && !oid.startsWith(`${rpmMib.summaryEntry}.`)) return undefined;
  const [column, ...instance] = oid.slice((calculated ? rpmMib.calculatedEntry : rpmMib.summaryEntry).length + 1).split('.');
  const index = parseRpmInstance(instance.join('.'));
  const field = (calculated ? calculatedFields : summaryFields)[Number(column)];
  if (!index || index.test !== slaTestName || field === undefined || (calculated && index.rest[1] !== rpmMib.sets.roundTripTime)) return undefined;
  return { owner: index.owner, collection: index.rest[0]!, field };
}

/** Per link, in the order the varbinds name them, from its current and last completed test's rows (the cells `cellOf` finds). */
function probeResultsFrom(varbinds: readonly VarBind[], cellOf: (oid: string) => RpmCell | undefined): ProbeResult[] {
  const tests = new Map<string, Map<number, RpmRow>>();
  for (const { oid, value } of varbinds) {
    const cell = cellOf(oid);
    if (!cell) continue;
    const { owner, collection, field } = cell;
    let collections = tests.get(owner);
    if (!collections) tests.set(owner, (collections = new Map()));
    let row = collections.get(collection);
    if (!row) collections.set(collection, (row = {}));
    row[field] = Number(value);
  }
  const results: ProbeResult[] = [];
  for (const [owner, collections] of tests) {
    const test = lastProbes(collections.get(rpmMib.collections.lastCompletedTest), collections.get(rpmMib.collections.currentTest));
    if (!test || test.percentLost === undefined) continue;
    const up = (test.received ?? 0) > 0 && test.averageUs !== undefined;
    results.push({
      link: owner,
      latencyMs: up ? Math.round((test.averageUs ?? 0) / 100) / 10 : 0,
      jitterMs: up ? Math.round((test.peakToPeakUs ?? 0) / 100) / 10 : 0,
      lossPermille: Math.round(test.percentLost / 100_000),
      up,
    });
  }
  return results;
}

/**
 * The SLA probes' results from JUNIPER-RPM-MIB: per WAN link, its last probe-count probes (the
 * current test's so far and the last completed test's before them; the current test alone while
 * none has completed). RTT and jitter (its peak to peak) come in microseconds; loss is a
 * percentage with six decimals. Probes none of which was answered have no round-trip row (the MIB
 * skips sets without samples): their link is down.
 */
export function probeResultsFromRpmMib(summary: VarBind[], calculated: VarBind[]): ProbeResult[] {
  return probeResultsFrom([...summary, ...calculated], rpmCellOf);
}

/** The columns a reading reads, of the summary and the round-trip rows. */
const probeColumns = [
  ...Object.keys(summaryFields).map((column) => `${rpmMib.summaryEntry}.${column}`),
  ...Object.keys(calculatedFields).map((column) => `${rpmMib.calculatedEntry}.${column}`),
];

/**
 * The exact GETs that read these links' SLA tests (the current and the last completed test's
 * summary, their round-trip set), at most four links a PDU, and the cell each OID names. The same
 * for every device with the same links: made once, a reading only looks its answers up.
 */
const exactReads = new Map<string, { pdus: string[][]; cells: Map<string, RpmCell> }>();
function exactReadOf(links: readonly string[]) {
  const key = links.join('\u0000');
  let read = exactReads.get(key);
  if (read) return read;
  const cells = new Map<string, RpmCell>();
  const oids = links.flatMap((owner) => [rpmMib.collections.currentTest, rpmMib.collections.lastCompletedTest].flatMap((collection) => probeColumns.map((column) => {
    const summary = column.startsWith(`${rpmMib.summaryEntry}.`);
    const oid = `${column}.${rpmIndex(owner, slaTestName)}.${collection}${summary ? '' : `.${rpmMib.sets.roundTripTime}`}`;
    cells.set(oid, rpmCellOf(oid)!);
    return oid;
  })));
  const perPdu = 4 * 2 * probeColumns.length;
  read = { pdus: Array.from({ length: Math.ceil(oids.length / perPdu) }, (_, n) => oids.slice(n * perPdu, (n + 1) * perPdu)), cells };
  // Links differ little from box to box; a fleet of odd ones starts the cache again rather than grow it.
  if (exactReads.size >= 1024) exactReads.clear();
  exactReads.set(key, read);
  return read;
}

/** A junos:seconds (or any *:seconds) attribute: Junos puts exact values there beside the text it formats for people. */
function secondsAttribute(element: Element | undefined): number | undefined {
  if (!element) return undefined;
  for (const attribute of Array.from(element.attributes)) {
    if (attribute.localName === 'seconds' && /^\d+$/.test(attribute.value)) return Number(attribute.value);
  }
  return undefined;
}

/** The first element of that name at any depth (replies may wrap it in multi-routing-engine-item). */
function find(root: Element, localName: string): Element | undefined {
  if (root.localName === localName) return root;
  for (const element of elementChildren(root)) {
    const found = find(element, localName);
    if (found) return found;
  }
  return undefined;
}

function findAll(root: Element, localName: string): Element[] {
  return elementChildren(root).flatMap((element) => (element.localName === localName ? [element] : findAll(element, localName)));
}

/** Uptime from get-system-uptime-information: the boot's time-length, else current time minus boot time. */
export function uptimeSeconds(reply: Element): number {
  const booted = find(reply, 'system-booted-time');
  const length = secondsAttribute(booted && child(booted, 'time-length'));
  if (length !== undefined) return length;
  const now = secondsAttribute(child(find(reply, 'current-time') ?? reply, 'date-time'));
  const boot = secondsAttribute(booted && child(booted, 'date-time'));
  return now !== undefined && boot !== undefined ? Math.max(0, now - boot) : 0;
}

/**
 * Free bytes where `path` lives, from get-system-storage (blocks of 512 bytes, as df counts
 * them). Junos mounts its filesystems under /.mount on recent releases: /.mount/var holds /var.
 */
export function freeBytesFor(reply: Element, path: string): number | undefined {
  const candidates = findAll(reply, 'filesystem').map((filesystem) => ({
    mountedOn: (childText(filesystem, 'mounted-on') ?? '').replace(/^\/\.mount(?=\/|$)/, '') || '/',
    availableBlocks: Number(childText(filesystem, 'available-blocks')),
  })).filter((f) => Number.isFinite(f.availableBlocks) && (f.mountedOn === '/' || path === f.mountedOn || path.startsWith(`${f.mountedOn}/`)));
  const best = candidates.sort((a, b) => b.mountedOn.length - a.mountedOn.length)[0];
  return best && best.availableBlocks * 512;
}

/**
 * Interfaces from get-interface-information (terse): every physical and logical interface with its
 * state and IPv4 addresses. A port also carries the addresses of its unit 0, where Junos puts a
 * WAN link's address. NETCONF rather than IF-MIB: IF-MIB has no addresses, and the post-checks
 * need them; one terse RPC answers names, states and addresses together.
 */
export function interfacesFrom(reply: Element): InterfaceStatus[] {
  const status = (element: Element, parentOperUp = true): Omit<InterfaceStatus, 'addresses'> => ({
    name: childText(element, 'name') ?? '',
    adminUp: childText(element, 'admin-status') === 'up',
    operUp: parentOperUp && childText(element, 'oper-status') === 'up',
  });
  const addresses = (logical: Element) => elementChildren(logical)
    .filter((e) => e.localName === 'address-family' && childText(e, 'address-family-name') === 'inet')
    .flatMap((family) => elementChildren(family).filter((e) => e.localName === 'interface-address'))
    .map((address) => childText(address, 'ifa-local') ?? '')
    .filter((address) => address.includes('/'));
  const withAddresses = (entry: Omit<InterfaceStatus, 'addresses'>, found: string[]): InterfaceStatus => (found.length > 0 ? { ...entry, addresses: found } : entry);
  const logicalsOf = (parent: Element) => elementChildren(parent).filter((e) => e.localName === 'logical-interface');
  const information = find(reply, 'interface-information');
  return [
    ...findAll(reply, 'physical-interface').flatMap((physical) => {
      const port = status(physical);
      const logicals = logicalsOf(physical);
      const unitZero = logicals.find((l) => childText(l, 'name') === `${port.name}.0`);
      return [
        withAddresses(port, unitZero ? addresses(unitZero) : []),
        ...logicals.map((logical) => withAddresses(status(logical, port.operUp), addresses(logical))),
      ];
    }),
    // Asked for one unit by name, Junos answers with that logical interface alone.
    ...(information ? logicalsOf(information) : []).map((logical) => withAddresses(status(logical), addresses(logical))),
  ];
}

/** At most this many interfaces are read one by one; more, and the whole table once costs less. */
const interfacesReadByName = 4;

/** One interface by name (a port with its units, or a unit alone); none where the device has no such interface. */
async function interfaceNamed(session: NetconfSession, name: string): Promise<InterfaceStatus[]> {
  try {
    return interfacesFrom(await session.rpc(`<get-interface-information><terse/><interface-name>${escapeXml(name)}</interface-name></get-interface-information>`));
  } catch (error) {
    // Junos refuses a name it does not know: "device st0.9 not found".
    if (error instanceof NetconfRpcError && error.errors.some((e) => /not found/i.test(e.message ?? ''))) return [];
    throw error;
  }
}

/** What request-package-add and request-package-rollback answered: their result code and what they printed. */
export function packageResult(reply: Element): { ok: boolean; output: string; activeAtReboot?: string } {
  const output = findAll(reply, 'output').map((o) => o.textContent?.trim() ?? '').join('\n');
  const code = find(reply, 'package-result')?.textContent?.trim();
  // "JUNOS 22.4R1.10 will become active at next reboot", "Junos version 'D10.2' will become active at next reboot"
  const version = /(?:JUNOS|Junos)(?:\s+version)?\s+["']?([\w.-]+?)["']?\s+will become active at next reboot/.exec(output)?.[1];
  return { ok: code === undefined ? !/^\s*error/im.test(output) : code === '0', output, ...(version ? { activeAtReboot: version } : {}) };
}

/** The IKE and IPsec security associations an SRX holds: one per remote gateway, with its state. */
export function securityAssociationsFrom(ike: Element, ipsec: Element): SecurityAssociation[] {
  const peers = new Map<string, SecurityAssociation>();
  const peer = (address: string) => {
    if (!peers.has(address)) peers.set(address, { peer: address, ikeUp: false, ipsecSas: 0, ipsecUp: false });
    return peers.get(address)!;
  };
  for (const sa of findAll(ike, 'ike-security-associations')) {
    const address = childText(sa, 'ike-sa-remote-address');
    if (address) peer(address).ikeUp ||= (childText(sa, 'ike-sa-state') ?? '').toUpperCase() === 'UP';
  }
  for (const block of findAll(ipsec, 'ipsec-security-associations-block')) {
    const up = (childText(block, 'sa-block-state') ?? '').toLowerCase() === 'up';
    for (const sa of elementChildren(block).filter((e) => e.localName === 'ipsec-security-associations')) {
      const address = childText(sa, 'sa-remote-gateway');
      if (!address) continue;
      const entry = peer(address);
      entry.ipsecSas += 1;
      entry.ipsecUp ||= up;
    }
  }
  return [...peers.values()];
}

/** The staged copy of an image: the URL's file name, or one named after its sha256. */
export function stagedPath(url: string, sha256: string): string {
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  return `${stagingDirectory}/${/^[\w.+-]+$/.test(name) ? name : `image-${sha256.slice(0, 16)}.tgz`}`;
}

export function junosOperations(connection: DeviceConnection, transports: Transports): JunosOperations & { securityAssociations(): Promise<SecurityAssociation[]> } {
  const target = netconfTarget(connection);
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(target, work);
  const snmp = snmpTarget(connection);
  const serial = connection.serial;

  const storageFree = async (session: NetconfSession): Promise<number | undefined> => freeBytesFor(await session.rpc('<get-system-storage/>'), stagingDirectory);

  /** Software the box boots next, or is installing now, as show version lists it. */
  async function pendingSoftware(session: NetconfSession): Promise<{ version: string; installing: boolean } | undefined> {
    const info = await session.rpc('<get-software-information/>');
    for (const pkg of findAll(info, 'package-information')) {
      const pending = /\[([^\]]+)\]\s*\(pending(, installing)?\)/.exec(childText(pkg, 'comment') ?? '');
      if (pending) return { version: pending[1]!, installing: !!pending[2] };
    }
    return undefined;
  }

  async function install(session: NetconfSession, input: { url: string; sha256: string; reboot: boolean; sizeBytes?: number; version?: string }): Promise<{ version: string }> {
    if (input.version !== undefined) {
      // A retry while the earlier attempt's install still runs waits for it; one after it finds
      // the version pending. Either way the image is not installed a second time.
      let pending = await pendingSoftware(session);
      const found = pending;
      while (pending?.installing && pending.version === input.version) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        pending = await pendingSoftware(session);
      }
      if (pending?.version === input.version) {
        // Installed without the reboot asked for now (an install in progress reboots by itself if it asked to).
        if (input.reboot && !found?.installing) await session.rpc('<request-reboot/>');
        return { version: input.version };
      }
    }
    const expected = input.sha256.toLowerCase();
    const path = stagedPath(input.url, expected);
    const free = await storageFree(session);
    if (free !== undefined && input.sizeBytes !== undefined && free < input.sizeBytes) {
      throw new DeviceError('rejected', `${serial} has ${free} bytes free in ${stagingDirectory}; the image needs ${input.sizeBytes}`, { reason: 'no-room', freeBytes: free, neededBytes: input.sizeBytes });
    }
    const removeStaged = () => session.rpc(`<file-delete><path>${escapeXml(path)}</path></file-delete>`).catch(() => undefined);
    try {
      await session.rpc(`<file-copy><source>${escapeXml(input.url)}</source><destination>${escapeXml(path)}</destination></file-copy>`, { timeoutMs: 15 * 60_000 });
    } catch (error) {
      if (error instanceof DeviceError && /no space left|not enough (free )?space/i.test(error.message)) {
        throw new DeviceError('rejected', `${serial} has no room in ${stagingDirectory} for the image: ${error.message}`, { reason: 'no-room' }, { cause: error });
      }
      throw error;
    }
    const checksum = await session.rpc(`<get-sha256-checksum-information><path>${escapeXml(path)}</path></get-sha256-checksum-information>`, { timeoutMs: 5 * 60_000 });
    const actual = find(checksum, 'checksum')?.textContent?.trim().toLowerCase();
    if (actual !== expected) {
      await removeStaged();
      throw new DeviceError('rejected', `${serial}: the image copied to ${path} has sha256 ${actual ?? '(none reported)'}, expected ${expected}; not installed`, { reason: 'checksum-mismatch', expected, actual });
    }
    const reply = await session.rpc(
      `<request-package-add><package-name>${escapeXml(path)}</package-name><no-copy/><unlink/>${input.reboot ? '<reboot/>' : ''}</request-package-add>`,
      { timeoutMs: 30 * 60_000 },
    );
    const result = packageResult(reply);
    if (!result.ok) {
      await removeStaged();
      throw new DeviceError('rejected', `${serial} refused the image: ${result.output || 'package-result not 0'}`, { reason: 'install-refused', output: result.output });
    }
    return { version: result.activeAtReboot ?? '' };
  }

  return {
    async facts(): Promise<DeviceFacts> {
      return netconf(async (session) => {
        const [software, inventory, uptime, storage] = await Promise.all([
          session.rpc('<get-software-information/>'),
          session.rpc('<get-chassis-inventory/>'),
          session.rpc('<get-system-uptime-information/>'),
          storageFree(session),
        ]);
        const info = find(software, 'software-information') ?? software;
        const chassis = find(inventory, 'chassis');
        return {
          serial: (chassis && childText(chassis, 'serial-number')) ?? '',
          model: modelOfProduct(childText(info, 'product-model') ?? ''),
          softwareVersion: childText(info, 'junos-version') ?? '',
          hostName: childText(info, 'host-name') ?? '',
          uptimeSeconds: uptimeSeconds(uptime),
          ...(storage !== undefined ? { storageFreeBytes: storage } : {}),
          hostKeySha256: session.hostKeySha256,
        };
      });
    },

    interfaces: (options = {}) => netconf(async (session) => {
      const names = options.names && [...new Set(options.names)];
      if (names && names.length <= interfacesReadByName) return (await Promise.all(names.map((name) => interfaceNamed(session, name)))).flat();
      return interfacesFrom(await session.rpc('<get-interface-information><terse/></get-interface-information>'));
    }),

    async probes(options = {}): Promise<ProbeResult[]> {
      if (options.links) {
        // Known links: the instances a reading needs, GET exactly. An agent answers a GET from its
        // index at once where a get-bulk makes it walk its tables in order.
        const read = exactReadOf(options.links);
        const answers = await Promise.all(read.pdus.map((pdu) => transports.snmp.getPresent(snmp, pdu)));
        return probeResultsFrom(answers.flat(), (oid) => read.cells.get(oid));
      }
      // The five columns in get-bulk PDUs together: one or two round trips for a branch box's
      // few links (a row per collection of each).
      return probeResultsFrom(await transports.snmp.walkColumns(snmp, probeColumns, 20), rpmCellOf);
    },

    installImage: (input) => netconf((session) => install(session, input)),

    async rollbackImage(options = { reboot: true }) {
      const result = packageResult(await netconf((session) => session.rpc(`<request-package-rollback>${options.reboot ? '<reboot/>' : ''}</request-package-rollback>`)));
      if (!result.ok) throw new DeviceError('rejected', `${serial} cannot roll its software back: ${result.output || 'package-result not 0'}`, { output: result.output });
      return { version: result.activeAtReboot ?? '' };
    },

    reboot: () => netconf((session) => session.rpc('<request-reboot/>')).then(() => undefined),

    /** IKE and IPsec SAs per remote gateway: what a tunnel's post-check can ask of an SRX. */
    securityAssociations: () => netconf(async (session) => securityAssociationsFrom(
      await session.rpc('<get-ike-security-associations-information/>'),
      await session.rpc('<get-security-associations-information/>'),
    )),
  };
}
