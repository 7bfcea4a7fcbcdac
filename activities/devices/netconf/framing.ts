// NETCONF message framing over SSH (RFC 6242): base:1.0 ends each message with "]]>]]>";
// base:1.1 sends chunks ("\n#<size>\n<data>") ended by "\n##\n". Both sides start in 1.0 for
// the hello and switch to 1.1 when both advertised it. Bytes arrive split anywhere: a chunk
// header, a delimiter or a multi-byte character may straddle two reads.

export const endOfMessage = ']]>]]>';
const endOfMessageBytes = Buffer.from(endOfMessage);
/** RFC 6242 §4.2: a chunk is at most 4294967295 octets. */
const maxChunkSize = 4_294_967_295;

export class FramingError extends Error {
  override name = 'FramingError';
}

export type Framing = 'eom' | 'chunked';

/** Encodes one message for the wire. */
export function frame(message: string, framing: Framing): Buffer {
  const body = Buffer.from(message, 'utf8');
  if (framing === 'eom') return Buffer.concat([body, endOfMessageBytes]);
  return Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);
}

/**
 * Turns a byte stream into messages. Feed it what the socket reads; it returns the messages
 * completed so far. The framing can change between messages (after the hello).
 */
export class MessageDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks of the message being assembled (chunked framing). */
  private chunks: Buffer[] = [];

  constructor(
    public framing: Framing = 'eom',
    private readonly maxMessageBytes = 64 * 1024 * 1024,
  ) {}

  push(data: Buffer): string[] {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    const messages: string[] = [];
    for (;;) {
      const message = this.framing === 'eom' ? this.nextEndOfMessage() : this.nextChunked();
      if (message === undefined) break;
      messages.push(message);
    }
    if (this.buffer.length + this.chunks.reduce((n, c) => n + c.length, 0) > this.maxMessageBytes) {
      throw new FramingError(`message over ${this.maxMessageBytes} bytes`);
    }
    return messages;
  }

  private nextEndOfMessage(): string | undefined {
    const end = this.buffer.indexOf(endOfMessageBytes);
    if (end < 0) return undefined;
    const message = this.buffer.subarray(0, end).toString('utf8');
    this.buffer = this.buffer.subarray(end + endOfMessageBytes.length);
    return message;
  }

  private nextChunked(): string | undefined {
    for (;;) {
      // Every chunk header and the end-of-chunks marker start with "\n#".
      if (this.buffer.length < 4) return undefined;
      if (this.buffer[0] !== 0x0a || this.buffer[1] !== 0x23) {
        throw new FramingError(`expected a chunk header, got ${JSON.stringify(this.buffer.subarray(0, 16).toString('latin1'))}`);
      }
      if (this.buffer[2] === 0x23) {
        if (this.buffer[3] !== 0x0a) throw new FramingError('malformed end-of-chunks marker');
        this.buffer = this.buffer.subarray(4);
        if (this.chunks.length === 0) throw new FramingError('end-of-chunks marker before any chunk');
        const message = Buffer.concat(this.chunks).toString('utf8');
        this.chunks = [];
        return message;
      }
      const headerEnd = this.buffer.indexOf(0x0a, 2);
      if (headerEnd < 0) {
        if (this.buffer.length > 13) throw new FramingError('chunk header too long');
        return undefined;
      }
      const digits = this.buffer.subarray(2, headerEnd).toString('latin1');
      if (!/^[1-9][0-9]{0,9}$/.test(digits) || Number(digits) > maxChunkSize) {
        throw new FramingError(`invalid chunk size ${JSON.stringify(digits)}`);
      }
      const size = Number(digits);
      if (this.buffer.length < headerEnd + 1 + size) return undefined;
      this.chunks.push(this.buffer.subarray(headerEnd + 1, headerEnd + 1 + size));
      this.buffer = this.buffer.subarray(headerEnd + 1 + size);
    }
  }
}
