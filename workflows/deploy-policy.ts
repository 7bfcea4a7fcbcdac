// A tenant's policy version rolled out to its sites (id `deployPolicy/<deploymentId>`). A dry run
// first: every site previewed in batches, its diff recorded, or "no change". A dry-run deployment
// ends there; otherwise the sites with a change go in waves, through the upgrade campaign's
// dispatcher (campaign-dispatch.ts): at most `concurrency` sites at once, each deployed in this
// run (deploy-policy-site.ts), nothing new started once the failures pass the budget, pause,
// resume and abort as validated updates. A failed site is rolled back on its devices; the
// deployment ends completed, completed with failures (retry them: a new deployment of the same
// version), halted or aborted. A deployment to thousands of sites continues as new between sites,
// its dispatch (progress, pause and abort, failures) carried over; each site's result is in the database.
import {
  ApplicationFailure, ChildWorkflowFailure, continueAsNew, executeChild, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import { fromStart, patched, takePatchBatch } from './patches.ts';
import type { PolicyDeploymentActivities } from '../activities/policy-deployments.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity, deviceWriteActivity } from './activity-options.ts';
import { CampaignDispatch, type DeviceUpgrade } from './campaign-dispatch.ts';
import { dispatchPhases, handleCampaignUpdates } from './campaign-phases.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { deployPolicySite, deploySite } from './deploy-policy-site.ts';
import {
  abortPolicyDeploymentUpdate, deployPolicySiteWorkflowId, pausePolicyDeploymentUpdate, policyDeploymentProgressQuery, resumePolicyDeploymentUpdate,
  type DeployPolicyInput, type PolicyDeploymentProgress, type PolicySiteFailureDetails,
} from './deploy-policy.messages.ts';

/** Sites previewed by one activity (it heartbeats; each site is recorded as it is previewed). */
const previewBatch = 50;
/** A site whose devices do not answer is tried again later, for this long at most. */
const unreachableRetryWindowMs = 30 * 60_000;
/** Continue as new past this many events, between sites, well before Temporal's limits. */
const historyBudget = 10_000;

export async function deployPolicy(input: DeployPolicyInput): Promise<PolicyDeploymentProgress> {
  takePatchBatch();
  const deployments = proxyActivities<PolicyDeploymentActivities>(databaseActivity);
  const previews = proxyActivities<PolicyDeploymentActivities>(deviceWriteActivity);
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const { workflowId, runId } = workflowInfo();
  const { carried } = input;
  const dispatch = new CampaignDispatch(input.deploymentId, carried?.state);
  const dryRun = carried ? { ...carried.dryRun } : { changed: 0, unchanged: 0, failed: 0 };
  let stage: PolicyDeploymentProgress['stage'] = carried ? 'waves' : 'dry-run';
  let dryRunOnly = false;

  const progress = (): PolicyDeploymentProgress => {
    const { state, phase, inFlight, phases, failures, haltedBecause } = dispatch.progress();
    const done = stage === 'done' && state === 'running';
    const failed = phases.some((p) => p.failed > 0) || dryRun.failed > 0;
    return {
      deploymentId: input.deploymentId,
      state: dryRunOnly ? 'dry_run' : done ? (failed ? 'completed_with_failures' : 'completed') : state,
      stage, dryRun: { ...dryRun }, wave: phase, inFlight, waves: phases, failures, haltedBecause,
    };
  };
  setHandler(policyDeploymentProgressQuery, progress);
  handleCampaignUpdates(dispatch, { pause: pausePolicyDeploymentUpdate, resume: resumePolicyDeploymentUpdate, abort: abortPolicyDeploymentUpdate },
    (status) => deployments.setPolicyDeploymentStatus({ deploymentId: input.deploymentId, status }), progress);

  const plan = await deployments.loadPolicyDeployment({ deploymentId: input.deploymentId });
  dryRunOnly = plan.dryRun;
  if (!carried) await sites.recordRun({ workflowId, runId, kind: 'policy_deployment', tenantId: plan.tenantId, ...(plan.ticket ? { ticket: plan.ticket } : {}) });

  // The dry run: every site, batch by batch; an abort stops it between batches. Done before a continue-as-new.
  for (let after: string | undefined; !carried && !dispatch.finished;) {
    const batch = await deployments.listSitesToPreview({ deploymentId: plan.deploymentId, ...(after ? { after } : {}), limit: previewBatch });
    if (batch.length === 0) break;
    const counts = await previews.previewPolicySites({ deploymentId: plan.deploymentId, siteIds: batch });
    dryRun.changed += counts.changed;
    dryRun.unchanged += counts.unchanged;
    dryRun.failed += counts.failed;
    after = batch.at(-1);
  }

  if (plan.dryRun || dispatch.finished) {
    stage = 'done';
    const status = dispatch.finished ? 'aborted' : 'dry_run';
    await deployments.setPolicyDeploymentStatus({ deploymentId: plan.deploymentId, status, ...(dispatch.finished ? { skipReason: 'The deployment was aborted.' } : {}) });
    await sites.closeRun({ workflowId, status: dispatch.finished ? 'cancelled' : 'completed' });
    return progress();
  }

  stage = 'waves';
  // A continued run has its waves in the state carried (phaseSizes is read only by a fresh dispatch).
  const phaseSizes = carried ? [] : await deployments.assignPolicyWaves({ deploymentId: plan.deploymentId });
  const deadline = carried?.deadline ?? new Date(Date.now() + unreachableRetryWindowMs).toISOString();
  dispatch.planned({ concurrency: plan.concurrency, failureBudgetPct: plan.failureBudgetPct, phaseFailureBudgetPct: null, phaseSizes, deadline });
  const budget = input.historyBudget ?? historyBudget;
  // Patched in: runs begun before it never continued as new, and replay so.
  const overHistoryBudget = () => (workflowInfo().historyLength > budget || workflowInfo().continueAsNewSuggested) && patched('policy-deployment-continues-as-new');

  // Each site in this run, its steps activities of this run: a child run per site cost Temporal a
  // workflow of its own (its start, two workflow tasks, its close and their records), most of what
  // a site cost it. Runs begun before start a child per site, and replay so.
  const sitesInline = fromStart('policy-sites-in-the-deployment-run');
  async function deployOne(site: DeviceUpgrade): Promise<void> {
    const input = { deploymentId: plan.deploymentId, siteId: site.device.deviceId };
    const sitePath = deployPolicySiteWorkflowId(plan.deploymentId, site.device.deviceId);
    try {
      if (sitesInline) await deploySite(input, `${sitePath}/${runId}`);
      else await executeChild(deployPolicySite, { workflowId: sitePath, taskQueue: taskQueues.orchestration, args: [input] });
      dispatch.upgraded(site, { alreadyOn: false });
    } catch (error) {
      const failure = error instanceof ChildWorkflowFailure ? error.cause : error;
      const cause = failure instanceof ApplicationFailure ? failure : undefined;
      const rolledBack = !!(cause?.details?.[0] as PolicySiteFailureDetails | undefined)?.rolledBack;
      dispatch.failed(site, { ...(cause?.type ? { type: cause.type } : {}), error: cause?.message ?? (error as Error).message, rolledBack }, Date.now());
    } finally {
      dispatch.settled(site);
    }
  }

  const dispatched = await dispatchPhases(dispatch, {
    read: (page) => deployments.listPolicyWaveSites({ deploymentId: plan.deploymentId, ...page }), start: deployOne, stopBetween: overHistoryBudget,
  });
  // Every site under way has ended: what is left of the wave is still `changed` in the database.
  if (dispatched === 'stopped' && !dispatch.finished) {
    return continueAsNew<typeof deployPolicy>({ deploymentId: input.deploymentId, carried: { state: dispatch.state, dryRun, deadline }, ...(input.historyBudget ? { historyBudget: input.historyBudget } : {}) });
  }

  stage = 'done';
  const outcome = progress();
  const status = outcome.state === 'running' || outcome.state === 'paused' ? 'completed' : outcome.state;
  await deployments.setPolicyDeploymentStatus({
    deploymentId: plan.deploymentId, status,
    ...(dispatch.finished ? { skipReason: dispatch.outcome === 'aborted' ? 'The deployment was aborted.' : `The deployment halted: ${dispatch.haltedBecause}` } : {}),
  });
  await sites.closeRun({
    workflowId, status: status === 'aborted' ? 'cancelled' : status === 'halted' ? 'failed' : 'completed',
    ...(dispatch.haltedBecause ? { error: dispatch.haltedBecause } : {}),
  });
  return outcome;
}
