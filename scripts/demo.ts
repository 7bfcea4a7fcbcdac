// The demo network brought to life on the first `npm start`: the seed's hubs, then a few of its
// branches, each given a simulated box of its model and onboarded through the real workflows, as an
// operator would over the API (assign a box that phoned home, start the onboarding). Porto stays
// planned, with boxes to spare, for the newcomer to onboard or to add a branch from the wizard.
import { existsSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The seed's sites the demo brings up, phase after phase: spokes need their hubs in service, and a
 * full-mesh site tunnels to the mesh sites active when it onboards (Antwerp after Rotterdam).
 */
export const demoPhases = [
  ['Frankfurt hub', 'Amsterdam hub'],
  ['Lyon store', 'Munich store', 'Rotterdam depot'],
  ['Antwerp depot'],
] as const;

interface Site { id: string; name: string; status: string; statusReason: string | null }
interface Device { id: string; model: string; role: string; status: string; serial: string | null }
interface Box { serial: string; model: string }

export interface DemoOptions {
  apiUrl: string;
  /** The simulator's control API: the demo's boxes get links that vary as real ones do. */
  simulatorUrl: string;
  email: string;
  password: string;
  say: (line: string) => void;
  /** How long one phase may take before the demo gives up on it (the sites stay as they are). */
  phaseTimeoutMs?: number;
}

class DemoApi {
  private cookie = '';
  constructor(private readonly base: string) {}

  async signIn(email: string, password: string): Promise<void> {
    const response = await fetch(`${this.base}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
    });
    if (!response.ok) throw new Error(`signing in as ${email} answered ${response.status}`);
    this.cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: { cookie: this.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      const problem = text ? (JSON.parse(text) as { detail?: string; title?: string }) : {};
      throw new Error(`${method} ${path} answered ${response.status}: ${problem.detail ?? problem.title ?? text}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Brings the demo's phases up, one after the other, telling how long from the start each site took. */
export async function bringUpDemo(options: DemoOptions): Promise<void> {
  const api = new DemoApi(options.apiUrl);
  await api.signIn(options.email, options.password);
  const started = Date.now();
  const assigned = new Set<string>();
  for (const phase of demoPhases) {
    const { items: sites } = await api.call<{ items: Site[] }>('GET', '/sites?limit=100');
    const chosen = phase.map((name) => sites.find((site) => site.name === name)).filter((site) => site !== undefined);
    // Sites onboarding already (a start stopped half-way) are waited for; planned ones started.
    const waiting = chosen.filter((site) => site.status === 'onboarding').map((site) => site.id);
    for (const site of chosen.filter((s) => s.status === 'planned')) {
      const { items: devices } = await api.call<{ items: Device[] }>('GET', `/devices?siteId=${site.id}`);
      const device = devices.find((d) => d.role === 'primary');
      if (!device) continue;
      if (!device.serial) {
        const box = await unclaimedBox(api, device.model, assigned, options.phaseTimeoutMs ?? 120_000);
        if (!box) {
          options.say(`demo: no simulated ${device.model} phoned home for ${site.name}; it stays planned`);
          continue;
        }
        await api.call('POST', `/unclaimed-devices/${box.serial}/assign`, { siteId: site.id, role: 'primary' });
        assigned.add(box.serial);
        await withNoisyLinks(options.simulatorUrl, box.serial);
      }
      await api.call('POST', `/sites/${site.id}/onboarding`, {});
      waiting.push(site.id);
      options.say(`demo: onboarding ${site.name}`);
    }
    const outcome = await settled(api, waiting, options.phaseTimeoutMs ?? 600_000);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    for (const site of outcome) {
      if (site.status === 'active') options.say(`demo: ${site.name} active (${seconds} s since the demo began)`);
      else options.say(`demo: ${site.name} is ${site.status}${site.statusReason ? `: ${site.statusReason}` : ''}`);
    }
  }
}

/**
 * A real link's round trip, jitter and loss vary from one RPM test to the next; the simulator's are
 * exact unless given noise (standard deviations), so the demo's SLA charts would be flat lines.
 */
async function withNoisyLinks(simulatorUrl: string, serial: string): Promise<void> {
  for (const link of ['wan0', 'wan1', 'lte']) {
    const response = await fetch(`${simulatorUrl}/devices/${serial}/links/${link}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ noise: { latencyMs: 3, jitterMs: 1, lossPermille: 1 } }),
    });
    if (!response.ok) throw new Error(`the simulator refused noise on ${serial}'s ${link}: ${response.status}`);
  }
}

/** A box of that model waiting among the unclaimed, not yet taken by this demo; the simulator's boxes phone home every few seconds. */
async function unclaimedBox(api: DemoApi, model: string, taken: Set<string>, timeoutMs: number): Promise<Box | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await api.call<{ items: Box[] }>('GET', '/unclaimed-devices?limit=100');
    const box = items.filter((b) => b.model === model && !taken.has(b.serial)).sort((a, b) => a.serial.localeCompare(b.serial))[0];
    if (box || Date.now() > until) return box;
    await sleep(2000);
  }
}

/** Waits until the sites' onboardings have ended, in service or failed (or the time is up): their last state. */
async function settled(api: DemoApi, siteIds: string[], timeoutMs: number): Promise<Site[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const sites = await Promise.all(siteIds.map((id) => api.call<Site>('GET', `/sites/${id}`)));
    if (sites.every((site) => site.status !== 'planned' && site.status !== 'onboarding') || Date.now() > until) return sites;
    await sleep(2000);
  }
}

/**
 * The demo runs once per data directory: the seed leaves a marker, the demo removes it once it has
 * gone through (a start stopped half-way resumes at the next). Failures are told, never fatal: the
 * product runs on without its demo.
 */
export const demoMarker = {
  set: (path: string) => writeFileSync(path, 'The demo network is brought up at the next start.\n'),
  pending: (path: string) => existsSync(path),
  clear: (path: string) => rmSync(path, { force: true }),
};
