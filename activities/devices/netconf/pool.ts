// NETCONF sessions reused per device, with a cap on how many are open at once (SSH sessions cost
// the device and us). Idle sessions close after a while; a broken one is replaced on next use.
import { NetconfSession, type NetconfTarget } from './session.ts';

interface Entry {
  session: Promise<NetconfSession>;
  /** Its session is open (its handshake done). */
  opened?: boolean;
  users: number;
  idleTimer?: NodeJS.Timeout;
}

export class NetconfSessionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: (() => void)[] = [];

  /** @param options `rpcTimeoutMs` and `connectTimeoutMs`, when given, bound every session's (tests shorten them) */
  constructor(private readonly options: { maxSessions: number; idleMs: number; rpcTimeoutMs?: number; connectTimeoutMs?: number } = { maxSessions: 200, idleMs: 60_000 }) {}

  get openSessions(): number {
    return this.entries.size;
  }

  private key(target: NetconfTarget) {
    return `${target.username}@${target.host}:${target.port}`;
  }

  /** Whether a session to the device is open, or opening (one `withSession` would reuse, once open). */
  holds(target: NetconfTarget): 'open' | 'opening' | undefined {
    const entry = this.entries.get(this.key(target));
    return entry && (entry.opened ? 'open' : 'opening');
  }

  /**
   * Opens the device's session (or takes the one open) and keeps it open until the function
   * returned is called, then for the idle time as any other: for a device a change is likely on
   * soon. Only while less than half the cap is open (undefined otherwise): kept sessions never
   * crowd out a change, and a fleet-wide event keeps a bounded number.
   */
  keepOpen(target: NetconfTarget): (() => void) | undefined {
    if (this.entries.size >= this.options.maxSessions / 2 && !this.holds(target)) return undefined;
    const kept = this.acquire(target);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      void kept.then((entry) => this.release(target, entry), () => undefined);
    };
  }

  /** Runs `work` with the device's session, opening one (within the cap) when needed. */
  async withSession<T>(target: NetconfTarget, work: (session: NetconfSession) => Promise<T>): Promise<T> {
    const entry = await this.acquire(target);
    try {
      return await work(await entry.session);
    } finally {
      this.release(target, entry);
    }
  }

  private async acquire(target: NetconfTarget): Promise<Entry> {
    const key = this.key(target);
    for (;;) {
      const existing = this.entries.get(key);
      if (existing) {
        const session = await existing.session.catch(() => undefined);
        if (session?.isOpen && this.entries.get(key) === existing) {
          clearTimeout(existing.idleTimer);
          existing.users += 1;
          return existing;
        }
        if (this.entries.get(key) === existing) this.drop(key, existing);
        continue;
      }
      if (this.entries.size >= this.options.maxSessions && !this.evictIdle()) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      const { rpcTimeoutMs, connectTimeoutMs } = this.options;
      const entry: Entry = { session: NetconfSession.connect({ rpcTimeoutMs, connectTimeoutMs, ...target }), users: 1 };
      this.entries.set(key, entry);
      entry.session.then(
        (session) => {
          entry.opened = true;
          session.onClose(() => {
            if (this.entries.get(key) === entry && entry.users === 0) this.drop(key, entry);
          });
        },
        () => this.drop(key, entry),
      );
      return entry;
    }
  }

  private release(target: NetconfTarget, entry: Entry) {
    entry.users -= 1;
    if (entry.users > 0) return;
    const key = this.key(target);
    entry.idleTimer = setTimeout(() => this.drop(key, entry, true), this.options.idleMs);
    entry.idleTimer.unref();
    this.waiting.shift()?.();
  }

  private evictIdle(): boolean {
    for (const [key, entry] of this.entries) {
      if (entry.users === 0) {
        this.drop(key, entry, true);
        return true;
      }
    }
    return false;
  }

  private drop(key: string, entry: Entry, close = false) {
    if (this.entries.get(key) !== entry) return;
    clearTimeout(entry.idleTimer);
    this.entries.delete(key);
    if (close) void entry.session.then((session) => session.close(), () => undefined);
    this.waiting.shift()?.();
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => entry.session.then((s) => s.close(), () => undefined)));
    this.entries.clear();
  }
}
