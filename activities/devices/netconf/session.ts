// A NETCONF client session over SSH (RFC 6241, RFC 6242): hello and capabilities, framing,
// message-id correlation, rpc-errors as typed errors, and the operations Branchline uses.
// Plain class, no Temporal: activities wrap it.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import ssh2, { type ClientChannel } from 'ssh2';
import { DeviceError, fromSocketError, type DeviceErrorKind, type LockRefusal } from '../errors.ts';
import { frame, MessageDecoder, type Framing } from './framing.ts';
import { child, childText, elementChildren, escapeXml, netconfBaseNs, parseXml, serialize, type Element } from './xml.ts';

const { Client, utils } = ssh2;
const tracer = trace.getTracer('branchline-netconf');

export const capabilities = {
  base10: 'urn:ietf:params:netconf:base:1.0',
  base11: 'urn:ietf:params:netconf:base:1.1',
  candidate: 'urn:ietf:params:netconf:capability:candidate:1.0',
  confirmedCommit: 'urn:ietf:params:netconf:capability:confirmed-commit:1.1',
  validate: 'urn:ietf:params:netconf:capability:validate:1.1',
} as const;

export interface NetconfTarget {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  /** The host key on record ("SHA256:…"). Unset on first contact: the key is accepted and reported. */
  hostKeySha256?: string;
  /** An established connection to run SSH over (NETCONF Call Home, RFC 8071). */
  sock?: Duplex;
  /**
   * Call home: the device is known by its host key only once SSH has shown it, so credentials
   * are chosen then. Undefined: an unknown device, refused.
   */
  credentialsFor?: (hostKeySha256: string) => { username: string; password?: string; privateKey?: string } | undefined;
  connectTimeoutMs?: number;
  rpcTimeoutMs?: number;
}

export interface RpcError {
  type: string;
  tag: string;
  severity: string;
  appTag?: string;
  path?: string;
  message?: string;
  /** The session holding a lock, in lock-denied errors. */
  sessionId?: number;
}

const kindOfTag: Record<string, DeviceErrorKind> = {
  'lock-denied': 'lock-held',
  'in-use': 'lock-held',
  'resource-denied': 'lock-held',
  'data-missing': 'no-such-object',
  'malformed-message': 'protocol',
};

/**
 * YANG's error-app-tags (RFC 7950 §15) on `data-missing` say the configuration lacks something
 * it needs (a mandatory leaf, a referenced instance, a mandatory choice): the configuration is
 * refused. Only a bare `data-missing` means the object asked for is not there.
 */
const rejectedAppTags = new Set(['instance-required', 'missing-choice', 'mandatory-missing']);

/** What an rpc-error means for the caller, by its tag and its app-tag. */
export function kindOfRpcError(error: Pick<RpcError, 'tag' | 'appTag'>): DeviceErrorKind {
  if (error.appTag && rejectedAppTags.has(error.appTag)) return 'rejected';
  return kindOfTag[error.tag] ?? 'rejected';
}

/**
 * Why a `lock` was refused, when an rpc-error says: another session holds the lock; a confirmed
 * commit is waiting for its confirm (RFC 6241 lets a server refuse locks meanwhile); or the
 * candidate holds changes nobody committed or discarded (RFC 6241 §7.5), such as those of a
 * session that died.
 */
export function lockRefusalOf(errors: RpcError[]): LockRefusal | undefined {
  const first = errors[0];
  if (!first) return undefined;
  const text = `${first.appTag ?? ''} ${first.message ?? ''}`;
  if (first.tag === 'in-use' && /confirmed[- ]commit/i.test(text)) return 'commit-pending';
  if (first.tag === 'resource-denied' || /discard-changes|uncommitted|not committed/i.test(text)) return 'candidate-dirty';
  if (first.tag === 'lock-denied' || first.tag === 'in-use') return 'held';
  return undefined;
}

/** The device answered an rpc with <rpc-error>: carries every error it listed. */
export class NetconfRpcError extends DeviceError {
  constructor(readonly errors: RpcError[], target: string) {
    const first = errors[0]!;
    const lockRefusal = lockRefusalOf(errors);
    super(kindOfRpcError(first), `${target} refused the request: ${errors.map((e) => `${e.tag}${e.appTag ? `/${e.appTag}` : ''}${e.message ? ` (${e.message})` : ''}${e.path ? ` at ${e.path}` : ''}`).join('; ')}`, {
      errors,
      ...(lockRefusal ? { lockRefusal } : {}),
    });
    this.name = 'NetconfRpcError';
  }
}

export type Datastore = 'running' | 'candidate' | 'startup';

/** OpenSSH's fingerprint of a public key blob: "SHA256:" and unpadded base64. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint of a key in OpenSSH text form (private or public). */
export function keyFingerprint(key: string): string {
  const parsed = utils.parseKey(key);
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first || first instanceof Error) throw new Error(`not an SSH key: ${first instanceof Error ? first.message : 'empty'}`);
  return hostKeyFingerprint(first.getPublicSSH());
}

function parseRpcErrors(reply: Element): RpcError[] {
  return elementChildren(reply)
    .filter((element) => element.localName === 'rpc-error')
    .map((error) => {
      const info = child(error, 'error-info');
      const sessionId = info ? childText(info, 'session-id') : undefined;
      return {
        type: childText(error, 'error-type') ?? 'application',
        tag: childText(error, 'error-tag') ?? 'operation-failed',
        severity: childText(error, 'error-severity') ?? 'error',
        appTag: childText(error, 'error-app-tag'),
        path: childText(error, 'error-path'),
        message: childText(error, 'error-message'),
        ...(sessionId ? { sessionId: Number(sessionId) } : {}),
      };
    });
}

interface Pending {
  resolve: (reply: Element) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

export class NetconfSession {
  sessionId = 0;
  serverCapabilities: string[] = [];
  hostKeySha256 = '';
  private framing: Framing = 'eom';
  private readonly decoder = new MessageDecoder('eom');
  private readonly pending = new Map<string, Pending>();
  private nextMessageId = 1;
  private closedError: DeviceError | undefined;
  private readonly closeListeners: ((error?: DeviceError) => void)[] = [];

  private constructor(
    private readonly ssh: ssh2.Client,
    private readonly channel: ClientChannel,
    readonly label: string,
    private readonly rpcTimeoutMs: number,
  ) {}

  /** Connects, authenticates, checks the host key and exchanges hellos. */
  static connect(target: NetconfTarget): Promise<NetconfSession> {
    const label = `${target.host}:${target.port}`;
    const ssh = new Client();
    let presentedKey = '';
    return new Promise<NetconfSession>((resolve, reject) => {
      let settled = false;
      const fail = (error: DeviceError) => {
        if (settled) return;
        settled = true;
        ssh.end();
        reject(error);
      };
      // `on`, not `once`: a connection may report more than one error (a reset after a refusal),
      // and an unheard 'error' event would crash the process.
      ssh.on('error', (error: Error & { level?: string }) => {
        if (target.hostKeySha256 && presentedKey && presentedKey !== target.hostKeySha256) {
          fail(new DeviceError('host-key-changed', `${label} presented host key ${presentedKey}, not ${target.hostKeySha256} on record: refusing it (a replaced device, or someone in the middle)`, { presented: presentedKey, expected: target.hostKeySha256 }));
        } else if (error.level === 'client-authentication') {
          fail(new DeviceError('auth', `${label} refused the credentials of ${target.username}`));
        } else if (error.level === 'client-timeout') {
          fail(new DeviceError('timeout', `${label} did not complete the SSH handshake in time`));
        } else {
          fail(fromSocketError(error, label));
        }
      });
      ssh.once('close', () => fail(new DeviceError('unreachable', `${label} closed the connection before the NETCONF session started`)));
      ssh.once('ready', () => {
        ssh.subsys('netconf', (error, channel) => {
          if (error) return fail(new DeviceError('rejected', `${label} has no netconf subsystem: ${error.message}`));
          const session = new NetconfSession(ssh, channel, label, target.rpcTimeoutMs ?? 60_000);
          session.hostKeySha256 = presentedKey;
          const connectTimeoutMs = target.connectTimeoutMs ?? 15_000;
          const deadline = Date.now() + connectTimeoutMs;
          session
            .start(connectTimeoutMs)
            .then(() => session.firstAnswer(deadline))
            .then(() => {
              settled = true;
              resolve(session);
            })
            .catch(fail);
        });
      });
      const { credentialsFor } = target;
      let offered = false;
      ssh.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        password: target.password,
        privateKey: target.privateKey,
        sock: target.sock,
        ...(credentialsFor ? {
          authHandler: ((_methods, _partial, next) => {
            const credentials = offered ? undefined : credentialsFor(presentedKey);
            offered = true;
            // `false` ends authentication: ssh2 accepts it, its type definitions do not.
            if (!credentials) return next(false as never);
            next(credentials.privateKey
              ? { type: 'publickey', username: credentials.username, key: credentials.privateKey }
              : { type: 'password', username: credentials.username, password: credentials.password ?? '' });
          }) satisfies ssh2.AuthHandlerMiddleware,
        } : {}),
        readyTimeout: target.connectTimeoutMs ?? 15_000,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          presentedKey = hostKeyFingerprint(key);
          return !target.hostKeySha256 || presentedKey === target.hostKeySha256;
        },
      });
      // Small request/reply messages: Nagle's algorithm would add 40 ms to each round trip.
      ssh.setNoDelay(true);
    });
  }

  private start(timeoutMs: number): Promise<void> {
    this.channel.on('data', (data: Buffer) => this.receive(data));
    this.channel.on('close', () => this.closed(new DeviceError('unreachable', `${this.label} closed the NETCONF session`)));
    this.channel.on('error', (error: Error) => this.closed(fromSocketError(error, this.label)));
    this.ssh.on('error', (error) => this.closed(fromSocketError(error, this.label)));
    this.ssh.on('close', () => this.closed(new DeviceError('unreachable', `${this.label} closed the SSH connection`)));
    const hello = `<hello xmlns="${netconfBaseNs}"><capabilities><capability>${capabilities.base10}</capability><capability>${capabilities.base11}</capability></capabilities></hello>`;
    // No rpc before our hello has gone out in a write of its own and the server's hello is in
    // (and even then, see firstAnswer).
    const helloSent = new Promise<void>((resolve, reject) => {
      this.channel.write(frame(hello, 'eom'), (error?: Error | null) => (error ? reject(fromSocketError(error, this.label)) : resolve()));
    });
    const helloReceived = new Promise<void>((resolve, reject) => {
      this.pending.set('hello', {
        reject,
        resolve: (helloElement) => {
          this.serverCapabilities = elementChildren(child(helloElement, 'capabilities') ?? helloElement).map((c) => c.textContent?.trim() ?? '');
          this.sessionId = Number(childText(helloElement, 'session-id') ?? 0);
          if (!this.serverCapabilities.includes(capabilities.base10) && !this.serverCapabilities.includes(capabilities.base11)) {
            return reject(new DeviceError('protocol', `${this.label} speaks no NETCONF base version`));
          }
          if (this.serverCapabilities.includes(capabilities.base11)) {
            this.framing = 'chunked';
            this.decoder.framing = 'chunked';
          }
          resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeviceError('timeout', `${this.label} sent no NETCONF hello`)), timeoutMs);
    });
    return Promise.race([Promise.all([helloSent, helloReceived]), deadline]).then(() => undefined).finally(() => clearTimeout(timer));
  }

  /**
   * Hands the session out only once the server has answered an rpc. Some servers (yuma123's
   * netconfd behind OpenSSH, when its subsystem reads the client's hello and the first rpc in one
   * read) drop that rpc without a word, and its caller would wait for the whole rpc timeout. So
   * the first rpc is a harmless one, sent again while unanswered: a get whose empty filter
   * selects nothing (RFC 6241 §6.4.2). Any answer, an rpc-error too, shows the server reads rpcs.
   */
  private async firstAnswer(deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = Math.min(1000 * attempt, Math.max(deadline - Date.now(), 1));
      try {
        await this.rpc('<get><filter type="subtree"/></get>', { timeoutMs });
        return;
      } catch (error) {
        if (error instanceof NetconfRpcError) return;
        if (!(error instanceof DeviceError && error.kind === 'timeout') || Date.now() >= deadline) throw error;
      }
    }
  }

  private receive(data: Buffer) {
    let messages: string[];
    try {
      messages = this.decoder.push(data);
    } catch (error) {
      this.closed(new DeviceError('protocol', `${this.label} broke NETCONF framing: ${(error as Error).message}`));
      this.ssh.end();
      return;
    }
    for (const message of messages) {
      let root: Element;
      try {
        root = parseXml(message).documentElement as Element;
      } catch (error) {
        this.closed(new DeviceError('protocol', `${this.label} sent malformed XML: ${(error as Error).message}`));
        this.ssh.end();
        return;
      }
      if (root.localName === 'notification') continue; // nobody subscribes; a server may still send one
      const messageId = root.localName === 'rpc-reply' ? root.getAttribute('message-id') : null;
      if (root.localName !== 'hello' && !messageId) {
        // Neither a hello nor a reply we can match to its rpc: the stream can no longer be trusted.
        this.closed(new DeviceError('protocol', `${this.label} sent an unexpected <${root.localName}>${root.localName === 'rpc-reply' ? ' without a message-id' : ''}: ${message.slice(0, 200)}`));
        this.ssh.end();
        return;
      }
      const key = root.localName === 'hello' ? 'hello' : messageId!;
      const waiting = this.pending.get(key);
      if (!waiting) continue; // a reply nobody waits for any more (timed out)
      this.pending.delete(key);
      clearTimeout(waiting.timer);
      waiting.resolve(root);
    }
  }

  private closed(error: DeviceError) {
    if (this.closedError) return;
    this.closedError = error;
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(error);
  }

  get isOpen(): boolean {
    return !this.closedError;
  }

  onClose(listener: (error?: DeviceError) => void) {
    this.closeListeners.push(listener);
  }

  /**
   * Sends one <rpc> and waits for its <rpc-reply>; an rpc-error of severity error throws. Each rpc
   * is a client span of the trace it runs in (a no-op unless tracing is on).
   */
  async rpc(operation: string, options: { timeoutMs?: number } = {}): Promise<Element> {
    const method = /^<([\w:-]+)/.exec(operation)?.[1] ?? 'rpc';
    const span = tracer.startSpan(`netconf ${method}`, {
      kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'netconf', 'rpc.method': method, 'server.address': this.label },
    });
    try {
      return await this.send(operation, options);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  private send(operation: string, options: { timeoutMs?: number }): Promise<Element> {
    if (this.closedError) return Promise.reject(this.closedError);
    const messageId = String(this.nextMessageId++);
    const message = `<rpc xmlns="${netconfBaseNs}" message-id="${messageId}">${operation}</rpc>`;
    return new Promise<Element>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.rpcTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new DeviceError('timeout', `${this.label} did not answer rpc ${messageId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(messageId, {
        timer,
        reject,
        resolve: (reply) => {
          const errors = parseRpcErrors(reply).filter((e) => e.severity === 'error');
          if (errors.length > 0) reject(new NetconfRpcError(errors, this.label));
          else resolve(reply);
        },
      });
      this.channel.write(frame(message, this.framing));
    });
  }

  /** The <data> of a get, as XML text. */
  async get(filter?: string): Promise<string> {
    const reply = await this.rpc(`<get>${filter ? `<filter type="subtree">${filter}</filter>` : ''}</get>`);
    return dataOf(reply, this.label);
  }

  async getConfig(source: Datastore, filter?: string): Promise<string> {
    const reply = await this.rpc(`<get-config><source><${source}/></source>${filter ? `<filter type="subtree">${filter}</filter>` : ''}</get-config>`);
    return dataOf(reply, this.label);
  }

  async lock(target: Datastore): Promise<void> {
    await this.rpc(`<lock><target><${target}/></target></lock>`);
  }

  async unlock(target: Datastore): Promise<void> {
    await this.rpc(`<unlock><target><${target}/></target></unlock>`);
  }

  /** `config` is the content of <config>: the device's configuration elements with their namespace. */
  async editConfig(input: { target: Datastore; config: string; defaultOperation?: 'merge' | 'replace' | 'none' }): Promise<void> {
    const defaultOperation = input.defaultOperation ? `<default-operation>${input.defaultOperation}</default-operation>` : '';
    await this.rpc(`<edit-config><target><${input.target}/></target>${defaultOperation}<error-option>rollback-on-error</error-option><config>${input.config}</config></edit-config>`);
  }

  async validate(source: Datastore): Promise<void> {
    await this.rpc(`<validate><source><${source}/></source></validate>`);
  }

  /**
   * Commits the candidate. With `confirmTimeoutSeconds`, a confirmed commit the device reverts
   * unless confirmed in time (or, without `persist`, when this session ends). With `persistId`,
   * confirms a confirmed commit made with that persist token, from any session.
   */
  async commit(options: { confirmTimeoutSeconds?: number; persist?: string; persistId?: string } = {}): Promise<void> {
    const parts = [
      options.confirmTimeoutSeconds !== undefined ? `<confirmed/><confirm-timeout>${options.confirmTimeoutSeconds}</confirm-timeout>` : '',
      options.persist ? `<persist>${escapeXml(options.persist)}</persist>` : '',
      options.persistId ? `<persist-id>${escapeXml(options.persistId)}</persist-id>` : '',
    ];
    await this.rpc(`<commit>${parts.join('')}</commit>`);
  }

  /**
   * Whether a confirmed commit made with the persist token `persist` waits for its confirm.
   * RFC 6241 has no way to list one; it offers this: a follow-up confirmed commit carrying the
   * token as persist-id, which the server refuses when nothing with that token is pending
   * (§8.4.5.1), and which otherwise restarts its timeout (`confirmTimeoutSeconds`). The
   * candidate is discarded first, so the follow-up commits exactly what already runs: call it
   * holding the candidate lock.
   */
  async confirmedCommitPending(persist: string, confirmTimeoutSeconds: number): Promise<boolean> {
    await this.discardChanges();
    try {
      await this.commit({ confirmTimeoutSeconds, persist, persistId: persist });
      return true;
    } catch (error) {
      if (error instanceof NetconfRpcError && error.kind !== 'lock-held') return false;
      throw error;
    }
  }

  async cancelCommit(options: { persistId?: string } = {}): Promise<void> {
    await this.rpc(`<cancel-commit>${options.persistId ? `<persist-id>${escapeXml(options.persistId)}</persist-id>` : ''}</cancel-commit>`);
  }

  async discardChanges(): Promise<void> {
    await this.rpc('<discard-changes/>');
  }

  async killSession(sessionId: number): Promise<void> {
    await this.rpc(`<kill-session><session-id>${sessionId}</session-id></kill-session>`);
  }

  /** Ends the session politely (close-session), then the connection. */
  async close(): Promise<void> {
    if (this.isOpen) {
      await this.rpc('<close-session/>', { timeoutMs: 5000 }).catch(() => undefined);
    }
    this.closed(new DeviceError('unreachable', `${this.label}: session closed`));
    this.ssh.end();
  }

  /** Drops the connection without a word, as a crashed orchestrator would. */
  destroy(): void {
    this.closed(new DeviceError('unreachable', `${this.label}: session dropped`));
    this.ssh.destroy();
  }
}

/** The children of <data> serialised, or '' when empty; a reply without <data> breaks the protocol. */
function dataOf(reply: Element, label: string): string {
  const data = child(reply, 'data');
  if (!data) throw new DeviceError('protocol', `${label} answered without <data>: ${serialize(reply).slice(0, 200)}`);
  return elementChildren(data).map(serialize).join('');
}
