import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

interface Ber {
  Writer: new () => { startSequence(): void; endSequence(): void; writeOID(oid: string, tag?: number): void; writeInt(value: number): void; readonly buffer: Buffer };
  Reader: new (buffer: Buffer) => { readSequence(): void; readOID(): string | null; readInt(): number };
}
const { Ber } = createRequire(createRequire(import.meta.url).resolve('net-snmp'))('asn1-ber') as { Ber: Ber };

/** A varbind-like sequence: the OID (with the tag given, if any), then an integer after it. */
function encode(oid: string, tag?: number): Buffer {
  const writer = new Ber.Writer();
  writer.startSequence();
  writer.writeOID(oid, tag);
  writer.writeInt(5);
  writer.endSequence();
  return writer.buffer;
}
function decode(buffer: Buffer): [string | null, number] {
  const reader = new Ber.Reader(buffer);
  reader.readSequence();
  return [reader.readOID(), reader.readInt()];
}

const samples = [
  '1.3.6.1.4.1.2636.3.50.1.2.1.2.4.119.97.110.49.3.115.108.97.1',
  '1.3.6.1.2.1.1.1.0',
  '1.3',
  '0.0',
  '2.100.3',
  '1.3.6.1.4.1.4294967295.268435456.2097152.16384.128.127',
  `1.3.${Array.from({ length: 200 }, (_, i) => i * 997).join('.')}`,
];

describe('remembered OID encodings', () => {
  it('put the bytes asn1-ber puts on the wire, and read them back as it does, the first time and after', async () => {
    const before = samples.map((oid) => ({ bytes: encode(oid).toString('hex'), tagged: encode(oid, 0x06).toString('hex'), read: decode(encode(oid)) }));
    const { rememberOidEncodings } = await import('./snmp-ber.ts');
    rememberOidEncodings();
    for (const round of [1, 2]) {
      const after = samples.map((oid) => ({ bytes: encode(oid).toString('hex'), tagged: encode(oid, 0x06).toString('hex'), read: decode(encode(oid)) }));
      assert.deepEqual(after, before, `round ${round}`);
    }
  });

  it('refuses what is no OID, as asn1-ber does', () => {
    assert.throws(() => encode('1.x.3'), /not a valid OID/);
  });
});
