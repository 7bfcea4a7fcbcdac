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

/** A table (net-snmp registers it at its entry OID) whose cells are computed when read: column and row → value. */
function liveTable(
  name: string,
  oid: string,
  columns: { number: number; name: string; type: number }[],
  cell: (column: number, row: number) => unknown,
  /** A table indexed by another table's index column (ifXTable by ifTable's ifIndex). */
  foreignIndex?: { table: string; column: string },
) {
  return {
    name,
    type: MibProviderType.Table,
    oid,
    maxAccess: MaxAccess['not-accessible'],
    tableColumns: columns.map((c) => ({ ...c, maxAccess: readOnly })),
    tableIndex: [foreignIndex ? { columnName: foreignIndex.column, foreign: foreignIndex.table } : { columnName: columns[0]!.name }],
    handler: (request: Request) => {
      const parts = request.oid.slice(oid.length + 1).split('.').map(Number);
      const value = cell(parts[0]!, parts[1]!);
      if (value !== undefined) request.instanceNode.value = value;
      request.done();
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
    const byIndex = <T extends { index: number }>(rows: T[], index: number) => rows.find((row) => row.index === index);
    const ifTable = liveTable('ifTable', oids.ifEntry, [
      { number: 1, name: 'ifIndex', type: ObjectType.Integer },
      { number: 2, name: 'ifDescr', type: ObjectType.OctetString },
      { number: 3, name: 'ifType', type: ObjectType.Integer },
      { number: 5, name: 'ifSpeed', type: ObjectType.Gauge },
      { number: 7, name: 'ifAdminStatus', type: ObjectType.Integer },
      { number: 8, name: 'ifOperStatus', type: ObjectType.Integer },
      { number: 9, name: 'ifLastChange', type: ObjectType.TimeTicks },
      { number: 10, name: 'ifInOctets', type: ObjectType.Counter },
      { number: 16, name: 'ifOutOctets', type: ObjectType.Counter },
    ], (column, row) => {
      const iface = byIndex(view.interfaces(), row);
      if (!iface) return undefined;
      switch (column) {
        case 1: return iface.index;
        case 2: return iface.name;
        case 3: return iface.name.startsWith('st0') ? 131 : iface.name.startsWith('lo') ? 24 : 6; // tunnel, softwareLoopback, ethernetCsmacd
        case 5: return Math.min(iface.speedMbps * 1_000_000, 4294967295);
        case 7: return iface.adminUp ? 1 : 2;
        case 8: return iface.operUp ? 1 : 2;
        case 9: return iface.lastChangeCentiseconds;
        case 10: return counter32(iface.inOctets);
        case 16: return counter32(iface.outOctets);
        default: return undefined;
      }
    });
    const ifXTable = liveTable('ifXTable', oids.ifXEntry, [
      { number: 1, name: 'ifName', type: ObjectType.OctetString },
      { number: 6, name: 'ifHCInOctets', type: ObjectType.Counter64 },
      { number: 10, name: 'ifHCOutOctets', type: ObjectType.Counter64 },
      { number: 15, name: 'ifHighSpeed', type: ObjectType.Gauge },
      { number: 18, name: 'ifAlias', type: ObjectType.OctetString },
    ], (column, row) => {
      const iface = byIndex(view.interfaces(), row);
      if (!iface) return undefined;
      switch (column) {
        case 1: return iface.name;
        case 6: return counter64(iface.inOctets);
        case 10: return counter64(iface.outOctets);
        case 15: return iface.speedMbps;
        case 18: return iface.description;
        default: return undefined;
      }
    }, { table: 'ifTable', column: 'ifIndex' });
    const probeTable = liveTable('blWanProbeTable', oids.probeEntry, [
      { number: 1, name: 'blProbeIndex', type: ObjectType.Integer },
      { number: 2, name: 'blProbeLinkName', type: ObjectType.OctetString },
      { number: 3, name: 'blProbeIfIndex', type: ObjectType.Integer },
      { number: 4, name: 'blProbeLatencyMs', type: ObjectType.Gauge },
      { number: 5, name: 'blProbeJitterMs', type: ObjectType.Gauge },
      { number: 6, name: 'blProbeLossPermille', type: ObjectType.Gauge },
      { number: 7, name: 'blProbeStatus', type: ObjectType.Integer },
    ], (column, row) => {
      const probe = byIndex(view.probes(), row);
      if (!probe) return undefined;
      return [undefined, probe.index, probe.name, probe.ifIndex, probe.latencyMs, probe.jitterMs, probe.lossPermille, probe.up ? 1 : 2][column];
    });
    mib.registerProviders([...scalars, ifTable, ifXTable, probeTable]);
    for (const provider of scalars) mib.setScalarValue(provider.name, provider.scalarType === ObjectType.Integer || provider.scalarType === ObjectType.TimeTicks ? 0 : provider.scalarType === ObjectType.OID ? '1.3' : '');

    // Rows hold placeholders: the handlers compute every cell when it is read.
    const rows = new Map<string, number[]>();
    const addRow = (table: string, index: number, values: unknown[]) => {
      mib.addTableRow(table, values);
      rows.set(table, [...(rows.get(table) ?? []), index]);
    };
    const refreshTables = () => {
      for (const [table, indexes] of rows) for (const index of indexes) mib.deleteTableRow(table, [index]);
      rows.clear();
      for (const iface of view.interfaces()) {
        addRow('ifTable', iface.index, [iface.index, iface.name, 6, 0, 1, 1, 0, 0, 0]);
        addRow('ifXTable', iface.index, [iface.index, iface.name, counter64(0n), counter64(0n), 0, '']);
      }
      for (const probe of view.probes()) addRow('blWanProbeTable', probe.index, [probe.index, probe.name, probe.ifIndex, 0, 0, 0, 1]);
    };
    refreshTables();
    started = true;
    resolve({
      refreshTables,
      close: () => new Promise((done) => agent.close(() => done())),
    });
  });
}
