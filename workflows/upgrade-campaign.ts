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
  ApplicationFailure, ChildWorkflowFailure, condition, continueAsNew, executeChild, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { CampaignActivities, CampaignPlan } from '../activities/campaigns.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity } from './activity-options.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { CampaignDispatch, type DeviceUpgrade } from './campaign-dispatch.ts';
import { handleCampaignUpdates } from './campaign-phases.ts';
import { windowAt } from './maintenance-window.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { upgradeDevice } from './upgrade-device.ts';
import { upgradeDeviceWorkflowId } from './upgrade-device.messages.ts';
import { type CampaignFailure, type CampaignProgress, type UpgradeCampaignInput, campaignProgressQuery, pauseCampaignUpdate, resumeCampaignUpdate, abortCampaignUpdate } from './upgrade-campaign.messages.ts';

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
  takePatchBatch();
  const campaigns = proxyActivities<CampaignActivities>(databaseActivity);
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const { workflowId, runId } = workflowInfo();
  const dispatch = new CampaignDispatch(input.campaignId, input.state);
  const { state } = dispatch;

  setHandler(campaignProgressQuery, () => dispatch.progress());
  handleCampaignUpdates(dispatch, { pause: pauseCampaignUpdate, resume: resumeCampaignUpdate, abort: abortCampaignUpdate },
    (status) => campaigns.setCampaignStatus({ campaignId: input.campaignId, status }), () => dispatch.progress());

  // Handlers first, so the run answers its progress query from its first moment.
  const plan: CampaignPlan = await campaigns.loadCampaign({ campaignId: input.campaignId });
  dispatch.planned(plan);
  if (!input.state) {
    await sites.recordRun({ workflowId, runId, kind: 'upgrade_campaign', tenantId: plan.tenantId });
    await campaigns.setCampaignStatus({ campaignId: plan.campaignId, status: 'running' });
  }

  /** Every device's upgrade, held until the phase drains; one whose outcome could not be recorded stops the campaign. */
  const upgrades: Promise<void>[] = [];
  let unrecorded: { error: unknown } | undefined;

  async function upgradeOne(upgrade: DeviceUpgrade): Promise<void> {
    const { device } = upgrade;
    try {
      // Recorded while the child starts: the database shows the device under way.
      const marked = campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: 'upgrading', started: true });
      const result = await executeChild(upgradeDevice, {
        workflowId: upgradeDeviceWorkflowId(device.deviceId, plan.campaignId),
        taskQueue: taskQueues.orchestration,
        args: [{ deviceId: device.deviceId, image: plan.image, campaignId: plan.campaignId }],
      }).finally(() => marked);
      // The slot goes to the next device as soon as the child ends; recording its outcome need not hold it.
      dispatch.upgraded(upgrade, result);
      await campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: result.alreadyOn ? 'skipped' : 'upgraded' });
    } catch (error) {
      const cause = error instanceof ChildWorkflowFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
      const message = cause?.message ?? (error as Error).message;
      const rolledBack = !!(cause?.details?.[0] as { rolledBack?: boolean } | undefined)?.rolledBack;
      // Decided before anything is awaited: no other device may start once the budget is spent.
      const verdict = dispatch.failed(upgrade, { ...(cause?.type ? { type: cause.type } : {}), error: message, rolledBack }, Date.now());
      await campaigns.recordCampaignDevice(verdict === 'retry-later'
        ? { campaignId: plan.campaignId, deviceId: device.deviceId, status: 'pending', error: `Not answering; tried again later. ${message}` }
        : { campaignId: plan.campaignId, deviceId: device.deviceId, status: rolledBack ? 'rolled_back' : 'failed', error: message });
    } finally {
      dispatch.settled(upgrade);
    }
  }

  /** Runs the current phase until every device in it is done, or the campaign halts, aborts or must continue as new. */
  async function runPhase(): Promise<'done' | 'stopped' | 'continue-as-new'> {
    dispatch.startPhase();
    for (;;) {
      if (dispatch.finished || unrecorded) return 'stopped';
      if (workflowInfo().historyLength > historyBudget || workflowInfo().continueAsNewSuggested) return 'continue-as-new';
      const page = dispatch.pageWanted();
      if (page) {
        dispatch.read(await campaigns.listCampaignDevices({ campaignId: plan.campaignId, ...page }));
        // Aborted or halted while the page was read (campaign-phases.ts says why).
        if (dispatch.finished && patched('dispatch-ends-when-finished-during-a-read')) return 'stopped';
      }
      const now = Date.now();
      const next = dispatch.next(now);
      if (next.kind === 'done') return 'done';
      if (next.kind === 'deferred') continue;
      if (next.kind === 'wait') {
        const seen = dispatch.changes;
        await condition(() => dispatch.changes !== seen, next.wakeInMs ?? '1 day');
        continue;
      }
      const { device } = next;
      if (plan.maintenanceWindow) {
        const window = windowAt(plan.maintenanceWindow, device.timezone, now);
        // Patched in: a device whose window opens only after the deadline is not waited for.
        if (!window.open && plan.deadline !== null && window.opensAt > Date.parse(plan.deadline) && patched('window-after-deadline')) {
          dispatch.skip();
          await campaigns.recordCampaignDevice({
            campaignId: plan.campaignId, deviceId: device.deviceId, status: 'skipped', error: `Its maintenance window opens after the campaign's deadline (${plan.deadline}).`,
          });
          continue;
        }
        if (!window.open) {
          dispatch.waitForWindow(device, window.opensAt);
          await campaigns.recordCampaignDevice({ campaignId: plan.campaignId, deviceId: device.deviceId, status: 'waiting_window' });
          continue;
        }
      }
      upgrades.push(upgradeOne(dispatch.start(device)).catch((error: unknown) => {
        unrecorded ??= { error };
      }));
    }
  }

  /** Lets the children in flight finish (they roll their own device back on failure), then fails as a device's bookkeeping did. */
  async function drain(): Promise<void> {
    await condition(() => dispatch.idle);
    await Promise.all(upgrades.splice(0));
    if (unrecorded) throw unrecorded.error;
  }

  while (dispatch.phase) {
    const outcome = await runPhase();
    await drain();
    if (outcome === 'continue-as-new') return continueAsNew<typeof upgradeCampaign>({ campaignId: plan.campaignId, state });
    if (outcome === 'stopped' || dispatch.finished) break;
    dispatch.nextPhase();
  }

  const result = dispatch.progress();
  const status = dispatch.outcome;
  if (status !== 'completed') await campaigns.skipRemainingDevices({ campaignId: plan.campaignId, reason: status === 'aborted' ? 'The campaign was aborted.' : `The campaign halted: ${dispatch.haltedBecause}` });
  await campaigns.setCampaignStatus({ campaignId: plan.campaignId, status });
  // Patched in: runs that halted before it closed without an alarm, and replay so.
  if (status === 'halted' && dispatch.haltedBecause !== null && patched('halted-campaign-alarm')) {
    await sites.raiseAlarm({
      tenantId: plan.tenantId, type: alarmTypes.campaignHalted, severity: 'major', dedupeKey: `campaign-halted:${plan.campaignId}`,
      message: haltedAlarmMessage(plan.name, dispatch.haltedBecause, state.failures, state.failedCount),
    });
  }
  await sites.closeRun({ workflowId, status: status === 'completed' ? 'completed' : status === 'aborted' ? 'cancelled' : 'failed', ...(dispatch.haltedBecause ? { error: dispatch.haltedBecause } : {}) });
  return { ...result, state: status };
}
