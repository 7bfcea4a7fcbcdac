// One site of a policy deployment: its devices under their leases, each by confirmed commit with
// post-checks (its WAN links up, its tunnels up before the change still with their SAs, and the
// device still answering: a change that cuts the management path is reverted by the device itself
// when no confirm comes, and the site is rolled_back for ManagementPathLost), confirmed or rolled
// back, and recorded as a configuration version. The configuration is the dry run's very text,
// compiled again from the deployment's version. A deployment of today's code deploys its sites in
// its own run (`deploySite`); runs begun before ran each as a child (`deployPolicySite`), and
// replay so.
import { ApplicationFailure, CancellationScope, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { PushConfigurationInput } from '../activities/devices/activities.ts';
import type { PolicyDeploymentActivities, SiteDeviceChange } from '../activities/policy-deployments.ts';
import { databaseActivity, databaseLocalActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges, configurationChangesInTurn } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import { describeFailure } from './steps.ts';
import { policySiteLeasePurpose, type DeployPolicySiteInput, type DeployPolicySiteResult, type PolicySiteFailureDetails } from './deploy-policy.messages.ts';

/** Failures after which the device runs what it ran before: refused, checked and rolled back, or reverted by the device. */
const undoneOnDevice: string[] = [failureTypes.deviceRejected, failureTypes.verificationFailed, failureTypes.managementPathLost];

type SiteOutcome = { status: 'deployed'; error: null } | { status: 'rolled_back' | 'failed'; error: string };

/**
 * The site's devices changed one after the other, a failure stopping the site before its other
 * devices change. Each device's confirmed commit persists under `persistPrefix` (unique to the
 * site and the run), so a retried change finds its own.
 */
function changeDevices(devices: SiteDeviceChange[], persistPrefix: string): () => Promise<DeployPolicySiteResult['devices']> {
  const { workflowId } = workflowInfo();
  const changeOf = (device: SiteDeviceChange): PushConfigurationInput => ({
    target: device.target, config: device.config, mode: 'merge', persist: `${persistPrefix}/${device.role}`, checks: device.checks, source: 'policy', workflowId,
  });
  return async () => {
    // Their records in one activity once all are changed; runs begun before replay a record each.
    if (patched('policy-site-devices-recorded-together')) {
      const changes = await configurationChangesInTurn(devices.map(changeOf));
      return changes.map((pushed, index) => ({ hostname: devices[index]!.hostname, serial: devices[index]!.target.serial, ...pushed }));
    }
    const pushConfiguration = configurationChanges();
    const done: DeployPolicySiteResult['devices'] = [];
    for (const device of devices) {
      const pushed = await pushConfiguration(changeOf(device));
      done.push({ hostname: device.hostname, serial: device.target.serial, ...pushed });
    }
    return done;
  };
}

/** A failed site's outcome to record, and the failure that names it (its details: whether it was rolled back). */
function siteFailure(error: unknown, siteName: string): { outcome: SiteOutcome; failure: ApplicationFailure } {
  const { message, type } = describeFailure(error);
  const rolledBack = type !== undefined && undoneOnDevice.includes(type);
  const details: PolicySiteFailureDetails = { rolledBack };
  return {
    outcome: { status: rolledBack ? 'rolled_back' : 'failed', error: message },
    failure: ApplicationFailure.nonRetryable(`${siteName}: ${message}`, type ?? 'PolicySiteFailed', details),
  };
}

/**
 * Deploys the site in the deployment's own run, where many sites go at once: its steps are
 * activities (local ones out together are recorded in the order they end, and under load a replay
 * does not take them up in that order), three of them: the first loads the site's changes, marks
 * it deploying and asks for its devices' leases; then its devices' changes; the last records its
 * outcome and gives the leases back, on every path out. A failure is an ApplicationFailure naming
 * the site, its details saying whether the site was rolled back.
 */
export async function deploySite(input: DeployPolicySiteInput, persistPrefix: string): Promise<DeployPolicySiteResult> {
  const deployments = proxyActivities<PolicyDeploymentActivities>(databaseActivity);
  const holderWorkflowId = workflowInfo().workflowId;
  const { siteName, devices, granted } = await deployments.beginPolicySite({ ...input, holderWorkflowId });
  const serials = devices.map((d) => d.target.serial);
  const end = (outcome: SiteOutcome) => CancellationScope.nonCancellable(() => deployments.endPolicySite({ ...input, ...outcome, release: { serials, holderWorkflowId } }));
  try {
    const results = await withDeviceLeases(serials, policySiteLeasePurpose(siteName), '30 minutes', changeDevices(devices, persistPrefix), {
      localActivities: false, askedByCaller: { granted },
    });
    await end({ status: 'deployed', error: null });
    return { siteId: input.siteId, devices: results };
  } catch (error) {
    const { outcome, failure } = siteFailure(error, siteName);
    await end(outcome);
    throw failure;
  }
}

/** A child run of its own per site (id `deployPolicy/<deploymentId>/<siteId>`), as deployments begun before the sites were deployed in the deployment's run. */
export async function deployPolicySite(input: DeployPolicySiteInput): Promise<DeployPolicySiteResult> {
  takePatchBatch();
  // The site's reads and records are short and idempotent: as local activities they run within
  // the workflow's own tasks, not through the task queue and back. Runs started before replay the
  // activities they scheduled.
  const deployments = patched('policy-site-records-local')
    ? proxyLocalActivities<PolicyDeploymentActivities>(databaseLocalActivity)
    : proxyActivities<PolicyDeploymentActivities>(databaseActivity);
  const { workflowId, runId } = workflowInfo();
  const { siteName, devices } = await deployments.loadSitePolicyChanges(input);
  await deployments.recordPolicySite({ ...input, status: 'deploying' });
  try {
    const results = await withDeviceLeases(devices.map((d) => d.target.serial), policySiteLeasePurpose(siteName), '30 minutes', changeDevices(devices, `${workflowId}/${runId}`));
    await deployments.recordPolicySite({ ...input, status: 'deployed', error: null });
    return { siteId: input.siteId, devices: results };
  } catch (error) {
    const { outcome, failure } = siteFailure(error, siteName);
    await deployments.recordPolicySite({ ...input, ...outcome });
    throw failure;
  }
}
