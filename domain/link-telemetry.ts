// What a telemetry poller makes of a device's probe results: each WAN link's samples smoothed over
// a sliding window, each steered application's SLA evaluated on the smoothed figures, and whether
// that evaluation changed since the one last signalled. Pure, so the rules are tested alone and
// the poller only reads, remembers and signals.
import { violatesSla, type LinkMeasurement, type SlaThresholds } from './sla.ts';

/** One probe reading of one link, as the poller took it. */
export interface ProbeSample extends LinkMeasurement {
  /** When it was read (epoch milliseconds). */
  at: number;
  /** Whether any probe of the test was answered. */
  up: boolean;
}

export interface SmoothedLink {
  link: string;
  up: boolean;
  /** Absent until the window is full, or while no sample of it was answered. */
  measured?: LinkMeasurement;
}

/** The evaluation of one device's links for the applications its site steers. */
export interface LinkEvaluation {
  links: SmoothedLink[];
  /** Per application (AppID signature), the links violating its SLA; a link down violates every one. */
  violations: Record<string, string[]>;
}

/** The window keeps the last `size` samples, newest last. */
export function withSample(window: readonly ProbeSample[], sample: ProbeSample, size: number): ProbeSample[] {
  return [...window, sample].slice(-size);
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const tenths = (value: number) => Math.round(value * 10) / 10;

/**
 * A sliding mean over the last K samples rather than an EWMA: a step degradation crosses a
 * threshold within ceil(K × (threshold − base) / (step − base)) samples, and the figures leave the
 * window after exactly K samples, so recovery is as quick as detection and easy to reason about.
 * Round trip and jitter are means of the answered samples; loss counts an unanswered one as 1000 ‰.
 * The link is up while any sample of the window was answered (a blackout shows as loss first).
 */
export function smooth(link: string, window: readonly ProbeSample[], size: number): SmoothedLink {
  const answered = window.filter((s) => s.up);
  const up = window.length === 0 || answered.length > 0;
  if (window.length < size || answered.length === 0) return { link, up };
  return {
    link,
    up,
    measured: {
      rttMs: tenths(mean(answered.map((s) => s.rttMs))),
      jitterMs: tenths(mean(answered.map((s) => s.jitterMs))),
      lossPermille: tenths(mean(window.map((s) => (s.up ? s.lossPermille : 1000)))),
    },
  };
}

/** The applications whose SLA a link's figures (smoothed or one raw sample) break: all of them when it is down. */
function violated(applications: Readonly<Record<string, SlaThresholds>>, up: boolean, measured: LinkMeasurement | undefined): string[] {
  return Object.keys(applications).sort().filter((app) => !up || (measured !== undefined && violatesSla(applications[app]!, measured)));
}

/** Whether any link's latest sample alone (down, or out of any application's SLA) would break an SLA. */
export function latestViolates(windows: ReadonlyMap<string, readonly ProbeSample[]>, applications: Readonly<Record<string, SlaThresholds>>): boolean {
  return [...windows.values()].some((window) => {
    const latest = window.at(-1);
    return !!latest && violated(applications, latest.up, latest.up ? latest : undefined).length > 0;
  });
}

/** Evaluates every application on every link; undefined until every link's window is full (nothing to judge yet). */
export function evaluateLinks(
  windows: ReadonlyMap<string, readonly ProbeSample[]>, applications: Readonly<Record<string, SlaThresholds>>, size: number,
): LinkEvaluation | undefined {
  const names = [...windows.keys()].sort();
  if (names.some((name) => windows.get(name)!.length < size)) return undefined;
  const links = names.map((name) => smooth(name, windows.get(name)!, size));
  const violations: Record<string, string[]> = {};
  for (const app of Object.keys(applications).sort()) violations[app] = [];
  for (const link of links) for (const app of violated(applications, link.up, link.measured)) violations[app]!.push(link.link);
  return { links, violations };
}

/** What a link's state is for change detection: up or down, and the applications it fails. Figures alone never count. */
function linkState(evaluation: LinkEvaluation, link: string): string {
  const up = evaluation.links.find((l) => l.link === link)?.up ?? true;
  const apps = Object.keys(evaluation.violations).filter((app) => evaluation.violations[app]!.includes(link));
  return `${up ? 'up' : 'down'}:${apps.join(',')}`;
}

/** The evaluation as text: equal texts, nothing to signal. */
export function evaluationKey(evaluation: LinkEvaluation): string {
  return evaluation.links.map((l) => `${l.link}=${linkState(evaluation, l.link)}`).join(';');
}

/**
 * A short digest of an evaluation's key (cyrb53: 53 bits, so collisions among a site's few states
 * are out of the question): what a shard's heartbeat keeps per device, small enough for thousands.
 */
export function evaluationDigest(key: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** The state a device starts from, and a steering workflow assumes before its first signal: every link up, none violating. */
export function healthyEvaluation(links: readonly string[], applications: Readonly<Record<string, SlaThresholds>>): LinkEvaluation {
  return {
    links: [...links].sort().map((link) => ({ link, up: true })),
    violations: Object.fromEntries(Object.keys(applications).sort().map((app) => [app, []])),
  };
}

/**
 * When the change began: for each link whose state differs from `previous`, the oldest sample of
 * the trailing run of its window whose own raw figures already show the new state; the earliest
 * of those. Detection time is measured from it. `at` when no raw sample shows it (smoothing alone
 * made the change) or nothing is known of the previous state.
 */
export function changeStartedAt(
  previous: LinkEvaluation | undefined, next: LinkEvaluation, windows: ReadonlyMap<string, readonly ProbeSample[]>,
  applications: Readonly<Record<string, SlaThresholds>>, at: number,
): number {
  if (!previous) return at;
  let earliest = at;
  for (const { link } of next.links) {
    const state = linkState(next, link);
    if (linkState(previous, link) === state) continue;
    const window = windows.get(link) ?? [];
    let since: number | undefined;
    for (let i = window.length - 1; i >= 0; i--) {
      const sample = window[i]!;
      if (`${sample.up ? 'up' : 'down'}:${violated(applications, sample.up, sample.up ? sample : undefined).join(',')}` !== state) break;
      since = sample.at;
    }
    if (since !== undefined && since < earliest) earliest = since;
  }
  return earliest;
}

/** Fixed shards: a device belongs to the shard its id hashes to, whichever worker runs that shard. */
export function shardOf(deviceId: string, shards: number): number {
  return parseInt(evaluationDigest(deviceId), 36) % shards;
}
