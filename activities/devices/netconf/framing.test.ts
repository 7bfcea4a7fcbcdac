import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frame, FramingError, MessageDecoder } from './framing.ts';

/** Feeds `bytes` to a decoder cut at every given offset, as TCP may deliver them. */
function decodeSplit(bytes: Buffer, cuts: number[], decoder: MessageDecoder): string[] {
  const messages: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    messages.push(...decoder.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return messages;
}

describe('NETCONF framing', () => {
  const messages = ['<rpc message-id="1"><get/></rpc>', '<rpc message-id="2"><get-config><source><running/></source></get-config></rpc>'];

  for (const framing of ['eom', 'chunked'] as const) {
    describe(framing, () => {
      it('decodes messages back to back in one read', () => {
        const wire = Buffer.concat(messages.map((m) => frame(m, framing)));
        assert.deepEqual(new MessageDecoder(framing).push(wire), messages);
      });

      it('decodes the same messages however the bytes are split, one byte at a time included', () => {
        const wire = Buffer.concat(messages.map((m) => frame(m, framing)));
        const everyByte = Array.from({ length: wire.length - 1 }, (_, i) => i + 1);
        assert.deepEqual(decodeSplit(wire, everyByte, new MessageDecoder(framing)), messages);
        for (let cut = 1; cut < wire.length; cut++) {
          assert.deepEqual(decodeSplit(wire, [cut], new MessageDecoder(framing)), messages, `cut at ${cut}`);
        }
      });

      it('keeps multi-byte characters whole when a read ends inside one', () => {
        const message = '<description>Zürich — 東京</description>';
        const wire = frame(message, framing);
        const inside = wire.indexOf(Buffer.from('東')) + 1;
        assert.deepEqual(decodeSplit(wire, [inside], new MessageDecoder(framing)), [message]);
      });
    });
  }

  it('joins a message sent as several chunks (RFC 6242 §4.2 example)', () => {
    const wire = Buffer.from('\n#4\n<rpc\n#18\n message-id="102"\n\n#79\n     xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">\n  <close-session/>\n</rpc>\n##\n');
    const [message] = new MessageDecoder('chunked').push(wire);
    assert.match(message!, /^<rpc message-id="102"\n/);
    assert.match(message!, /<close-session\/>\n<\/rpc>$/);
  });

  it('switches from end-of-message to chunked framing between messages, as after the hello', () => {
    const decoder = new MessageDecoder('eom');
    assert.deepEqual(decoder.push(frame('<hello/>', 'eom')), ['<hello/>']);
    decoder.framing = 'chunked';
    assert.deepEqual(decoder.push(frame('<rpc/>', 'chunked')), ['<rpc/>']);
  });

  it('refuses a malformed chunk header instead of guessing', () => {
    assert.throws(() => new MessageDecoder('chunked').push(Buffer.from('\n#0\n\n##\n')), FramingError);
    assert.throws(() => new MessageDecoder('chunked').push(Buffer.from('\n#12a\nxxx')), FramingError);
    assert.throws(() => new MessageDecoder('chunked').push(Buffer.from('<rpc/>')), FramingError);
    assert.throws(() => new MessageDecoder('chunked').push(Buffer.from('\n##\n')), FramingError);
  });

  it('refuses a message over the size limit', () => {
    assert.throws(() => new MessageDecoder('eom', 10).push(Buffer.from('x'.repeat(20))), /over 10 bytes/);
  });
});
