// The bookkeeping of an upgrade campaign's dispatch, apart from Temporal: which device goes next
// (at most `concurrency` at once, none while paused), which devices wait (for their maintenance
// window, or to answer again), what each upgrade came to, and whether the failures have spent the
// budget. Every counter changes here and nowhere else. Pure and deterministic: the workflow reads
// the pages, starts the children and records the outcomes it is told.
import type { CampaignCandidate, CampaignPlan } from '../activities/campaigns.ts';
import { failureTypes } from '../domain/failure-types.ts';
import type { CampaignProgress, CampaignState, PhaseProgress } from './upgrade-campaign.messages.ts';

/** A device that did not answer is tried again this much later (until the deadline). */
export const offlineRetryMs = 5 * 60_000;
/** Failure types that mean "not reachable now", not "the upgrade is bad". */
const offlineTypes: string[] = [failureTypes.deviceUnreachable, failureTypes.deviceTimeout];
/** Devices read at once from the campaign's list. */
export const pageSize = 200;
const maxListedFailures = 500;
/** The shortest wait for a device to come due, so that a device due now does not spin the dispatcher. */
const shortestWaitMs = 1_000;

export type DispatchPlan = Pick<CampaignPlan, 'concurrency' | 'failureBudgetPct' | 'phaseFailureBudgetPct' | 'deadline' | 'phaseSizes'>;

/** What the dispatcher does next in the current phase. */
export type NextStep =
  /** This device is free to start, once its maintenance window is open. */
  | { kind: 'device'; device: CampaignCandidate }
  /** The device taken must wait out its retry first (it did not answer before a continue-as-new, say): look again. */
  | { kind: 'deferred' }
  /** Nothing to start: wait for a change (a slot, an update), or `wakeInMs` for a waiting device to come due. */
  | { kind: 'wait'; wakeInMs?: number }
  /** Every device of the phase is done. */
  | { kind: 'done' };

/** One device's upgrade, from its start until its outcome is recorded. */
export interface DeviceUpgrade {
  readonly device: CampaignCandidate;
  readonly phase: PhaseProgress;
  /** Held from the start until the child ends (for a device tried again later, until that is recorded). */
  holdsSlot: boolean;
}

export class CampaignDispatch {
  readonly state: CampaignState;
  haltedBecause: string | null = null;
  #plan: DispatchPlan | undefined;
  /** Children running, each holding a slot. */
  #inFlight = 0;
  /** Devices whose child or outcome record is not done yet: the run ends only when none is left. */
  #open = 0;
  #waiting = 0;
  /** Bumped by every event the dispatcher may be waiting on. */
  #changes = 0;
  /** The current phase's devices read and not yet taken, and where the list goes on. */
  #queue: CampaignCandidate[] = [];
  #after: string | undefined;
  #exhausted = false;
  /** Devices of the current phase to come back to: outside their window, or not answering. */
  #later: { device: CampaignCandidate; notBefore: number }[] = [];

  /** Whether the campaign starts here (no state carried over). */
  readonly #fresh: boolean;

  /** `state` is what an earlier run carried over by continue-as-new; a new campaign has none. */
  constructor(readonly campaignId: string, state?: CampaignState) {
    this.state = state ?? { phase: 0, phases: [], failures: [], failedCount: 0, paused: false, aborted: false, retryAt: {} };
    this.#fresh = !state;
  }

  /** Once the campaign is loaded: its limits, and a new campaign's phases. */
  planned(plan: DispatchPlan): void {
    this.#plan = plan;
    if (this.#fresh) this.state.phases = plan.phaseSizes.map((size, phase) => ({ phase, size, upgraded: 0, skipped: 0, failed: 0 }));
  }

  get #limits(): DispatchPlan {
    if (!this.#plan) throw new Error('the campaign is not loaded yet');
    return this.#plan;
  }

  get status(): CampaignProgress['state'] {
    return this.state.aborted ? 'aborted' : this.haltedBecause ? 'halted' : this.state.paused ? 'paused' : 'running';
  }

  /** Aborted or halted: nothing new starts. */
  get finished(): boolean {
    return this.state.aborted || this.haltedBecause !== null;
  }

  /** How the campaign ends once nothing is under way. */
  get outcome(): 'completed' | 'halted' | 'aborted' {
    return this.state.aborted ? 'aborted' : this.haltedBecause !== null ? 'halted' : 'completed';
  }

  /** No child running and every outcome recorded. */
  get idle(): boolean {
    return this.#inFlight === 0 && this.#open === 0;
  }

  get changes(): number {
    return this.#changes;
  }

  progress(): CampaignProgress {
    const { phase, phases, failures } = this.state;
    return { campaignId: this.campaignId, state: this.status, phase, inFlight: this.#inFlight, waiting: this.#waiting, phases, failures, haltedBecause: this.haltedBecause };
  }

  // The operator's updates: the validators call the checks, the handlers the changes.

  checkPause(): void {
    if (this.finished || this.state.paused) throw new Error(`The campaign is ${this.status}: it cannot be paused.`);
  }

  pause(): void {
    this.state.paused = true;
    this.#changes++;
  }

  checkResume(): void {
    if (!this.state.paused || this.finished) throw new Error(`The campaign is ${this.status}: only a paused campaign resumes.`);
  }

  resume(): void {
    this.state.paused = false;
    this.#changes++;
  }

  checkAbort(): void {
    if (this.finished) throw new Error(`The campaign is ${this.status} already.`);
  }

  abort(reason?: string): void {
    this.state.aborted = true;
    this.haltedBecause = reason ? `aborted: ${reason}` : null;
    this.#changes++;
  }

  // The current phase's devices.

  /** The phase being dispatched, while one is left. */
  get phase(): PhaseProgress | undefined {
    return this.state.phases[this.state.phase];
  }

  /** Dispatches the current phase from its first device. */
  startPhase(): void {
    this.#queue = [];
    this.#after = undefined;
    this.#exhausted = false;
    this.#later = [];
  }

  /** Once the current phase is done: the next one. */
  nextPhase(): void {
    this.state.phase++;
  }

  /** Which devices of the phase to read next, when none read is left to take and the list goes on. */
  pageWanted(): { phase: number; after?: string; limit: number } | undefined {
    if (this.#queue.length > 0 || this.#exhausted) return undefined;
    return { phase: this.state.phase, ...(this.#after ? { after: this.#after } : {}), limit: pageSize };
  }

  /** The devices read as `pageWanted` asked. */
  read(page: CampaignCandidate[]): void {
    this.#exhausted = page.length < pageSize;
    this.#after = page.at(-1)?.deviceId ?? this.#after;
    this.#queue = page;
  }

  /** What to do next at `now`: take a due waiting device first, then the next one read. */
  next(now: number): NextStep {
    const blocked = this.state.paused || this.#inFlight >= this.#limits.concurrency;
    const dueIndex = this.#later.findIndex((entry) => entry.notBefore <= now);
    const device = blocked ? undefined : dueIndex >= 0 ? this.#later.splice(dueIndex, 1)[0]!.device : this.#queue.shift();
    this.#waiting = this.#later.length;
    if (!device) {
      if (!this.state.paused && this.#inFlight === 0 && this.#queue.length === 0 && this.#exhausted && this.#later.length === 0) return { kind: 'done' };
      // When free to start one, the next device to come due wakes the dispatcher.
      if (blocked || this.#later.length === 0) return { kind: 'wait' };
      return { kind: 'wait', wakeInMs: Math.max(shortestWaitMs, Math.min(...this.#later.map((entry) => entry.notBefore)) - now) };
    }
    const retryAt = this.state.retryAt[device.deviceId];
    if (retryAt !== undefined && retryAt > now) {
      this.#later.push({ device, notBefore: retryAt });
      return { kind: 'deferred' };
    }
    return { kind: 'device', device };
  }

  /** The device waits for its maintenance window to open. */
  waitForWindow(device: CampaignCandidate, opensAt: number): void {
    this.#later.push({ device, notBefore: opensAt });
  }

  /** The device is passed over (its window opens after the deadline). */
  skip(): void {
    this.phase!.skipped++;
  }

  /** The device's upgrade starts; it holds a slot until its child ends. */
  start(device: CampaignCandidate): DeviceUpgrade {
    delete this.state.retryAt[device.deviceId];
    this.#open++;
    this.#inFlight++;
    return { device, phase: this.phase!, holdsSlot: true };
  }

  /** The child upgraded the device, or found it on the version already. */
  upgraded(upgrade: DeviceUpgrade, result: { alreadyOn: boolean }): void {
    if (result.alreadyOn) upgrade.phase.skipped++;
    else upgrade.phase.upgraded++;
    this.#freeSlot(upgrade);
  }

  /**
   * The child failed. A device that did not answer is tried again later, until the deadline (it
   * keeps its slot until that is recorded); any other failure counts against the budget, and the
   * campaign halts at once when it is spent.
   */
  failed(upgrade: DeviceUpgrade, failure: { type?: string; error: string; rolledBack: boolean }, now: number): 'retry-later' | 'failed' {
    const { device, phase } = upgrade;
    const { deadline } = this.#limits;
    const pastDeadline = deadline !== null && now + offlineRetryMs > Date.parse(deadline);
    if (failure.type && offlineTypes.includes(failure.type) && !pastDeadline) {
      this.state.retryAt[device.deviceId] = now + offlineRetryMs;
      this.#later.push({ device, notBefore: now + offlineRetryMs });
      return 'retry-later';
    }
    phase.failed++;
    this.state.failedCount++;
    if (this.state.failures.length < maxListedFailures) {
      this.state.failures.push({ deviceId: device.deviceId, hostname: device.hostname, phase: phase.phase, error: failure.error, rolledBack: failure.rolledBack });
    }
    this.haltedBecause ??= this.#overBudget(phase);
    this.#freeSlot(upgrade);
    return 'failed';
  }

  /** The device's outcome is recorded (or could not be): its slot, if it still holds one, and its place are given back. */
  settled(upgrade: DeviceUpgrade): void {
    this.#freeSlot(upgrade);
    this.#open--;
    this.#changes++;
  }

  #freeSlot(upgrade: DeviceUpgrade): void {
    if (!upgrade.holdsSlot) return;
    upgrade.holdsSlot = false;
    this.#inFlight--;
    this.#changes++;
  }

  #overBudget(phase: PhaseProgress): string | null {
    const { failureBudgetPct, phaseFailureBudgetPct } = this.#limits;
    const { failedCount } = this.state;
    const finished = this.state.phases.reduce((sum, p) => sum + p.upgraded + p.skipped + p.failed, 0);
    const overall = (100 * failedCount) / Math.max(1, finished);
    if (overall > failureBudgetPct) return `${failedCount} of ${finished} devices failed (${overall.toFixed(1)} %), over the ${failureBudgetPct} % budget.`;
    const own = (100 * phase.failed) / Math.max(1, phase.upgraded + phase.skipped + phase.failed);
    if (phaseFailureBudgetPct !== null && own > phaseFailureBudgetPct) {
      return `phase ${phase.phase + 1}: ${phase.failed} failed (${own.toFixed(1)} %), over its ${phaseFailureBudgetPct} % budget.`;
    }
    return null;
  }
}
