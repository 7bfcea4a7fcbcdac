// SNMP polling (net-snmp): v2c and v3 (USM authPriv, SHA + AES), get, get-next, get-bulk and
// walks, with typed errors. One session per device is reused; the number of open sessions (each
// one UDP socket) is capped, least recently used first out, so one process can poll thousands of
// devices without running out of file descriptors.
import snmp from 'net-snmp';
import { DeviceError } from './errors.ts';
import { rememberOidEncodings } from './snmp-ber.ts';

rememberOidEncodings();

export interface SnmpTarget {
  host: string;
  port: number;
  version: '2c' | '3';
  community?: string;
  v3?: SnmpV3User;
}

/** An SNMPv3 user with authentication and privacy (authPriv); SHA and AES unless told otherwise. */
export interface SnmpV3User {
  user: string;
  authProtocol?: 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  authKey: string;
  privProtocol?: 'des' | 'aes' | 'aes256b' | 'aes256r';
  privKey: string;
}

export interface VarBind {
  oid: string;
  /** Numbers, bigints (Counter64), strings (OctetString as UTF-8, OIDs as dotted text). */
  value: number | bigint | string | null;
  type: number;
}

export interface SnmpClientOptions {
  timeoutMs?: number;
  retries?: number;
  /** Open sessions at most (one UDP socket each). */
  maxSessions?: number;
}

type RawVarbind = snmp.Varbind;

function toVarBind(raw: RawVarbind): VarBind {
  const { ObjectType } = snmp;
  let value: VarBind['value'];
  if (raw.type === ObjectType.OctetString) value = Buffer.isBuffer(raw.value) ? raw.value.toString('utf8') : String(raw.value);
  else if (raw.type === ObjectType.Counter64) value = Buffer.isBuffer(raw.value) ? BigInt(`0x${raw.value.toString('hex') || '0'}`) : BigInt(raw.value as number);
  else if (raw.type === ObjectType.Null) value = null;
  else value = raw.value as number | string;
  return { oid: raw.oid, type: raw.type ?? ObjectType.Null, value };
}

const targetKeys = new WeakMap<SnmpTarget, string>();

export class SnmpClient {
  private readonly sessions = new Map<string, { session: ReturnType<typeof snmp.createSession>; target: SnmpTarget }>();
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxSessions: number;

  constructor(options: SnmpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.retries = options.retries ?? 1;
    this.maxSessions = options.maxSessions ?? 512;
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** Sessions are per device and credentials: a changed password gets a session of its own. Made once per target (a poller reads with the same one every interval). */
  private key(target: SnmpTarget) {
    let key = targetKeys.get(target);
    if (key === undefined) {
      const credentials = target.version === '3' ? JSON.stringify(target.v3 ?? {}) : target.community ?? '';
      targetKeys.set(target, (key = `${target.host}:${target.port}/${target.version}/${credentials}`));
    }
    return key;
  }

  private session(target: SnmpTarget) {
    const key = this.key(target);
    const found = this.sessions.get(key);
    if (found) {
      // Most recently used last: the Map's order is the eviction order.
      this.sessions.delete(key);
      this.sessions.set(key, found);
      return found.session;
    }
    while (this.sessions.size >= this.maxSessions) {
      const [oldest, entry] = this.sessions.entries().next().value as [string, { session: { close(): void } }];
      this.sessions.delete(oldest);
      entry.session.close();
    }
    const options = { port: target.port, timeout: this.timeoutMs, retries: this.retries, idBitsSize: 32 };
    let session;
    if (target.version === '3') {
      if (!target.v3) throw new DeviceError('auth', `${target.host}: SNMPv3 needs a user`);
      session = snmp.createV3Session(target.host, {
        name: target.v3.user,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols[target.v3.authProtocol ?? 'sha'],
        authKey: target.v3.authKey,
        privProtocol: snmp.PrivProtocols[target.v3.privProtocol ?? 'aes'],
        privKey: target.v3.privKey,
      }, { ...options, version: snmp.Version3 });
    } else {
      session = snmp.createSession(target.host, target.community ?? 'public', { ...options, version: snmp.Version2c });
    }
    session.on('error', () => undefined); // socket errors surface on the request that meets them
    this.sessions.set(key, { session, target });
    return session;
  }

  private fail(target: SnmpTarget, error: Error & { name?: string }): DeviceError {
    const label = `${target.host}:${target.port}`;
    if (error.name === 'RequestTimedOutError') return new DeviceError('timeout', `${label} did not answer SNMP in time`, {}, { cause: error });
    if (/digest|authenticat|decrypt|unknown user|usm/i.test(error.message) || error instanceof snmp.ResponseInvalidError) {
      return new DeviceError('auth', `${label} refused the SNMP credentials: ${error.message}`, {}, { cause: error });
    }
    if (error instanceof snmp.RequestFailedError) return new DeviceError('rejected', `${label} refused the SNMP request: ${error.message}`, {}, { cause: error });
    return new DeviceError('unreachable', `${label}: ${error.message}`, {}, { cause: error });
  }

  private call<T>(target: SnmpTarget, run: (session: ReturnType<typeof snmp.createSession>, done: (error: Error | null, result?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let session;
      try {
        session = this.session(target);
      } catch (error) {
        return reject(error);
      }
      run(session, (error, result) => (error ? reject(this.fail(target, error)) : resolve(result as T)));
    });
  }

  /** GET of several OIDs in one PDU; a missing object is a `no-such-object` error naming it. */
  async get(target: SnmpTarget, oids: string[]): Promise<VarBind[]> {
    const varbinds = await this.call<RawVarbind[]>(target, (session, done) => session.get(oids, done));
    const missing = varbinds.filter((vb) => snmp.isVarbindError(vb));
    if (missing.length > 0) {
      throw new DeviceError('no-such-object', `${target.host} has no ${missing.map((vb) => vb.oid).join(', ')}`, { oids: missing.map((vb) => vb.oid) });
    }
    return varbinds.map(toVarBind);
  }

  /**
   * GET of several instances in one PDU, answering those the agent holds: an instance it does not
   * (noSuchObject, noSuchInstance: a table row not there yet) is left out, not an error.
   */
  async getPresent(target: SnmpTarget, oids: string[]): Promise<VarBind[]> {
    const varbinds = await this.call<RawVarbind[]>(target, (session, done) => session.get(oids, done));
    return varbinds.filter((vb) => !snmp.isVarbindError(vb)).map(toVarBind);
  }

  async getNext(target: SnmpTarget, oids: string[]): Promise<VarBind[]> {
    const varbinds = await this.call<RawVarbind[]>(target, (session, done) => session.getNext(oids, done));
    return varbinds.filter((vb) => !snmp.isVarbindError(vb)).map(toVarBind);
  }

  async getBulk(target: SnmpTarget, oids: string[], nonRepeaters = 0, maxRepetitions = 20): Promise<VarBind[]> {
    const rows = await this.call<(RawVarbind | RawVarbind[])[]>(target, (session, done) => session.getBulk(oids, nonRepeaters, maxRepetitions, done));
    return rows.flat().filter((vb) => !snmp.isVarbindError(vb)).map(toVarBind);
  }

  /**
   * Every object under `oid` (get-bulk under the hood). A noSuchObject or noSuchInstance in a
   * get-next answer ends the walk: some agents answer so past the end of their MIB, and asking
   * again from the same OID would never end.
   */
  async walk(target: SnmpTarget, oid: string, maxRepetitions = 20): Promise<VarBind[]> {
    const found: VarBind[] = [];
    await this.call<void>(target, (session, done) => session.subtree(oid, maxRepetitions, (varbinds: RawVarbind[]) => {
      for (const vb of varbinds) if (!snmp.isVarbindError(vb)) found.push(toVarBind(vb));
      return varbinds.some((vb) => snmp.isVarbindError(vb));
    }, (error: Error | null) => done(error)));
    return found;
  }

  /**
   * Several columns of one table at once, in get-bulk PDUs: each PDU asks for the next rows of
   * every column not yet past its end, so a small table (a device's RPM results) comes back in one
   * round trip where a walk per column takes one each. At most `maxPdus` requests.
   */
  async walkColumns(target: SnmpTarget, columns: string[], maxRepetitions = 20, maxPdus = 16): Promise<VarBind[]> {
    const found: VarBind[] = [];
    let open = columns.map((column) => ({ column, from: column }));
    for (let pdu = 0; open.length > 0 && pdu < maxPdus; pdu++) {
      // With no non-repeaters, each requested column answers an array of its repetitions.
      const rows = await this.call<(RawVarbind | RawVarbind[])[]>(target, (session, done) => session.getBulk(open.map((c) => c.from), 0, maxRepetitions, done));
      open = open.flatMap((column, i) => {
        const repetitions = [rows[i] ?? []].flat();
        for (const vb of repetitions) {
          if (snmp.isVarbindError(vb) || !vb.oid.startsWith(`${column.column}.`)) return [];
          found.push(toVarBind(vb));
        }
        // Every repetition still in the column (an agent may answer fewer than asked, to fit its
        // message size): the column goes on after the last one.
        const last = repetitions[repetitions.length - 1];
        return last ? [{ column: column.column, from: last.oid }] : [];
      });
    }
    return found;
  }

  /** Forgets a device's session (after a credential change, or when it is retired). */
  forget(target: SnmpTarget) {
    const key = this.key(target);
    this.sessions.get(key)?.session.close();
    this.sessions.delete(key);
  }

  close() {
    for (const { session } of this.sessions.values()) session.close();
    this.sessions.clear();
  }
}
