// Where the identity provider keeps its sessions, interactions, authorization codes and grants: in
// its one process's memory, which is all one process needs (the access tokens are signed JWTs, kept
// nowhere). Each entry goes when it expires. A restart signs people out of the identity provider;
// the Web UI keeps them signed in until their access token expires.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

const entries = new Map<string, Entry>();
const sweepEveryMs = 60_000;
let lastSweep = Date.now();

function sweep(now: number): void {
  if (now - lastSweep < sweepEveryMs) return;
  lastSweep = now;
  for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
}

/** One model's entries (Session, Interaction, AuthorizationCode, Grant…), by id. */
export class MemoryStore implements Adapter {
  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  private live(key: string): AdapterPayload | undefined {
    const entry = entries.get(key);
    if (!entry || entry.expiresAt > Date.now()) return entry?.payload;
    entries.delete(key);
    return undefined;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn = 3600): Promise<void> {
    const now = Date.now();
    sweep(now);
    entries.set(this.key(id), { payload, expiresAt: now + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.live(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [key, entry] of entries) if (key.startsWith(`${this.model}:`) && entry.payload.uid === uid) return this.live(key);
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [key, entry] of entries) if (key.startsWith(`${this.model}:`) && entry.payload.userCode === userCode) return this.live(key);
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = this.live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key);
  }
}
