// One function's package changed across every network service of a template version
// (`network-service-campaign/<campaignId>`), through the upgrade campaign's dispatcher
// (campaign-dispatch.ts): the instances frozen at launch, the canary phase first, at most
// `concurrency` at once, nothing new started once the failures pass the budget, pause, resume and
// abort as validated updates. Each instance's change is its own run's change of package (which
// rolls itself back when the new package does not come up healthy); one that is rolled back or
// fails counts against the budget. A service moves to the campaign's template version as soon as
// its change completes. A halted campaign raises an alarm naming the instances that failed.
import { ApplicationFailure, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { NetworkServiceCampaignActivities, ServiceCampaignPlan } from '../activities/network-service-campaigns.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { databaseActivity, temporalActivity, waitingActivity } from './activity-options.ts';
import { CampaignDispatch, type DeviceUpgrade } from './campaign-dispatch.ts';
import { dispatchPhases, handleCampaignUpdates } from './campaign-phases.ts';
import {
  abortCampaignUpdate, campaignProgressQuery, pauseCampaignUpdate, resumeCampaignUpdate, type CampaignProgress, type NetworkServiceCampaignInput,
} from './network-service-campaign.messages.ts';
import { describeFailure } from './steps.ts';
import { haltedAlarmMessage } from './upgrade-campaign.ts';
import { takePatchBatch } from './patches.ts';

/** Continue as new past this many events, between instances, well before Temporal's limits. */
const historyBudget = 10_000;

export async function networkServiceCampaign(input: NetworkServiceCampaignInput): Promise<CampaignProgress> {
  takePatchBatch();
  const db = proxyActivities<NetworkServiceCampaignActivities & Pick<SiteActivities, 'recordRun' | 'closeRun' | 'raiseAlarm'>>(databaseActivity);
  const runs = proxyActivities<NetworkServiceCampaignActivities>(temporalActivity);
  const waits = proxyActivities<NetworkServiceCampaignActivities>(waitingActivity);
  const { workflowId, runId } = workflowInfo();
  const { campaignId } = input;
  const dispatch = new CampaignDispatch(campaignId, input.state);

  setHandler(campaignProgressQuery, () => dispatch.progress());
  handleCampaignUpdates(dispatch, { pause: pauseCampaignUpdate, resume: resumeCampaignUpdate, abort: abortCampaignUpdate },
    (status) => db.setServiceCampaignStatus({ campaignId, status }), () => dispatch.progress());

  const plan: ServiceCampaignPlan = await db.loadServiceCampaign({ campaignId });
  // No maintenance window and no deadline: a change of package is undone by the instance itself when it fails.
  dispatch.planned({ concurrency: plan.concurrency, failureBudgetPct: plan.failureBudgetPct, phaseFailureBudgetPct: null, deadline: null, phaseSizes: plan.phaseSizes });
  if (!input.state) {
    await db.recordRun({ workflowId, runId, kind: 'network_service_campaign', tenantId: plan.tenantId });
    await db.setServiceCampaignStatus({ campaignId, status: 'running' });
  }

  async function changeOne(change: DeviceUpgrade): Promise<void> {
    const instanceId = change.device.deviceId;
    try {
      await db.recordServiceCampaignInstance({ campaignId, vnfInstanceId: instanceId, status: 'upgrading', started: true });
      await runs.requestPackageChange({ campaignId, instanceId, packageId: plan.packageId });
      const { outcome, error } = await waits.awaitPackageChange({ instanceId });
      if (outcome === 'completed') {
        dispatch.upgraded(change, { alreadyOn: false });
        await db.recordServiceCampaignInstance({ campaignId, vnfInstanceId: instanceId, status: 'upgraded' });
        return;
      }
      const rolledBack = outcome === 'rolled_back';
      const why = error ?? `the change of package ended ${outcome}`;
      dispatch.failed(change, { error: why, rolledBack }, Date.now());
      await db.recordServiceCampaignInstance({ campaignId, vnfInstanceId: instanceId, status: rolledBack ? 'rolled_back' : 'failed', error: why });
    } catch (error) {
      // Refused by the instance (busy, not running) or its run gone: that instance failed, unchanged.
      const why = error instanceof ApplicationFailure ? error.message : describeFailure(error).message;
      if (change.holdsSlot) dispatch.failed(change, { error: why, rolledBack: false }, Date.now());
      await db.recordServiceCampaignInstance({ campaignId, vnfInstanceId: instanceId, status: 'failed', error: why });
    } finally {
      dispatch.settled(change);
    }
  }

  const dispatched = await dispatchPhases(dispatch, {
    read: (page) => db.listServiceCampaignInstances({ campaignId, ...page }),
    start: changeOne,
    stopBetween: () => workflowInfo().historyLength > historyBudget || workflowInfo().continueAsNewSuggested,
  });
  if (dispatched === 'stopped') return continueAsNew<typeof networkServiceCampaign>({ campaignId, state: dispatch.state });

  const status = dispatch.outcome;
  if (status !== 'completed') {
    await db.skipRemainingServiceInstances({ campaignId, reason: status === 'aborted' ? 'The campaign was aborted.' : `The campaign halted: ${dispatch.haltedBecause}` });
  }
  await db.setServiceCampaignStatus({ campaignId, status });
  if (status === 'halted' && dispatch.haltedBecause !== null) {
    await db.raiseAlarm({
      tenantId: plan.tenantId, type: alarmTypes.campaignHalted, severity: 'major', dedupeKey: `network-service-campaign-halted:${campaignId}`,
      message: haltedAlarmMessage(plan.name, dispatch.haltedBecause, dispatch.state.failures, dispatch.state.failedCount),
    });
  }
  await db.closeRun({ workflowId, status: status === 'completed' ? 'completed' : status === 'aborted' ? 'cancelled' : 'failed', ...(dispatch.haltedBecause ? { error: dispatch.haltedBecause } : {}) });
  return { ...dispatch.progress(), state: status };
}
