// One shard's devices polled every probe interval: each device's RPM results read over SNMP (one
// get-bulk round trip), each link's samples kept in a sliding window, each device's evaluation
// compared with the one last signalled, and the site's steering workflow signalled only when it
// changed. Readings also fill per-link minute buckets, written in one batch when minutes close.
// Knows nothing of Temporal's activity context: the activity drives it and heartbeats its progress.
import type { PolledDevice } from '../../inventory/telemetry-targets.ts';
import {
  changeStartedAt, evaluateLinks, evaluationDigest, evaluationKey, healthyEvaluation, latestViolates, withSample, type LinkEvaluation, type ProbeSample,
} from '../../domain/link-telemetry.ts';
import { bucketStart, withReading, type LinkBucket } from '../../domain/link-rollups.ts';
import type { SlaEvaluation } from '../../workflows/sla-steering.messages.ts';
import type { ProbeResult } from '../devices/drivers/contract.ts';

/** What a shard keeps across crashes (its heartbeat) and runs (the workflow passes it on). */
export interface ShardProgress {
  /** Per device id, the digest of the evaluation last signalled; a device last signalled healthy (or never) is absent. */
  signalled: Record<string, string>;
  polls: number;
  /**
   * Device polls missed: a device whose turn came while its previous read had not answered, or
   * every device of a tick the shard could not start at all (its process stalled a whole interval).
   */
  missedPolls: number;
  samples: number;
  signals: number;
  /** Device reads that failed (no answer, refused). */
  failedReads: number;
}

/** How far apart the slots of a spread poll start. */
const pollSlotMs = 100;

export const emptyProgress = (signalled: Record<string, string> = {}): ShardProgress => ({ signalled, polls: 0, missedPolls: 0, samples: 0, signals: 0, failedReads: 0 });

/**
 * Where a shard's polling stands at `now`: how many whole ticks went by without a poll started
 * (the process stalled past them), and the tick to wait for next. A timer may wake a little before
 * its time: that is the tick due, not one earlier, so it is polled once rather than twice.
 */
export function tickAt(now: number, tick: number, intervalMs: number): { overran: number; next: number } {
  const overran = Math.max(0, Math.floor((now - tick) / intervalMs));
  return { overran, next: tick + (overran + 1) * intervalMs };
}

export interface ShardPollerDependencies {
  /** The device's probe results (over SNMP, through its driver). */
  readProbes(device: PolledDevice): Promise<ProbeResult[]>;
  /** Delivers an evaluation to the site's steering (started if it is not running); throws when it could not. */
  signal(evaluation: SlaEvaluation): Promise<void>;
  /**
   * A link of the device looks out of an application's SLA in its latest reading (its window may
   * not say so yet): a switch, a configuration change, may follow, so its session can open now.
   */
  suspect?(device: PolledDevice): void;
  /** Its latest reading breaks no SLA (any more): what `suspect` did for it can end. */
  cleared?(device: PolledDevice): void;
  /** Runs work with the worker's bound on device reads in flight (a signal is sent outside it). */
  limit<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves after `ms` milliseconds (a poll spread over time waits so between its reads). */
  wait?(ms: number): Promise<void>;
  log: { debug(message: string, meta?: object): void; warn(message: string, meta?: object): void };
  now(): number;
}

export class ShardPoller {
  private devices: PolledDevice[] = [];
  private readonly windows = new Map<string, Map<string, ProbeSample[]>>();
  /** The evaluation last signalled (or found unchanged) per device, for dating changes; lost with the process. */
  private readonly previous = new Map<string, LinkEvaluation>();
  private readonly buckets = new Map<string, LinkBucket>();
  private readonly healthy = new WeakMap<PolledDevice, { links: string; healthy: LinkEvaluation; healthyDigest: string }>();
  /** Devices whose read has not answered yet: since when (monotonic clock), and whether it has gone out (past the worker's bound). */
  private readonly reading = new Map<string, { since: number; sent: boolean }>();
  /** The turns missed since `takeMisses`: the longest a read they found under way had been, and how many waited for the bound. */
  private misses = { count: 0, oldestMs: 0, queued: 0 };
  /** Devices whose signal has not been answered yet: their evaluation waits for a reading after it. */
  private readonly signalling = new Set<string>();
  private closed: LinkBucket[] = [];

  constructor(readonly progress: ShardProgress, private readonly windowSamples: number, private readonly deps: ShardPollerDependencies) {}

  /** The shard's devices, after an inventory read: the windows of devices gone are dropped. */
  setDevices(devices: PolledDevice[]) {
    this.devices = devices;
    const ids = new Set(devices.map((d) => d.deviceId));
    for (const id of this.windows.keys()) if (!ids.has(id)) this.windows.delete(id);
    for (const id of Object.keys(this.progress.signalled)) if (!ids.has(id)) delete this.progress.signalled[id];
  }

  get deviceCount() {
    return this.devices.length;
  }

  /**
   * Reads every device once, at most the worker's bound at a time, and signals what changed. With
   * `spreadMs` (and `wait`), the reads start evenly over that time, a slot every 100 ms, rather
   * than all at the tick: the devices' agents and the worker take a steady load instead of a burst
   * every interval that anything else asked of them meanwhile (a switch's NETCONF exchange, on a
   * box or a simulator holding thousands) would queue behind. Each device is read once an interval,
   * always at the same point of it. Polls may overlap: a device still being read when its turn comes
   * again misses that turn (counted in `missedPolls`), and only it.
   */
  async pollOnce(spreadMs = 0): Promise<void> {
    const { wait } = this.deps;
    const all = this.devices;
    const slots = wait ? Math.max(1, Math.min(all.length, Math.floor(spreadMs / pollSlotMs))) : 1;
    await Promise.all(Array.from({ length: slots }, async (_, slot) => {
      if (slot > 0) await wait!((slot * spreadMs) / slots);
      const devices = all.slice(Math.floor((slot * all.length) / slots), Math.floor(((slot + 1) * all.length) / slots));
      await Promise.all(devices.map((device) => this.readInTurn(device)));
    }));
    this.progress.polls += 1;
  }

  /** Every device of the shard missed a tick (the process could not start the poll in time). */
  missedTicks(ticks: number) {
    this.progress.missedPolls += ticks * this.devices.length;
  }

  /** Buckets of minutes that ended, to be written (all of them, the current ones too, with `all`). */
  takeClosedMinutes(all = false): LinkBucket[] {
    if (all) {
      this.closed.push(...this.buckets.values());
      this.buckets.clear();
    }
    const taken = this.closed;
    this.closed = [];
    return taken;
  }

  /** What the turns missed since the last call found: for the log, to tell a slow device from a worker that was slow to ask. */
  takeMisses() {
    const misses = this.misses;
    this.misses = { count: 0, oldestMs: 0, queued: 0 };
    return misses;
  }

  private async readInTurn(device: PolledDevice): Promise<void> {
    const under = this.reading.get(device.deviceId);
    if (under) {
      this.progress.missedPolls += 1;
      this.misses.count += 1;
      this.misses.oldestMs = Math.max(this.misses.oldestMs, Math.round(performance.now() - under.since));
      if (!under.sent) this.misses.queued += 1;
      return;
    }
    const read = { since: performance.now(), sent: false };
    this.reading.set(device.deviceId, read);
    let sent: { signalled: Promise<void> } | undefined;
    try {
      sent = await this.deps.limit(() => {
        read.sent = true;
        return this.pollDevice(device);
      });
    } finally {
      this.reading.delete(device.deviceId);
    }
    // A slow signal (Temporal busy) holds up neither the device's next reading nor anyone's.
    await sent?.signalled;
  }

  /** Reads the device and judges its links; answers the signal it sent, if any, still under way. */
  private async pollDevice(device: PolledDevice): Promise<{ signalled: Promise<void> } | undefined> {
    let results: ProbeResult[];
    try {
      results = await this.deps.readProbes(device);
    } catch (error) {
      // The management path failing says nothing of the WAN links: no sample, nothing judged.
      this.progress.failedReads += 1;
      this.deps.log.debug('probe results not read', { deviceSerial: device.serial, siteId: device.siteId, error: (error as Error).message });
      return;
    }
    const at = this.deps.now();
    const windows = this.windows.get(device.deviceId) ?? new Map<string, ProbeSample[]>();
    this.windows.set(device.deviceId, windows);
    for (const link of device.links) {
      const result = results.find((r) => r.link === link.name);
      if (!result) continue; // no probe configured on it (yet)
      const sample: ProbeSample = { at, up: result.up, rttMs: result.latencyMs, jitterMs: result.jitterMs, lossPermille: result.lossPermille };
      windows.set(link.name, withSample(windows.get(link.name) ?? [], sample, this.windowSamples));
      // A path to a hub is steered by, not charted: its link's own figures are.
      if (link.wanLinkId !== null) this.addToMinute(link.wanLinkId, sample);
      this.progress.samples += 1;
    }
    if (latestViolates(windows, device.applications)) this.deps.suspect?.(device);
    else this.deps.cleared?.(device);
    const evaluation = evaluateLinks(windows, device.applications, this.windowSamples);
    if (!evaluation) return;
    // One signal at a time per device, in order: while one is under way, what changed since is
    // judged again at the next reading (against what was delivered) and signalled then.
    if (this.signalling.has(device.deviceId)) return;
    this.signalling.add(device.deviceId);
    return { signalled: this.signalIfChanged(device, evaluation, windows, at).finally(() => this.signalling.delete(device.deviceId)) };
  }

  private async signalIfChanged(device: PolledDevice, evaluation: LinkEvaluation, windows: Map<string, ProbeSample[]>, at: number) {
    const { healthy, healthyDigest } = this.healthyOf(device, windows);
    const lastDigest = this.progress.signalled[device.deviceId] ?? healthyDigest;
    const digest = evaluationDigest(evaluationKey(evaluation));
    if (digest === lastDigest) {
      this.previous.set(device.deviceId, evaluation);
      return;
    }
    // Known exactly when nothing was signalled; after a crash only its digest is.
    const previous = this.previous.get(device.deviceId) ?? (lastDigest === healthyDigest ? healthy : undefined);
    const changedAt = changeStartedAt(previous, evaluation, windows, device.applications, at);
    const delivered = await this.deps.signal({
      siteId: device.siteId, deviceSerial: device.serial, links: evaluation.links, violations: evaluation.violations,
      at: new Date(at).toISOString(), changedAt: new Date(changedAt).toISOString(),
    }).then(() => true, (error: unknown) => {
      this.deps.log.warn('SLA evaluation not signalled; tried again at the next poll', { siteId: device.siteId, deviceSerial: device.serial, error: (error as Error).message });
      return false;
    });
    if (!delivered) return;
    this.previous.set(device.deviceId, evaluation);
    if (digest === healthyDigest) delete this.progress.signalled[device.deviceId];
    else this.progress.signalled[device.deviceId] = digest;
    this.progress.signals += 1;
  }

  /**
   * The device's healthy evaluation and its digest, for the links it has readings of: the same
   * poll after poll, made again only when those links or the device (an inventory read) change.
   */
  private healthyOf(device: PolledDevice, windows: Map<string, ProbeSample[]>) {
    const links = [...windows.keys()].join('\u0000');
    let known = this.healthy.get(device);
    if (known?.links !== links) {
      const healthy = healthyEvaluation([...windows.keys()], device.applications);
      this.healthy.set(device, (known = { links, healthy, healthyDigest: evaluationDigest(evaluationKey(healthy)) }));
    }
    return known;
  }

  private addToMinute(wanLinkId: string, sample: ProbeSample) {
    const minute = bucketStart(sample.at, 'minute');
    const current = this.buckets.get(wanLinkId);
    if (current && current.bucket !== minute) this.closed.push(current);
    this.buckets.set(wanLinkId, withReading(current && current.bucket === minute ? current : undefined, wanLinkId, minute, sample));
  }
}
