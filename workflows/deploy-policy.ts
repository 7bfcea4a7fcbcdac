// A tenant's policy version rolled out to its sites (id `deployPolicy/<deploymentId>`). A dry run
// first: every site previewed in batches, its diff recorded, or "no change". A dry-run deployment
// ends there; otherwise the sites with a change go in waves, through the upgrade campaign's
// dispatcher (campaign-dispatch.ts): at most `concurrency` sites at once, a deployPolicySite child
// each, nothing new started once the failures pass the budget, pause, resume and abort as
// validated updates. A failed site is rolled back on its devices by its child; the deployment
// ends completed, completed with failures (retry them: a new deployment of the same version),
// halted or aborted.
import { ApplicationFailure, ChildWorkflowFailure, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PolicyDeploymentActivities } from '../activities/policy-deployments.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity, deviceWriteActivity } from './activity-options.ts';
import { CampaignDispatch, type DeviceUpgrade } from './campaign-dispatch.ts';
import { dispatchPhases, handleCampaignUpdates } from './campaign-phases.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { deployPolicySite } from './deploy-policy-site.ts';
import {
  abortPolicyDeploymentUpdate, deployPolicySiteWorkflowId, pausePolicyDeploymentUpdate, policyDeploymentProgressQuery, resumePolicyDeploymentUpdate,
  type DeployPolicyInput, type PolicyDeploymentProgress, type PolicySiteFailureDetails,
} from './deploy-policy.messages.ts';

/** Sites previewed by one activity (it heartbeats; each site is recorded as it is previewed). */
const previewBatch = 50;
/** A site whose devices do not answer is tried again later, for this long at most. */
const unreachableRetryWindowMs = 30 * 60_000;

export async function deployPolicy(input: DeployPolicyInput): Promise<PolicyDeploymentProgress> {
  const deployments = proxyActivities<PolicyDeploymentActivities>(databaseActivity);
  const previews = proxyActivities<PolicyDeploymentActivities>(deviceWriteActivity);
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const { workflowId, runId } = workflowInfo();
  const dispatch = new CampaignDispatch(input.deploymentId);
  const dryRun = { changed: 0, unchanged: 0, failed: 0 };
  let stage: PolicyDeploymentProgress['stage'] = 'dry-run';
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

  const plan = await deployments.loadPolicyDeployment(input);
  dryRunOnly = plan.dryRun;
  await sites.recordRun({ workflowId, runId, kind: 'policy_deployment', tenantId: plan.tenantId, ...(plan.ticket ? { ticket: plan.ticket } : {}) });

  // The dry run: every site, batch by batch; an abort stops it between batches.
  for (let after: string | undefined; !dispatch.finished;) {
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
  const phaseSizes = await deployments.assignPolicyWaves({ deploymentId: plan.deploymentId });
  dispatch.planned({
    concurrency: plan.concurrency, failureBudgetPct: plan.failureBudgetPct, phaseFailureBudgetPct: null, phaseSizes,
    deadline: new Date(Date.now() + unreachableRetryWindowMs).toISOString(),
  });

  async function deployOne(site: DeviceUpgrade): Promise<void> {
    try {
      await executeChild(deployPolicySite, {
        workflowId: deployPolicySiteWorkflowId(plan.deploymentId, site.device.deviceId),
        taskQueue: taskQueues.orchestration,
        args: [{ deploymentId: plan.deploymentId, siteId: site.device.deviceId }],
      });
      dispatch.upgraded(site, { alreadyOn: false });
    } catch (error) {
      const cause = error instanceof ChildWorkflowFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
      const rolledBack = !!(cause?.details?.[0] as PolicySiteFailureDetails | undefined)?.rolledBack;
      dispatch.failed(site, { ...(cause?.type ? { type: cause.type } : {}), error: cause?.message ?? (error as Error).message, rolledBack }, Date.now());
    } finally {
      dispatch.settled(site);
    }
  }

  await dispatchPhases(dispatch, { read: (page) => deployments.listPolicyWaveSites({ deploymentId: plan.deploymentId, ...page }), start: deployOne });

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
