// The simulated device's NETCONF server over SSH (RFC 6241, RFC 6242): hello, both framings,
// the base operations on a ConfigStore, sessions that can be killed, and injected faults.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import ssh2, { type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { frame, MessageDecoder, type Framing } from '../activities/devices/netconf/framing.ts';
import { capabilities } from '../activities/devices/netconf/session.ts';
import { child, childText, elementChildren, escapeXml, netconfBaseNs, parseXml, type Element } from '../activities/devices/netconf/xml.ts';
import { EditError, filterData, type EditOperation } from './datastore.ts';
import { StoreError, type ConfigStore, type Datastore } from './config-store.ts';
import { commitAttributes } from './operational-rpcs.ts';
import { sha512CryptMatches } from '../runtime/sha512-crypt.ts';

const { Server, utils } = ssh2;
const junosNs = 'http://xml.juniper.net/junos/22.4R0/junos';
/** Junos's confirmed commits have no persist token: it announces RFC 4741's capability, not RFC 6241's 1.1. */
const confirmedCommit10 = 'urn:ietf:params:netconf:capability:confirmed-commit:1.0';

export interface NetconfFaults {
  /** Every reply waits this long. */
  replyDelayMs: number;
  /** Requests get no reply at all. */
  dropReplies: boolean;
  /** The device's management path is cut (by its own configuration): no reply at all, as with dropReplies. */
  managementCut?: boolean;
  /** The login users of the configuration are refused (as if the box's authentication were broken); the factory account still logs in. */
  refuseConfiguredLogins?: boolean;
  /**
   * Packets lost on the management path, in percent: TCP hides the loss and pays it in time, each
   * lost segment resent after a retransmission timeout (200 ms, doubling while the resend is lost too).
   */
  lossPercent?: number;
  /**
   * Simulator-only, for fault tests: awaited when an RPC arrives (`received`; a session that ended
   * meanwhile never executes it, as if the connection had dropped first) and once it has run
   * (`executed`, before its reply), so a test can kill the orchestrator at an exact point of a change.
   */
  onRpc?: (event: { phase: 'received' | 'executed'; operation: Element }) => Promise<void> | void;
}

/** A login user of the running configuration (Junos: `system login user`). */
export interface ConfiguredLogin {
  name: string;
  /** A crypt hash (`$6$…`, SHA-512-crypt), as Junos keeps it. */
  encryptedPassword?: string;
  /** OpenSSH public keys (`ssh-ed25519 AAAA…`). */
  publicKeys: string[];
}

/** What the NETCONF server needs of a device. */
/** One RPC a box answered: its operation, whether a subtree filter narrowed it, and the reply's size. */
export interface RpcServed {
  operation: string;
  filtered: boolean;
  replyBytes: number;
}

/** The RPCs a box keeps in its journal: its latest, enough for a test to read one change's worth. */
const rpcsKept = 500;

export interface NetconfDevice {
  readonly store: ConfigStore;
  /** The RPCs it answered lately, oldest first (a test counts what one change cost the box). */
  readonly rpcsServed?: RpcServed[];
  readonly faults: NetconfFaults;
  /** The factory account (root, the initial user): it logs in whatever the configuration says. */
  readonly credentials: { username: string; password: string; authorizedKeys: string[] };
  /** The login users of the running configuration, who log in beside the factory account; one removed from it no longer does. */
  configuredLogins?(): ConfiguredLogin[];
  /** Operational state returned by <get> beside the running configuration. */
  operationalState(): string;
  /** Device-specific RPCs (Junos's operational RPCs, software, reboot); returns the reply body, or undefined when unknown. */
  customRpc?(operation: Element, session: { id: number; username: string }): Promise<string | undefined>;
}

/** How long TCP takes to get one segment through a path losing `lossPercent` of its packets. */
function retransmissionDelayMs(lossPercent: number): number {
  let delay = 0;
  for (let timeout = 200; Math.random() * 100 < lossPercent; timeout *= 2) delay += timeout;
  return delay;
}

let nextSessionId = 1;

class ServerSession {
  readonly id = nextSessionId++;
  private framing: Framing = 'eom';
  private readonly decoder = new MessageDecoder('eom');
  private helloReceived = false;
  private ended = false;

  constructor(
    private readonly device: NetconfDevice,
    private readonly channel: ServerChannel,
    readonly username: string,
    private readonly sessions: Map<number, ServerSession>,
    private readonly closeConnection: () => void,
  ) {
    sessions.set(this.id, this);
    const caps = [capabilities.base10, capabilities.base11, capabilities.candidate, confirmedCommit10, capabilities.validate,
      'urn:ietf:params:netconf:capability:rollback-on-error:1.0', 'http://xml.juniper.net/netconf/junos/1.0'];
    channel.write(frame(`<hello xmlns="${netconfBaseNs}"><capabilities>${caps.map((c) => `<capability>${c}</capability>`).join('')}</capabilities><session-id>${this.id}</session-id></hello>`, 'eom'));
    channel.on('data', (data: Buffer) => this.receive(data));
    channel.on('close', () => this.end());
    channel.on('error', () => this.end());
  }

  /** Ends the session: locks released, its NETCONF confirmed commit reverted (any, when `killed`). Idempotent. */
  end(killed = false) {
    if (this.ended) return;
    this.ended = true;
    this.sessions.delete(this.id);
    this.device.store.sessionEnded(this.id, this.username, killed);
  }

  kill(killed = false) {
    this.end(killed);
    this.closeConnection();
  }

  private receive(data: Buffer) {
    let messages: string[];
    try {
      messages = this.decoder.push(data);
    } catch {
      this.kill();
      return;
    }
    for (const message of messages) void this.handle(message);
  }

  private async handle(message: string) {
    let root: Element;
    try {
      root = parseXml(message).documentElement as Element;
    } catch (error) {
      this.send(this.errorReply(undefined, 'rpc', 'malformed-message', (error as Error).message));
      return;
    }
    if (!this.helloReceived) {
      if (root.localName !== 'hello') return this.kill();
      this.helloReceived = true;
      const clientCaps = elementChildren(child(root, 'capabilities') ?? root).map((c) => c.textContent?.trim());
      if (clientCaps.includes(capabilities.base11)) {
        this.framing = 'chunked';
        this.decoder.framing = 'chunked';
      }
      return;
    }
    const messageId = root.getAttribute('message-id');
    if (root.localName !== 'rpc' || !messageId) {
      this.send(this.errorReply(undefined, 'rpc', 'missing-attribute', 'an <rpc> needs a message-id'));
      return;
    }
    const operation = elementChildren(root)[0];
    const { faults } = this.device;
    if (operation && faults.onRpc) {
      await faults.onRpc({ phase: 'received', operation });
      if (this.ended) return;
    }
    let body: string;
    try {
      body = operation ? await this.execute(operation) : '<ok/>';
    } catch (error) {
      body = this.rpcErrorBody(error);
    }
    if (operation && faults.onRpc) await faults.onRpc({ phase: 'executed', operation });
    if (faults.dropReplies || faults.managementCut) return;
    if (faults.replyDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.replyDelayMs));
    const lossDelayMs = retransmissionDelayMs(faults.lossPercent ?? 0);
    if (lossDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, lossDelayMs));
    const served = this.device.rpcsServed;
    if (served && operation) {
      served.push({ operation: operation.localName ?? '', filtered: !!child(operation, 'filter'), replyBytes: body.length });
      served.splice(0, served.length - rpcsKept);
    }
    // As Junos does, the reply declares the junos prefix its operational replies' attributes use.
    this.send(`<rpc-reply xmlns="${netconfBaseNs}" xmlns:junos="${junosNs}" message-id="${escapeXml(messageId)}">${body}</rpc-reply>`);
    if (operation?.localName === 'close-session') {
      this.end();
      this.closeConnection();
    }
  }

  private send(message: string) {
    if (!this.channel.destroyed && this.channel.writable) this.channel.write(frame(message, this.framing));
  }

  private datastoreOf(element: Element | undefined, what: string): Datastore {
    const name = element && elementChildren(element)[0]?.localName;
    if (name !== 'running' && name !== 'candidate') throw new StoreError('invalid-value', `${what} must be <running/> or <candidate/>`);
    return name;
  }

  private async execute(operation: Element): Promise<string> {
    const store = this.device.store;
    const session = { sessionId: this.id, username: this.username };
    switch (operation.localName) {
      case 'get': {
        const filter = child(operation, 'filter');
        const running = store.running.documentElement!;
        const state = parseXml(`<state>${this.device.operationalState()}</state>`).documentElement!;
        return `<data>${filterData([running, ...elementChildren(state)], filter)}</data>`;
      }
      case 'get-config': {
        const source = this.datastoreOf(child(operation, 'source'), 'source');
        const filter = child(operation, 'filter');
        // The running configuration's text is kept from its commit: the whole of it is not serialised again.
        const data = source === 'running' && !filter ? store.runningConfiguration : filterData([store.datastore(source).documentElement!], filter);
        const last = store.journal.at(-1);
        // Junos marks the active configuration with its last commit.
        return `<data>${source === 'running' && last ? data.replace(/^<configuration\b/, `<configuration ${commitAttributes(last)}`) : data}</data>`;
      }
      case 'edit-config': {
        const target = this.datastoreOf(child(operation, 'target'), 'target');
        const config = child(operation, 'config');
        if (!config) throw new StoreError('missing-element', 'edit-config needs <config>');
        const defaultOperation = (childText(operation, 'default-operation') ?? 'merge') as EditOperation;
        store.edit(target, elementChildren(config), defaultOperation, this.id);
        return '<ok/>';
      }
      case 'lock':
        store.lock(this.datastoreOf(child(operation, 'target'), 'target'), this.id);
        return '<ok/>';
      case 'unlock':
        store.unlock(this.datastoreOf(child(operation, 'target'), 'target'), this.id);
        return '<ok/>';
      case 'validate':
        store.validate(this.datastoreOf(child(operation, 'source'), 'source'));
        return '<ok/>';
      case 'commit': {
        // Junos announces :confirmed-commit:1.0: a confirmed commit has no persist token.
        const unknown = elementChildren(operation).find((e) => !['confirmed', 'confirm-timeout'].includes(e.localName ?? ''));
        if (unknown) throw new StoreError('unknown-element', `syntax error: ${unknown.localName}`, { path: `commit/${unknown.localName}` });
        const timeout = childText(operation, 'confirm-timeout');
        if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout)) throw new StoreError('invalid-value', `confirm-timeout ${timeout} is not a positive number of seconds`);
        store.commit({ ...session, confirmed: !!child(operation, 'confirmed'), ...(timeout ? { confirmTimeoutSeconds: Number(timeout) } : {}) });
        return '<ok/>';
      }
      case 'discard-changes':
        store.discardChanges(this.id);
        return '<ok/>';
      case 'close-session':
        return '<ok/>';
      case 'kill-session': {
        const id = Number(childText(operation, 'session-id'));
        if (id === this.id) throw new StoreError('invalid-value', 'a session cannot kill itself; use close-session');
        const victim = this.sessions.get(id);
        if (!victim) throw new StoreError('invalid-value', `no session ${id}`);
        victim.kill(true);
        return '<ok/>';
      }
      default: {
        const reply = await this.device.customRpc?.(operation, { id: this.id, username: this.username });
        if (reply === undefined) throw new StoreError('operation-not-supported', `unknown operation ${operation.localName}`);
        return reply;
      }
    }
  }

  private rpcErrorBody(error: unknown): string {
    if (error instanceof StoreError) {
      const problems = error.extra.problems;
      if (problems && problems.length > 0) {
        return problems.map((p) => this.errorXml('application', error.tag, p.message, p.path)).join('');
      }
      return this.errorXml('protocol', error.tag, error.message, error.extra.path, error.extra.sessionId);
    }
    if (error instanceof EditError) return this.errorXml('application', error.tag, error.message, error.path, undefined, error.badElement);
    return this.errorXml('application', 'operation-failed', (error as Error).message);
  }

  private errorXml(type: string, tag: string, message: string, path?: string, sessionId?: number, badElement?: string): string {
    return `<rpc-error><error-type>${type}</error-type><error-tag>${tag}</error-tag><error-severity>error</error-severity>`
      + `${path ? `<error-path>${escapeXml(path)}</error-path>` : ''}<error-message xml:lang="en">${escapeXml(message)}</error-message>`
      + `${sessionId !== undefined ? `<error-info><session-id>${sessionId}</session-id></error-info>` : ''}`
      + `${badElement ? `<error-info><bad-element>${escapeXml(badElement)}</bad-element></error-info>` : ''}</rpc-error>`;
  }

  private errorReply(messageId: string | undefined, type: string, tag: string, message: string): string {
    return `<rpc-reply xmlns="${netconfBaseNs}"${messageId ? ` message-id="${escapeXml(messageId)}"` : ''}>${this.errorXml(type, tag, message)}</rpc-reply>`;
  }
}

function passwordMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RunningNetconfServer {
  /** The TCP port it listens on; 0 in call-home mode, where it listens on nothing. */
  port: number;
  sessions: Map<number, ServerSession>;
  /** Serves SSH over a connection the device made itself (NETCONF Call Home, RFC 8071). */
  injectSocket(socket: Socket): void;
  /** Drops every session at once, as a power loss does. */
  dropAll(): void;
  close(): Promise<void>;
}

/** Serves NETCONF on address:port, or only over injected sockets when `port` is null (call home). */
export function startNetconfServer(device: NetconfDevice, options: { address: string; port: number | null; hostKey: string }): Promise<RunningNetconfServer> {
  const sessions = new Map<number, ServerSession>();
  const connections = new Set<Connection>();
  const parsedKeys = (keys: string[]): ParsedKey[] => keys.flatMap((text) => {
    const parsed = utils.parseKey(text);
    return parsed instanceof Error ? [] : Array.isArray(parsed) ? parsed : [parsed];
  });
  /** Who may log in as `username`, read afresh at each attempt: the running configuration may have changed since the last. */
  const accounts = (username: string) => {
    const { credentials } = device;
    const factory = credentials.username === username
      ? [{ password: (given: string) => passwordMatches(given, credentials.password), keys: () => parsedKeys(credentials.authorizedKeys) }] : [];
    const configured = device.faults.refuseConfiguredLogins ? [] : (device.configuredLogins?.() ?? []).filter((login) => login.name === username).map((login) => ({
      password: (given: string) => login.encryptedPassword !== undefined && sha512CryptMatches(given, login.encryptedPassword),
      keys: () => parsedKeys(login.publicKeys),
    }));
    return [...factory, ...configured];
  };

  const server = new Server({ hostKeys: [options.hostKey] }, (connection) => {
    connections.add(connection);
    // Small request/reply messages: Nagle would add 40 ms to each round trip (the method is untyped).
    (connection as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    let username = '';
    connection.on('authentication', (context) => {
      const candidates = accounts(context.username);
      if (context.method === 'password' && candidates.some((account) => account.password(context.password))) {
        username = context.username;
        return context.accept();
      }
      if (context.method === 'publickey') {
        const key = candidates.flatMap((account) => account.keys()).find((k) => k.getPublicSSH().equals(context.key.data));
        if (key && (!context.signature || key.verify(context.blob!, context.signature, context.hashAlgo))) {
          username = context.username;
          return context.accept();
        }
      }
      context.reject(['password', 'publickey']);
    });
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('subsystem', (accept, reject, info) => {
          if (info.name !== 'netconf') return reject();
          new ServerSession(device, accept(), username, sessions, () => connection.end());
        });
      });
    });
    connection.on('error', () => undefined);
    connection.on('close', () => connections.delete(connection));
  });

  const running = (port: number): RunningNetconfServer => ({
    port,
    sessions,
    injectSocket: (socket) => server.injectSocket(socket),
    dropAll: () => {
      for (const session of [...sessions.values()]) session.end();
      for (const connection of connections) (connection as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
      connections.clear();
    },
    close: () => new Promise((done) => {
      for (const connection of connections) connection.end();
      if (port === 0) return done();
      server.close(() => done());
    }),
  });
  const port = options.port;
  if (port === null) return Promise.resolve(running(0));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.address, () => resolve(running(((server as unknown as NetServer).address() as AddressInfo).port)));
  });
}
