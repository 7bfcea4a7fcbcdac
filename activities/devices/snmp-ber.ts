// OBJECT IDENTIFIER encoding for net-snmp, remembered. net-snmp encodes and decodes every OID of
// every message through asn1-ber, which parses the dotted text (a regular expression, a split, an
// array of bytes) or joins the arcs back into it each time. A poller and an agent exchange the
// same few dozen OIDs with every device, thousands of times a second: most of the CPU either side
// spends on a message. Here each OID's encoding is worked out once and copied after; the bytes on
// the wire are asn1-ber's own.
import { createRequire } from 'node:module';

interface BerWriter {
  _buf: Buffer;
  _offset: number;
  _ensure(length: number): void;
  writeByte(byte: number): void;
  writeLength(length: number): void;
  writeOID(oid: string, tag?: number): void;
  readonly buffer: Buffer;
}
interface BerReader {
  _offset: number;
  readString(tag: number, asBuffer: true): Buffer | null;
  readOID(tag?: number): string | null;
}
interface Ber {
  OID: number;
  Writer: { new (): BerWriter; prototype: BerWriter };
  Reader: { prototype: BerReader };
}

/** asn1-ber as net-snmp loads it (its own dependency), so the prototypes changed are the ones it uses. */
function netSnmpBer(): Ber {
  const fromNetSnmp = createRequire(createRequire(import.meta.url).resolve('net-snmp'));
  return (fromNetSnmp('asn1-ber') as { Ber: Ber }).Ber;
}

/** OIDs remembered at most, each way: far more than a poller or an agent names, a bound against a walk of odd ones. */
const remembered = 16_384;

function bounded<V>() {
  const entries = new Map<string, V>();
  return {
    get: (key: string) => entries.get(key),
    set(key: string, value: V) {
      if (entries.size >= remembered) entries.clear();
      entries.set(key, value);
    },
  };
}

/** The arcs of an OID's content octets (base-128, high bit set on all but each arc's last byte), as dotted text. */
function decodeOid(content: Buffer): string {
  const arcs: number[] = [];
  let arc = 0;
  for (const byte of content) {
    arc = (arc << 7) + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(arc >>> 0);
      arc = 0;
    }
  }
  // The first byte holds the first two arcs (40 × first + second), as asn1-ber splits them.
  const first = arcs[0]!;
  arcs[0] = first % 40;
  return `${(first / 40) >> 0}.${arcs.join('.')}`;
}

let installed = false;

/** Makes net-snmp's OID encoding and decoding remember what it did (once per process). */
export function rememberOidEncodings(): void {
  if (installed) return;
  installed = true;
  const ber = netSnmpBer();
  const writeOid = ber.Writer.prototype.writeOID;
  const readOid = ber.Reader.prototype.readOID;
  const encoded = bounded<Buffer>();
  const decoded = bounded<string>();

  ber.Writer.prototype.writeOID = function writeOID(this: BerWriter, oid: string, tag?: number) {
    if (typeof oid !== 'string') return writeOid.call(this, oid, tag);
    let content = encoded.get(oid);
    if (!content) {
      // asn1-ber's own encoding (which refuses what is no OID), its tag and length left off.
      const scratch = new ber.Writer();
      writeOid.call(scratch, oid);
      const whole = scratch.buffer;
      const header = whole[1]! < 0x80 ? 2 : 2 + (whole[1]! & 0x7f);
      content = Buffer.from(whole.subarray(header));
      encoded.set(oid, content);
    }
    this.writeByte(typeof tag === 'number' ? tag : ber.OID);
    this.writeLength(content.length);
    this._ensure(content.length);
    content.copy(this._buf, this._offset);
    this._offset += content.length;
  };

  ber.Reader.prototype.readOID = function readOID(this: BerReader, tag?: number) {
    const start = this._offset;
    const content = this.readString(tag || ber.OID, true);
    if (content === null) return null;
    if (content.length === 0) {
      this._offset = start;
      return readOid.call(this, tag);
    }
    const key = content.toString('latin1');
    let oid = decoded.get(key);
    if (oid === undefined) decoded.set(key, (oid = decodeOid(content)));
    return oid;
  };
}
