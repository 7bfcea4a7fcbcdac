// NETCONF Call Home (RFC 8071): branch devices behind NAT dial the orchestrator (TCP 4334), which
// then runs SSH and NETCONF as the client over that connection. The device is recognised by its
// SSH host key, looked up in the inventory before any credential is offered.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { DeviceError } from '../errors.ts';
import { NetconfSession } from './session.ts';

export const callHomePort = 4334;

export interface CallingDevice {
  serial: string;
  username: string;
  password?: string;
  privateKey?: string;
}

export interface CallHomeOptions {
  host: string;
  port: number;
  /** The device whose recorded host key this is; undefined refuses the connection. */
  deviceByHostKey: (hostKeySha256: string) => CallingDevice | undefined;
  onSession?: (serial: string, session: NetconfSession) => void;
  /** How long an rpc on a called-home session may go unanswered (default 30 s): a device that drops one must not hang its caller. */
  rpcTimeoutMs?: number;
  /** How long SSH and the hello exchange may take once the device has dialled in (default 15 s). */
  connectTimeoutMs?: number;
  log?: (event: string, details: Record<string, unknown>) => void;
}

export class CallHomeListener {
  private server: Server | undefined;
  private readonly sessions = new Map<string, NetconfSession>();
  private readonly waiters = new Map<string, ((session: NetconfSession) => void)[]>();

  constructor(private readonly options: CallHomeOptions) {}

  async start(): Promise<number> {
    this.server = createServer((socket) => void this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  private async accept(socket: Socket) {
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    let serial: string | undefined;
    try {
      const session = await NetconfSession.connect({
        host: socket.remoteAddress ?? 'call-home',
        port: socket.remotePort ?? 0,
        username: '',
        sock: socket,
        rpcTimeoutMs: this.options.rpcTimeoutMs ?? 30_000,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 15_000,
        credentialsFor: (hostKeySha256) => {
          const device = this.options.deviceByHostKey(hostKeySha256);
          serial = device?.serial;
          return device;
        },
      });
      if (!serial) throw new DeviceError('auth', `${from} called home with an unknown host key`);
      const known = serial;
      this.sessions.get(known)?.destroy();
      this.sessions.set(known, session);
      session.onClose(() => {
        if (this.sessions.get(known) === session) this.sessions.delete(known);
      });
      this.options.log?.('device called home', { serial: known, from });
      this.options.onSession?.(known, session);
      for (const resolve of this.waiters.get(known) ?? []) resolve(session);
      this.waiters.delete(known);
    } catch (error) {
      this.options.log?.('call home refused', { from, serial, error: (error as Error).message });
      socket.destroy();
    }
  }

  /** The device's current call-home session, if it is connected. */
  session(serial: string): NetconfSession | undefined {
    const session = this.sessions.get(serial);
    return session?.isOpen ? session : undefined;
  }

  /** Waits until the device calls (or has called) home. */
  waitFor(serial: string, timeoutMs: number): Promise<NetconfSession> {
    const current = this.session(serial);
    if (current) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new DeviceError('unreachable', `${serial} has not called home within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(serial, [...(this.waiters.get(serial) ?? []), (session) => {
        clearTimeout(timer);
        resolve(session);
      }]);
    });
  }

  async stop(): Promise<void> {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
