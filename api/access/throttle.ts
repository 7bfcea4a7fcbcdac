// In-process limits: a token bucket per caller for the API's rate limit, and failure counters for
// authentication (per address, and per address and account for sign-in). One API process holds
// them; behind several processes the limits apply per process (the bucket of each is the
// configured rate).
import { isIPv4, isIPv6 } from 'node:net';

/** The 16-bit groups of an IPv6 address, `::` expanded and an IPv4 tail (`::ffff:1.2.3.4`) included. */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!;
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, ipv4Tail.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => parseInt(group, 16));
}

/**
 * Whom an anonymous caller's limits are kept under. All of 127/8 and ::1 is this machine, whose
 * programs may send from any of those addresses: one caller. An IPv6 host chooses its own address
 * inside its network's /64 (and changes it for privacy), so the /64 is one caller. An IPv4 address
 * is its own caller.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'address:unknown';
  if (isIPv4(ip)) return ip.startsWith('127.') ? 'address:loopback' : `address:${ip}`;
  if (!isIPv6(ip)) return `address:${ip}`;
  const groups = ipv6Groups(ip);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return addressKey([groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.'));
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return 'address:loopback';
  return `address:${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from the caller's bucket; when it is empty, says how long until one is back. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (this.buckets.size > 50_000) this.forgetFull(now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }

  private forgetFull(now: number) {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}

/**
 * Counts failures per key in a sliding window; past the limit the key waits until the oldest ages
 * out. At most `maxKeys` keys are kept: beyond, the one whose last failure is oldest is forgotten.
 */
export class FailureThrottle {
  /** Per key, the times of its last `limit` failures, oldest first; the map is ordered by last failure. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((at) => at > since);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }

  /** Seconds to wait before the next attempt, or 0 when it may go ahead. */
  waitSeconds(key: string): number {
    const list = this.recent(key);
    if (list.length < this.limit) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    const list = [...this.recent(key), this.now()].slice(-this.limit);
    this.failures.delete(key);
    this.failures.set(key, list);
    for (const oldest of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(oldest);
    }
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  /** How many keys are kept (for tests of the bound). */
  get size(): number {
    return this.failures.size;
  }
}
