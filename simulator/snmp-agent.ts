// The simulated device's SNMP agent (net-snmp), serving what a Junos SRX serves: the SNMPv2-MIB
// system group (sysObjectID from Juniper's product tree), IF-MIB ifTable and ifXTable with
// counters that move, JUNIPER-MIB's chassis description and serial, and JUNIPER-RPM-MIB's results tables for the RPM tests configured. v2c by
// community, v3 by a USM user (authPriv).
import snmp from 'net-snmp';
import { rememberOidEncodings } from '../activities/devices/snmp-ber.ts';
import { percentLost, summarise, type RpmCollection, type RpmTest } from './rpm.ts';

rememberOidEncodings();

export const oids = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  ifNumber: '1.3.6.1.2.1.2.1.0',
  ifEntry: '1.3.6.1.2.1.2.2.1',
  ifXEntry: '1.3.6.1.2.1.31.1.1.1',
  /** JUNIPER-MIB jnxBoxDescr and jnxBoxSerialNo: the chassis as the box describes it. */
  jnxBoxDescr: '1.3.6.1.4.1.2636.3.1.2.0',
  jnxBoxSerialNo: '1.3.6.1.4.1.2636.3.1.3.0',
  /** JUNIPER-RPM-MIB jnxRpmResultsSummaryEntry and jnxRpmResultsCalculatedEntry. */
  rpmSummaryEntry: '1.3.6.1.4.1.2636.3.50.1.2.1',
  rpmCalculatedEntry: '1.3.6.1.4.1.2636.3.50.1.3.1',
} as const;

/** The notifications the box sends, and the tables their objects come from. */
export const notifications = {
  linkDown: '1.3.6.1.6.3.1.1.5.3',
  linkUp: '1.3.6.1.6.3.1.1.5.4',
  /** JUNIPER-PING-MIB (jnxPingNotifications 0 1): an RPM test's round trip exceeded `thresholds rtt`. */
  jnxPingRttThresholdExceeded: '1.3.6.1.4.1.2636.4.9.0.1',
  /** DISMAN-PING-MIB: an RPM test lost `thresholds total-loss` probes or more. */
  pingTestFailed: '1.3.6.1.2.1.80.0.2',
  pingCtlEntry: '1.3.6.1.2.1.80.1.2.1',
  pingResultsEntry: '1.3.6.1.2.1.80.1.3.1',
  jnxPingCtlEntry: '1.3.6.1.4.1.2636.3.7.1.2.1',
  jnxPingResultsEntry: '1.3.6.1.4.1.2636.3.7.1.3.1',
} as const;

/**
 * sysObjectID: the Juniper product each simulated model stands in for (JUNIPER-CHASSIS-DEFINES-MIB
 * jnxProductName…): the small branch box an SRX300, the medium one an SRX340, the hub an SRX4600.
 */
const jnxProductName: Record<string, string> = {
  'SRX-SIM-100': '1.3.6.1.4.1.2636.1.1.1.2.133',
  'SRX-SIM-300': '1.3.6.1.4.1.2636.1.1.1.2.135',
  'SRX-SIM-4600': '1.3.6.1.4.1.2636.1.1.1.2.140',
};
export const sysObjectIdOf = (model: string) => jnxProductName[model] ?? jnxProductName['SRX-SIM-300']!;

/**
 * A string index value as a length-prefixed octet string (not IMPLIED). Every row of every box
 * is read several times a second by an instance made of a few names (links, tests): each name's
 * encoding is made once.
 */
const octetsOf = new Map<string, string>();
function octets(text: string): string {
  let encoded = octetsOf.get(text);
  if (encoded === undefined) {
    encoded = [Buffer.byteLength(text), ...Buffer.from(text)].join('.');
    if (octetsOf.size >= 65_536) octetsOf.clear();
    octetsOf.set(text, encoded);
  }
  return encoded;
}

/** An RPM entry's instance: owner and test name as length-prefixed octet strings (pingCtlOwnerIndex, pingCtlTestName). */
export const rpmInstance = (owner: string, test: string): string => `${octets(owner)}.${octets(test)}`;

export interface SimInterface {
  index: number;
  name: string;
  description: string;
  speedMbps: number;
  adminUp: boolean;
  operUp: boolean;
  /** The IPv4 addresses it holds, with their prefix lengths (NETCONF's interface-information reports them). */
  addresses?: string[];
  lastChangeCentiseconds: number;
  inOctets: bigint;
  outOctets: bigint;
}

export interface SnmpView {
  serial: string;
  model: string;
  softwareVersion(): string;
  hostName(): string;
  uptimeCentiseconds(): number;
  interfaces(): SimInterface[];
  rpmResults(): { test: RpmTest; collections: RpmCollection[] }[];
}

export interface SnmpCredentials {
  community: string;
  /** SNMPv3 USM user with SHA authentication and AES privacy. */
  v3?: { user: string; authKey: string; privKey: string };
}

const { ObjectType, MibProviderType, MaxAccess } = snmp;
const readOnly = MaxAccess['read-only'];
const counter32 = (value: bigint) => Number(value % 4294967296n);
/** net-snmp encodes Counter64 from 8 big-endian bytes. */
function counter64(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt.asUintN(64, value));
  return bytes;
}

type Request = { oid: string; instanceNode: { value: unknown }; done(error?: unknown): void };

interface Column<Row> {
  number: number;
  name: string;
  type: number;
  value: (row: Row) => unknown;
  /** An index column the table does not serve (MAX-ACCESS not-accessible). */
  notAccessible?: boolean;
}

type IndexValue = string | number;

/** A row's instance: numbers as they are, strings as length-prefixed octets. */
const instanceOf = (key: IndexValue[]) => key.map((v) => (typeof v === 'string' ? octets(v) : String(v))).join('.');

/**
 * What `compute` answers, kept for the rest of this turn of the event loop: a request is answered
 * within one turn, and every cell it names reads the same state.
 */
function forThisTurn<T>(compute: () => T): { get(): T; forget(): void } {
  let kept: { value: T } | undefined;
  return {
    get() {
      if (!kept) {
        kept = { value: compute() };
        setImmediate(() => (kept = undefined));
      }
      return kept.value;
    },
    forget: () => (kept = undefined),
  };
}

/**
 * A table whose cells are computed from the device's state when read. net-snmp registers a table
 * at its entry OID, indexed by its own columns (`index`) or by another table's (ifXTable by
 * ifIndex); `key` is a row's index values.
 */
function liveTable<Row>(
  name: string,
  oid: string,
  computeRows: () => Row[],
  columns: Column<Row>[],
  index: { columns: string[] } | { foreign: { table: string; column: string } },
  key: (row: Row) => IndexValue[],
) {
  // Computed once for the cells of one request, with each row by its instance, which every cell of
  // the request looks up.
  const current = forThisTurn(() => {
    const rows = computeRows();
    return { rows, byInstance: new Map(rows.map((row) => [instanceOf(key(row)), row])) };
  });
  const computed = current.get;
  const rows = () => computed().rows;
  const foreign = 'foreign' in index ? index.foreign : undefined;
  const entryPrefix = `${oid}.`;
  const readable = new Map(columns.filter((column) => !column.notAccessible).map((column) => [column.number, column]));
  return {
    oid,
    /**
     * A GET of one of its cells, from the rows as they are now: its type and value; null when the
     * column is the table's but no row has that instance (noSuchInstance); undefined when the OID
     * is not a readable column of the table (the agent's own handling answers it).
     */
    cell(requested: string): { type: number; value: unknown } | null | undefined {
      if (!requested.startsWith(entryPrefix)) return undefined;
      const dot = requested.indexOf('.', entryPrefix.length);
      const column = dot > 0 ? readable.get(Number(requested.slice(entryPrefix.length, dot))) : undefined;
      if (!column) return undefined;
      const row = computed().byInstance.get(requested.slice(dot + 1));
      return row === undefined ? null : { type: column.type, value: column.value(row) };
    },
    /** Each row's index and the values addTableRow wants: the foreign index first, then every column. */
    currentRows: () => {
      current.forget();
      return rows().map((row) => ({ key: key(row), values: [...(foreign ? key(row) : []), ...columns.map((column) => column.value(row))] }));
    },
    provider: {
      name,
      type: MibProviderType.Table,
      oid,
      maxAccess: MaxAccess['not-accessible'],
      tableColumns: columns.map(({ number, name, type, notAccessible }) => ({ number, name, type, maxAccess: notAccessible ? MaxAccess['not-accessible'] : readOnly })),
      tableIndex: foreign ? [{ columnName: foreign.column, foreign: foreign.table }] : (index as { columns: string[] }).columns.map((columnName) => ({ columnName })),
      handler: (request: Request) => {
        const rest = request.oid.slice(oid.length + 1);
        const dot = rest.indexOf('.');
        const definition = columns.find((c) => c.number === Number(rest.slice(0, dot)));
        const row = computed().byInstance.get(rest.slice(dot + 1));
        if (row && definition) request.instanceNode.value = definition.value(row);
        request.done();
      },
    },
  };
}

/** DateAndTime (SNMPv2-TC): year, month, day, hour, minutes, seconds, deci-seconds, in UTC. */
function dateAndTime(date: Date): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt16BE(date.getUTCFullYear(), 0);
  [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), Math.floor(date.getUTCMilliseconds() / 100)]
    .forEach((value, i) => bytes.writeUInt8(value, i + 2));
  return bytes;
}

/**
 * RFC 3416 (4.2.3): a GetBulk answers its non-repeaters once, then up to max-repetitions rows of
 * each repeater, N + M × R varbinds, as Junos's agent does. net-snmp's agent stops at R varbinds in
 * all; this replaces its handler on the agent given, so a manager reading several columns at once
 * gets whole rows of each in one round trip.
 */
function answerGetBulkPerRepeater(agent: ReturnType<typeof snmp.createAgent>) {
  type Node = { oid: string; type: number } | undefined;
  const internals = agent as unknown as {
    getBulkRequest(socket: unknown, message: { pdu: { varbinds: { oid: string }[]; nonRepeaters: number; maxRepetitions: number } }, rinfo: unknown): void;
    addGetNextVarbind(varbinds: unknown[], oid: string): Node;
    request(socket: unknown, message: unknown, rinfo: unknown): void;
  };
  internals.getBulkRequest = function getBulkRequest(socket, message, rinfo) {
    const { varbinds: requested, nonRepeaters, maxRepetitions } = message.pdu;
    const answered: unknown[] = [];
    const fixed = Math.min(nonRepeaters, requested.length);
    for (let n = 0; n < fixed; n++) internals.addGetNextVarbind(answered, requested[n]!.oid);
    const from = requested.slice(fixed).map((v) => v.oid);
    let ended = from.length === 0;
    for (let row = 0; row < maxRepetitions && !ended; row++) {
      for (let r = 0; r < from.length; r++) {
        const next = internals.addGetNextVarbind(answered, from[r]!);
        if (next) from[r] = next.oid;
        if (next?.type === snmp.ObjectType.EndOfMibView) ended = true;
      }
    }
    message.pdu.varbinds = answered as { oid: string }[];
    internals.request(socket, message, rinfo);
  };
}

/**
 * GETs of table cells answered straight from the tables' rows as they are now, the way an agent
 * answers an exact instance from its index: net-snmp's agent would look each varbind up in its MIB
 * tree, build a request object per varbind and call the table's handler, most of a simulator's
 * CPU when it polls thousands of boxes. A GET naming anything else (a scalar, an index column)
 * goes the agent's own way.
 */
function answerGetFromTables(agent: ReturnType<typeof snmp.createAgent>, tables: readonly { cell(oid: string): { type: number; value: unknown } | null | undefined }[]) {
  type Pdu = { varbinds: { oid: string }[]; getResponsePduForRequest(): { varbinds: unknown[] } };
  const internals = agent as unknown as {
    getRequest(socket: unknown, message: { pdu: Pdu }, rinfo: unknown): void;
    sendResponse(socket: unknown, rinfo: unknown, message: unknown, pdu: unknown): void;
  };
  const agentsOwn = internals.getRequest.bind(agent);
  internals.getRequest = function getRequest(socket, message, rinfo) {
    const answers: { oid: string; type: number; value: unknown }[] = [];
    for (const { oid } of message.pdu.varbinds) {
      let cell: { type: number; value: unknown } | null | undefined;
      for (const table of tables) if ((cell = table.cell(oid)) !== undefined) break;
      if (cell === undefined) return agentsOwn(socket, message, rinfo);
      answers.push({ oid, ...(cell ?? { type: snmp.ObjectType.NoSuchInstance, value: null }) });
    }
    const response = message.pdu.getResponsePduForRequest();
    response.varbinds = answers;
    internals.sendResponse(socket, rinfo, message, response);
  };
}

/** Walks (GETNEXT, GETBULK) go through `before` first. */
function walkCurrentRows(agent: ReturnType<typeof snmp.createAgent>, before: () => void) {
  type Answer = (socket: unknown, message: unknown, rinfo: unknown) => void;
  const internals = agent as unknown as { getNextRequest: Answer; getBulkRequest: Answer };
  for (const name of ['getNextRequest', 'getBulkRequest'] as const) {
    const answer = internals[name].bind(agent);
    internals[name] = (socket, message, rinfo) => {
      before();
      answer(socket, message, rinfo);
    };
  }
}

export interface RunningSnmpAgent {
  /** Interfaces or links changed: the table rows are rebuilt before the next walk. */
  tablesChanged(): void;
  close(): Promise<void>;
}

export function startSnmpAgent(view: SnmpView, options: { address: string; port: number; credentials: SnmpCredentials }): Promise<RunningSnmpAgent> {
  return new Promise((resolve, reject) => {
    let started = false;
    const agent = snmp.createAgent({ port: options.port, address: options.address, disableAuthorization: false }, (error: Error | null) => {
      if (error && !started) reject(error); // later errors are bad requests from clients: ignored, as a router does
    });
    answerGetBulkPerRepeater(agent);
    const authorizer = agent.getAuthorizer();
    authorizer.addCommunity(options.credentials.community);
    if (options.credentials.v3) {
      authorizer.addUser({
        name: options.credentials.v3.user,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha,
        authKey: options.credentials.v3.authKey,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: options.credentials.v3.privKey,
      });
    }
    const mib = agent.getMib();
    // net-snmp's agent builds the whole table row of every cell it answers (twice) only to hand it
    // to the request callback, which this agent does not read: at fleet scale, most of its CPU.
    (mib as unknown as { getTableRowCells: () => undefined }).getTableRowCells = () => undefined;
    const scalar = (name: string, oid: string, type: number, value: () => unknown) => ({
      name, oid, type: MibProviderType.Scalar, scalarType: type, maxAccess: readOnly,
      handler: (request: Request) => {
        request.instanceNode.value = value();
        request.done();
      },
    });
    const scalars = [
      scalar('sysDescr', '1.3.6.1.2.1.1.1', ObjectType.OctetString, () => `Juniper Networks, Inc. ${view.model} internet router, kernel JUNOS ${view.softwareVersion()}`),
      scalar('sysObjectID', '1.3.6.1.2.1.1.2', ObjectType.OID, () => sysObjectIdOf(view.model)),
      scalar('sysUpTime', '1.3.6.1.2.1.1.3', ObjectType.TimeTicks, () => view.uptimeCentiseconds()),
      scalar('sysContact', '1.3.6.1.2.1.1.4', ObjectType.OctetString, () => 'noc@example.net'),
      scalar('sysName', '1.3.6.1.2.1.1.5', ObjectType.OctetString, () => view.hostName()),
      scalar('sysLocation', '1.3.6.1.2.1.1.6', ObjectType.OctetString, () => 'branch'),
      scalar('ifNumber', '1.3.6.1.2.1.2.1', ObjectType.Integer, () => view.interfaces().length),
      scalar('jnxBoxDescr', '1.3.6.1.4.1.2636.3.1.2', ObjectType.OctetString, () => `Juniper ${view.model} Internet Router`),
      scalar('jnxBoxSerialNo', '1.3.6.1.4.1.2636.3.1.3', ObjectType.OctetString, () => view.serial),
      // SNMP-FRAMEWORK-MIB's engine group, as every SNMPv3 agent serves it. Being last in the tree it
      // also ends walks of empty tables (JUNIPER-RPM-MIB before any test): past the end of its MIB,
      // net-snmp's agent answers a get-next with noSuchObject instead of endOfMibView.
      scalar('snmpEngineBoots', '1.3.6.1.6.3.10.2.1.2', ObjectType.Integer, () => 1),
      scalar('snmpEngineTime', '1.3.6.1.6.3.10.2.1.3', ObjectType.Integer, () => Math.floor(view.uptimeCentiseconds() / 100)),
      scalar('snmpEngineMaxMessageSize', '1.3.6.1.6.3.10.2.1.4', ObjectType.Integer, () => 65507),
    ];
    const { Integer, OctetString, Gauge, Counter, Counter64, TimeTicks } = ObjectType;
    const ifType = (name: string) => (name.startsWith('st0') ? 131 : name.startsWith('lo') ? 24 : 6); // tunnel, softwareLoopback, ethernetCsmacd
    const byIfIndex = (i: SimInterface) => [i.index];
    // JUNIPER-RPM-MIB rows: per configured test, its collections; the round-trip set only where
    // probes were answered. Both tables' from one reading of the tests' results a request.
    const rpmResults = forThisTurn(() => view.rpmResults());
    const rpmRows = () => rpmResults.get().flatMap(({ test, collections }) => collections.map((c) => ({ owner: test.owner, test: test.test, collection: c })));
    const rpmKey = (r: { owner: string; test: string; collection: RpmCollection }) => [r.owner, r.test, r.collection.collection];
    const calculatedRows = () => rpmRows().flatMap((r) => {
      const rtt = summarise(r.collection);
      return rtt ? [{ ...r, set: 1, rtt }] : []; // roundTripTime(1); the jitter sets need hardware timestamps
    });
    const rpmIndexColumns = [
      { number: 201, name: 'pingCtlOwnerIndex', type: OctetString, notAccessible: true, value: (r: { owner: string }) => r.owner },
      { number: 202, name: 'pingCtlTestName', type: OctetString, notAccessible: true, value: (r: { test: string }) => r.test },
    ];
    const tables = [
      liveTable('ifTable', oids.ifEntry, () => view.interfaces(), [
        { number: 1, name: 'ifIndex', type: Integer, value: (i) => i.index },
        { number: 2, name: 'ifDescr', type: OctetString, value: (i) => i.name },
        { number: 3, name: 'ifType', type: Integer, value: (i) => ifType(i.name) },
        { number: 5, name: 'ifSpeed', type: Gauge, value: (i) => Math.min(i.speedMbps * 1_000_000, 4294967295) },
        { number: 7, name: 'ifAdminStatus', type: Integer, value: (i) => (i.adminUp ? 1 : 2) },
        { number: 8, name: 'ifOperStatus', type: Integer, value: (i) => (i.operUp ? 1 : 2) },
        { number: 9, name: 'ifLastChange', type: TimeTicks, value: (i) => i.lastChangeCentiseconds },
        { number: 10, name: 'ifInOctets', type: Counter, value: (i) => counter32(i.inOctets) },
        { number: 16, name: 'ifOutOctets', type: Counter, value: (i) => counter32(i.outOctets) },
      ], { columns: ['ifIndex'] }, byIfIndex),
      liveTable('ifXTable', oids.ifXEntry, () => view.interfaces(), [
        { number: 1, name: 'ifName', type: OctetString, value: (i) => i.name },
        { number: 6, name: 'ifHCInOctets', type: Counter64, value: (i) => counter64(i.inOctets) },
        { number: 10, name: 'ifHCOutOctets', type: Counter64, value: (i) => counter64(i.outOctets) },
        { number: 15, name: 'ifHighSpeed', type: Gauge, value: (i) => i.speedMbps },
        { number: 18, name: 'ifAlias', type: OctetString, value: (i) => i.description },
      ], { foreign: { table: 'ifTable', column: 'ifIndex' } }, byIfIndex),
      liveTable('jnxRpmResultsSummaryTable', oids.rpmSummaryEntry, rpmRows, [
        ...rpmIndexColumns,
        { number: 1, name: 'jnxRpmResSumCollection', type: Integer, notAccessible: true, value: (r) => r.collection.collection },
        { number: 2, name: 'jnxRpmResSumSent', type: Gauge, value: (r) => r.collection.sent },
        { number: 3, name: 'jnxRpmResSumReceived', type: Gauge, value: (r) => r.collection.received },
        { number: 4, name: 'jnxRpmResSumPercentLost', type: Gauge, value: (r) => percentLost(r.collection) },
        { number: 5, name: 'jnxRpmResSumDate', type: OctetString, value: () => dateAndTime(new Date()) },
      ], { columns: ['pingCtlOwnerIndex', 'pingCtlTestName', 'jnxRpmResSumCollection'] }, rpmKey),
      liveTable('jnxRpmResultsCalculatedTable', oids.rpmCalculatedEntry, calculatedRows, [
        ...rpmIndexColumns,
        { number: 203, name: 'jnxRpmResSumCollection', type: Integer, notAccessible: true, value: (r) => r.collection.collection },
        { number: 1, name: 'jnxRpmResCalcSet', type: Integer, notAccessible: true, value: (r) => r.set },
        { number: 2, name: 'jnxRpmResCalcSamples', type: Gauge, value: (r) => r.rtt.samples },
        { number: 3, name: 'jnxRpmResCalcMin', type: Gauge, value: (r) => r.rtt.minUs },
        { number: 4, name: 'jnxRpmResCalcMax', type: Gauge, value: (r) => r.rtt.maxUs },
        { number: 5, name: 'jnxRpmResCalcAverage', type: Gauge, value: (r) => r.rtt.averageUs },
        { number: 6, name: 'jnxRpmResCalcPkToPk', type: Gauge, value: (r) => r.rtt.peakToPeakUs },
        { number: 7, name: 'jnxRpmResCalcStdDev', type: Gauge, value: (r) => r.rtt.stdDevUs },
        { number: 8, name: 'jnxRpmResCalcSum', type: Counter64, value: (r) => counter64(BigInt(r.rtt.sumUs)) },
      ], { columns: ['pingCtlOwnerIndex', 'pingCtlTestName', 'jnxRpmResSumCollection', 'jnxRpmResCalcSet'] }, (r) => [...rpmKey(r), r.set]),
    ];
    mib.registerProviders([...scalars, ...tables.map((table) => table.provider)]);
    answerGetFromTables(agent, tables);
    for (const provider of scalars) mib.setScalarValue(provider.name, provider.scalarType === ObjectType.Integer || provider.scalarType === ObjectType.TimeTicks ? 0 : provider.scalarType === ObjectType.OID ? '1.3' : '');

    // The rows' values go stale at once: the handlers compute every cell again when it is read.
    let added: { table: string; key: IndexValue[] }[] = [];
    const refreshTables = () => {
      rpmResults.forget();
      for (const { table, key } of added) mib.deleteTableRow(table, key);
      added = [];
      for (const table of tables) {
        for (const { key, values } of table.currentRows()) {
          mib.addTableRow(table.provider.name, values);
          added.push({ table: table.provider.name, key });
        }
      }
    };
    refreshTables();
    // Which rows exist matters to a walk alone (a GET reads the tables as they are now): rebuilt
    // before the next walk, not on every change: every commit of a hub rebuilt its thousand
    // tunnels' rows, walked or not before the next one.
    let rowsStale = false;
    walkCurrentRows(agent, () => {
      if (!rowsStale) return;
      rowsStale = false;
      refreshTables();
    });
    started = true;
    resolve({
      tablesChanged: () => {
        rpmResults.forget();
        rowsStale = true;
      },
      close: () => new Promise((done) => agent.close(() => done())),
    });
  });
}
