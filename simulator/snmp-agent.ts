// The simulated device's SNMP agent (net-snmp): SNMPv2-MIB system group, IF-MIB ifTable and
// ifXTable with counters that move, and Branchline's simulator subtree with the software
// version and, per WAN link, the probe results. v2c by community, v3 by a USM user (authPriv).
import snmp from 'net-snmp';

/** The simulator's enterprise subtree (see README, "The simulator's MIB"). */
export const simulatorOid = '1.3.6.1.4.1.64242.1';
export const oids = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  ifNumber: '1.3.6.1.2.1.2.1.0',
  ifEntry: '1.3.6.1.2.1.2.2.1',
  ifXEntry: '1.3.6.1.2.1.31.1.1.1',
  softwareVersion: `${simulatorOid}.1.1.0`,
  serialNumber: `${simulatorOid}.1.2.0`,
  model: `${simulatorOid}.1.3.0`,
  probeEntry: `${simulatorOid}.2.1`,
  probeThresholdTrap: `${simulatorOid}.0.1`,
} as const;

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

export interface SimProbe {
  index: number;
  name: string;
  ifIndex: number;
  latencyMs: number;
  jitterMs: number;
  lossPermille: number;
  up: boolean;
}

export interface SnmpView {
  serial: string;
  model: string;
  softwareVersion(): string;
  hostName(): string;
  uptimeCentiseconds(): number;
  interfaces(): SimInterface[];
  probes(): SimProbe[];
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
}

/**
 * A table whose cells are computed from the device's state when read. net-snmp registers a table
 * at its entry OID; `foreignIndex` indexes it by another table's column (ifXTable by ifIndex).
 */
function liveTable<Row extends { index: number }>(
  name: string,
  oid: string,
  rows: () => Row[],
  columns: Column<Row>[],
  foreignIndex?: { table: string; column: string },
) {
  return {
    /** Each row's index and the values addTableRow wants: the foreign index first, then every column. */
    currentRows: () => rows().map((row) => ({ index: row.index, values: [...(foreignIndex ? [row.index] : []), ...columns.map((column) => column.value(row))] })),
    provider: {
      name,
      type: MibProviderType.Table,
      oid,
      maxAccess: MaxAccess['not-accessible'],
      tableColumns: columns.map(({ number, name, type }) => ({ number, name, type, maxAccess: readOnly })),
      tableIndex: [foreignIndex ? { columnName: foreignIndex.column, foreign: foreignIndex.table } : { columnName: columns[0]!.name }],
      handler: (request: Request) => {
        const [column, index] = request.oid.slice(oid.length + 1).split('.').map(Number);
        const row = rows().find((r) => r.index === index);
        const definition = columns.find((c) => c.number === column);
        if (row && definition) request.instanceNode.value = definition.value(row);
        request.done();
      },
    },
  };
}

export interface RunningSnmpAgent {
  /** Rebuilds the table rows after interfaces or links changed. */
  refreshTables(): void;
  close(): Promise<void>;
}

export function startSnmpAgent(view: SnmpView, options: { address: string; port: number; credentials: SnmpCredentials }): Promise<RunningSnmpAgent> {
  return new Promise((resolve, reject) => {
    let started = false;
    const agent = snmp.createAgent({ port: options.port, address: options.address, disableAuthorization: false }, (error: Error | null) => {
      if (error && !started) reject(error); // later errors are bad requests from clients: ignored, as a router does
    });
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
    const scalar = (name: string, oid: string, type: number, value: () => unknown) => ({
      name, oid, type: MibProviderType.Scalar, scalarType: type, maxAccess: readOnly,
      handler: (request: Request) => {
        request.instanceNode.value = value();
        request.done();
      },
    });
    const scalars = [
      scalar('sysDescr', '1.3.6.1.2.1.1.1', ObjectType.OctetString, () => `Branchline simulated ${view.model} router, software ${view.softwareVersion()}`),
      scalar('sysObjectID', '1.3.6.1.2.1.1.2', ObjectType.OID, () => `${simulatorOid}.100`),
      scalar('sysUpTime', '1.3.6.1.2.1.1.3', ObjectType.TimeTicks, () => view.uptimeCentiseconds()),
      scalar('sysContact', '1.3.6.1.2.1.1.4', ObjectType.OctetString, () => 'noc@example.net'),
      scalar('sysName', '1.3.6.1.2.1.1.5', ObjectType.OctetString, () => view.hostName()),
      scalar('sysLocation', '1.3.6.1.2.1.1.6', ObjectType.OctetString, () => 'branch'),
      scalar('ifNumber', '1.3.6.1.2.1.2.1', ObjectType.Integer, () => view.interfaces().length),
      scalar('blSoftwareVersion', `${simulatorOid}.1.1`, ObjectType.OctetString, () => view.softwareVersion()),
      scalar('blSerialNumber', `${simulatorOid}.1.2`, ObjectType.OctetString, () => view.serial),
      scalar('blModel', `${simulatorOid}.1.3`, ObjectType.OctetString, () => view.model),
    ];
    const { Integer, OctetString, Gauge, Counter, Counter64, TimeTicks } = ObjectType;
    const ifType = (name: string) => (name.startsWith('st0') ? 131 : name.startsWith('lo') ? 24 : 6); // tunnel, softwareLoopback, ethernetCsmacd
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
      ]),
      liveTable('ifXTable', oids.ifXEntry, () => view.interfaces(), [
        { number: 1, name: 'ifName', type: OctetString, value: (i) => i.name },
        { number: 6, name: 'ifHCInOctets', type: Counter64, value: (i) => counter64(i.inOctets) },
        { number: 10, name: 'ifHCOutOctets', type: Counter64, value: (i) => counter64(i.outOctets) },
        { number: 15, name: 'ifHighSpeed', type: Gauge, value: (i) => i.speedMbps },
        { number: 18, name: 'ifAlias', type: OctetString, value: (i) => i.description },
      ], { table: 'ifTable', column: 'ifIndex' }),
      liveTable('blWanProbeTable', oids.probeEntry, () => view.probes(), [
        { number: 1, name: 'blProbeIndex', type: Integer, value: (p) => p.index },
        { number: 2, name: 'blProbeLinkName', type: OctetString, value: (p) => p.name },
        { number: 3, name: 'blProbeIfIndex', type: Integer, value: (p) => p.ifIndex },
        { number: 4, name: 'blProbeLatencyMs', type: Gauge, value: (p) => p.latencyMs },
        { number: 5, name: 'blProbeJitterMs', type: Gauge, value: (p) => p.jitterMs },
        { number: 6, name: 'blProbeLossPermille', type: Gauge, value: (p) => p.lossPermille },
        { number: 7, name: 'blProbeStatus', type: Integer, value: (p) => (p.up ? 1 : 2) },
      ]),
    ];
    mib.registerProviders([...scalars, ...tables.map((table) => table.provider)]);
    for (const provider of scalars) mib.setScalarValue(provider.name, provider.scalarType === ObjectType.Integer || provider.scalarType === ObjectType.TimeTicks ? 0 : provider.scalarType === ObjectType.OID ? '1.3' : '');

    // The rows' values go stale at once: the handlers compute every cell again when it is read.
    let added: { table: string; index: number }[] = [];
    const refreshTables = () => {
      for (const { table, index } of added) mib.deleteTableRow(table, [index]);
      added = [];
      for (const table of tables) {
        for (const { index, values } of table.currentRows()) {
          mib.addTableRow(table.provider.name, values);
          added.push({ table: table.provider.name, index });
        }
      }
    };
    refreshTables();
    started = true;
    resolve({
      refreshTables,
      close: () => new Promise((done) => agent.close(() => done())),
    });
  });
}
