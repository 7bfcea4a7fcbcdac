// A bulk upgrade an operator can trust at 2 a.m. The devices were frozen at launch, each with its
// phase (canary: 1 %, 10 %, 50 %, 100 % by default). Phase by phase, an upgradeDevice child per
// device, at most `concurrency` at once, each only inside its site's maintenance window (in the
// site's time zone). The moment the failure rate passes the budget (overall, or the phase's own),
// nothing new starts: the run halts with the failed devices and why (each one rolled back by its
// child), and raises an alarm saying so. A device that does not answer is tried again later,
// until the campaign's deadline.
// Pause, resume and abort are validated updates; a long campaign continues as new between
// devices, so 10,000 devices stay well within Temporal's history limits.
import {
  ApplicationFailure, ChildWorkflowFailure, condition, continueAsNew, executeChild, patched, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { CampaignActivities, CampaignCandidate, CampaignPlan } from '../activities/campaigns.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity } from './activity-options.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { windowAt } from './maintenance-window.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { upgradeDevice } from './upgrade-device.ts';
import { upgradeDeviceWorkflowId } from './upgrade-device.messages.ts';
import { type CampaignFailure, type PhaseProgress, type CampaignProgress, type CampaignState, type UpgradeCampaignInput, campaignProgressQuery, pauseCampaignUpdate, resumeCampaignUpdate, abortCampaignUpdate } from './upgrade-campaign.messages.ts';

/** A device that did not answer is tried again this much later (until the deadline). */
const offlineRetryMs = 5 * 60_000;
/** Failure types that mean "not reachable now", not "the upgrade is bad". */
const offlineTypes: string[] = [failureTypes.deviceUnreachable, failureTypes.deviceTimeout];
const pageSize = 200;
const maxListedFailures = 500;
/** Continue as new past this many events, between devices, well before Temporal's limits. */
const historyBudget = 10_000;
/** Failed devices a halted campaign's alarm names; the campaign's page lists them all. */
const devicesNamedInAlarm = 10;

/** What a halted campaign's alarm says: which campaign, why it halted, and the devices that failed. */
export function haltedAlarmMessage(name: string, haltedBecause: string, failures: CampaignFailure[], failedCount: number): string {
  const named = failures.slice(0, devicesNamedInAlarm).map((f) => `${f.hostname}${f.rolledBack ? ' (rolled back)' : ''}`);
  const more = failedCount > named.length ? ` and ${failedCount - named.length} more` : '';
  return `Campaign “${name}” halted: ${haltedBecause} Failed: ${named.join(', ')}${more}.`;
}

export async function upgradeCampaign(input: UpgradeCampaignInput): Promise<CampaignProgress> {
  const campaigns = proxyActivities<CampaignActivities>(databaseActivity);
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const { workflowId, runId } = workflowInfo();
  const state: CampaignState = input.state ?? {
    phase: 0,
    phases: [],
    failures: [],
    failedCount: 0,
    paused: false,
    aborted: false,
    retryAt: {},
  };
  let haltedBecause: string | null = null;
  let inFlight = 0;
  let waiting = 0;
  /** Bumped by every event the dispatcher may be waiting on. */
  let changes = 0;
  /** Devices of the current phase to come back to: outside their window, or not answering. */
  let later: { device: CampaignCandidate; notBefore: number }[] = [];

  const progress = (): CampaignProgress => ({
    campaignId: input.campaignId,
    state: state.aborted ? 'aborted' : haltedBecause ? 'halted' : state.paused ? 'paused' : 'running',
    phase: state.phase, inFlight, waiting, phases: state.phases, failures: state.failures, haltedBecause,
  });
  setHandler(campaignProgressQuery, progress);
  const finished = () => state.aborted || haltedBecause !== null;
  setHandler(pauseCampaignUpdate, async () => {
    state.paused = true;
    changes++;
    await campaigns.setCampaignStatus({ campaignId: input.campaignId, status: 'paused' });
    return progress();
  }, { validator: () => { if (finished() || state.paused) throw new Error(`The campaign is ${progress().state}: it cannot be paused.`); } });
  setHandler(resumeCampaignUpdate, async () => {
    state.paused = false;
    changes++;
    await campaigns.setCampaignStatus({ campaignId: input.campaignId, status: 'running' });
    return progress();
  }, { validator: () => { if (!state.paused || finished()) throw new Error(`The campaign is ${progress().state}: only a paused campaign resumes.`); } });
  setHandler(abortCampaignUpdate, (request: { reason?: string }) => {
    state.aborted = true;
    haltedBecause = request.reason ? `aborted: ${request.reason}` : null;
    changes++;
    return progress();
  }, { validator: (_request: { reason?: string }) => { if (finished()) throw new Error(`The campaign is ${progress().state} already.`); } });

  // Handlers first, so the run answers its progress query from its first moment.
  const plan: CampaignPlan = await campaigns.loadCampaign({ campaignId: input.campaignId });
  if (!input.state) state.phases = plan.phaseSizes.map((size, phase) => ({ phase, size, upgraded: 0, skipped: 0, failed: 0 }));
  if (!input.state) {
    await sites.recordRun({ workflowId, runId, kind: 'upgrade_campaign', tenantId: plan.tenantId });
    await campaigns.setCampaignStatus({ campaignId: plan.campaignId, status: 'running' });
  }

  const finishedDevices = () => state.phases.reduce((sum, p) => sum + p.upgraded + p.skipped + p.failed, 0);
  const overBudget = (phase: PhaseProgress): string | null => {
    const overall = (100 * state.failedCount) / Math.max(1, finishedDevices());
    if (overall > plan.failureBudgetPct) return `${state.failedCount} of ${finishedDevices()} devices failed (${overall.toFixed(1)} %), over the ${plan.failureBudgetPct} % budget.`;
    const own = (100 * phase.failed) / Math.max(1, phase.upgraded + phase.skipped + phase.failed);
    if (plan.phaseFailureBudgetPct !== null && own > plan.phaseFailureBudgetPct) {
      return `phase ${phase.phase + 1}: ${phase.failed} failed (${own.toFixed(1)} %), over its ${plan.phaseFailureBudgetPct} % budget.`;
    }
    return null;
  };

  /** Devices whose child or outcome record is not done yet: the run ends only when none is left. */
  let open = 0;

  async function upgradeOne(device: CampaignCandidate, phase: PhaseProgress): Promise<void> {
    open++;
    try {
      await upgradeAndRecord(device, phase);
    } finally {
      open--;
      changes++;
    }
  }

  async function upgradeAndRecord(device: CampaignCandidate, phase: PhaseProgress): Promise<void> {
    inFlight++;
    let slotFree = false;
    /** The slot goes to the next device as soon as this one's child ends; recording its outcome need not hold it. */
    const freeSlot = () => {
      if (slotFree) return;
      slotFree = true;
      inFlight--;
      changes++;
    };
    try {
      // Recorded while the child starts: the database shows the device under way.
      const marked = campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: 'upgrading', started: true });
      const result = await executeChild(upgradeDevice, {
        workflowId: upgradeDeviceWorkflowId(device.deviceId, plan.campaignId),
        taskQueue: taskQueues.orchestration,
        args: [{ deviceId: device.deviceId, image: plan.image, campaignId: plan.campaignId }],
      }).finally(() => marked);
      if (result.alreadyOn) phase.skipped++;
      else phase.upgraded++;
      freeSlot();
      await campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: result.alreadyOn ? 'skipped' : 'upgraded' });
    } catch (error) {
      const cause = error instanceof ChildWorkflowFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
      const message = cause?.message ?? (error as Error).message;
      const pastDeadline = plan.deadline !== null && Date.now() + offlineRetryMs > Date.parse(plan.deadline);
      if (cause?.type && offlineTypes.includes(cause.type) && !pastDeadline) {
        state.retryAt[device.deviceId] = Date.now() + offlineRetryMs;
        later.push({ device, notBefore: state.retryAt[device.deviceId]! });
        await campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: 'pending', error: `Not answering; tried again later. ${message}` });
        return;
      }
      const rolledBack = !!(cause?.details?.[0] as { rolledBack?: boolean } | undefined)?.rolledBack;
      phase.failed++;
      state.failedCount++;
      if (state.failures.length < maxListedFailures) state.failures.push({ deviceId: device.deviceId, hostname: device.hostname, phase: phase.phase, error: message, rolledBack });
      // Decided before anything is awaited: no other device may start once the budget is spent.
      haltedBecause ??= overBudget(phase);
      freeSlot();
      await campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: rolledBack ? 'rolled_back' : 'failed', error: message });
    } finally {
      freeSlot();
    }
  }

  /** Runs one phase until every device in it is done, or the campaign halts, aborts or must continue as new. */
  async function runPhase(phase: PhaseProgress): Promise<'done' | 'stopped' | 'continue-as-new'> {
    let after: string | undefined;
    let exhausted = false;
    let queue: CampaignCandidate[] = [];
    later = [];
    for (;;) {
      if (finished()) return 'stopped';
      if (workflowInfo().historyLength > historyBudget || workflowInfo().continueAsNewSuggested) return 'continue-as-new';
      if (queue.length === 0 && !exhausted) {
        const page = await campaigns.listCampaignDevices({ campaignId: plan.campaignId, phase: phase.phase, ...(after ? { after } : {}), limit: pageSize });
        exhausted = page.length < pageSize;
        after = page.at(-1)?.deviceId ?? after;
        queue = page;
      }
      const now = Date.now();
      const blocked = state.paused || inFlight >= plan.concurrency;
      const dueIndex = later.findIndex((entry) => entry.notBefore <= now);
      const device = blocked ? undefined : dueIndex >= 0 ? later.splice(dueIndex, 1)[0]!.device : queue.shift();
      waiting = later.length;
      if (!device) {
        if (!state.paused && inFlight === 0 && queue.length === 0 && exhausted && later.length === 0) return 'done';
        // Wait for a slot, an update, or (when free to start one) the next device to come due.
        const seen = changes;
        const next = !blocked && later.length > 0 ? Math.max(1_000, Math.min(...later.map((entry) => entry.notBefore)) - now) : undefined;
        await condition(() => changes !== seen, next ?? '1 day');
        continue;
      }
      const retryAt = state.retryAt[device.deviceId];
      if (retryAt !== undefined && retryAt > now) {
        later.push({ device, notBefore: retryAt });
        continue;
      }
      if (plan.maintenanceWindow) {
        const window = windowAt(plan.maintenanceWindow, device.timezone, now);
        // Patched in: a device whose window opens only after the deadline is not waited for.
        if (!window.open && plan.deadline !== null && window.opensAt > Date.parse(plan.deadline) && patched('window-after-deadline')) {
          phase.skipped++;
          await campaigns.recordCampaignDevice({
            campaignId: plan.campaignId, deviceId: device.deviceId, status: 'skipped', error: `Its maintenance window opens after the campaign's deadline (${plan.deadline}).`,
          });
          continue;
        }
        if (!window.open) {
          later.push({ device, notBefore: window.opensAt });
          await campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: 'waiting_window' });
          continue;
        }
      }
      delete state.retryAt[device.deviceId];
      void upgradeOne(device, phase);
    }
  }

  /** Lets the children in flight finish: they roll their own device back on failure. */
  const drain = () => condition(() => inFlight === 0 && open === 0);

  while (state.phase < state.phases.length) {
    const outcome = await runPhase(state.phases[state.phase]!);
    await drain();
    if (outcome === 'continue-as-new') return continueAsNew<typeof upgradeCampaign>({ campaignId: plan.campaignId, state });
    if (outcome === 'stopped' || finished()) break;
    state.phase++;
  }

  const result = progress();
  const status = state.aborted ? 'aborted' : haltedBecause !== null ? 'halted' : 'completed';
  if (status !== 'completed') await campaigns.skipRemainingDevices({ campaignId: plan.campaignId, reason: state.aborted ? 'The campaign was aborted.' : `The campaign halted: ${haltedBecause}` });
  await campaigns.setCampaignStatus({ campaignId: plan.campaignId, status });
  // Patched in: runs that halted before it closed without an alarm, and replay so.
  if (status === 'halted' && haltedBecause !== null && patched('halted-campaign-alarm')) {
    await sites.raiseAlarm({
      tenantId: plan.tenantId, type: alarmTypes.campaignHalted, severity: 'major', dedupeKey: `campaign-halted:${plan.campaignId}`,
      message: haltedAlarmMessage(plan.name, haltedBecause, state.failures, state.failedCount),
    });
  }
  await sites.closeRun({ workflowId, status: status === 'completed' ? 'completed' : status === 'aborted' ? 'cancelled' : 'failed', ...(haltedBecause ? { error: haltedBecause } : {}) });
  return { ...result, state: status };
}
