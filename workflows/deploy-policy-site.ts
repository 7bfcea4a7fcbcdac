// One site of a policy deployment: its devices under their leases, each by confirmed commit with
// post-checks (its WAN links up, its tunnels up before the change still with their SAs, and the
// device still answering: a change that cuts the management path is reverted by the device itself
// when no confirm comes, and the site is rolled_back for ManagementPathLost), confirmed or rolled
// back, and recorded as a configuration version. The configuration is the dry run's very text,
// compiled again from the deployment's version. A deployment of today's code deploys its sites in
// its own run (`deploySite`); runs begun before ran each as a child (id
// `deployPolicy/<deploymentId>/<siteId>`), and replay so.
import { ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { PushConfigurationInput } from '../activities/devices/activities.ts';
import type { PolicyDeploymentActivities, SiteDeviceChange } from '../activities/policy-deployments.ts';
import { databaseActivity, databaseLocalActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges, configurationChangesInTurn } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import { describeFailure } from './steps.ts';
import type { DeployPolicySiteInput, DeployPolicySiteResult, PolicySiteFailureDetails } from './deploy-policy.messages.ts';

/** Failures after which the device runs what it ran before: refused, checked and rolled back, or reverted by the device. */
const undoneOnDevice: string[] = [failureTypes.deviceRejected, failureTypes.verificationFailed, failureTypes.managementPathLost];

/** A child run of its own per site, as deployments begun before the sites were deployed in the deployment's run. */
export async function deployPolicySite(input: DeployPolicySiteInput): Promise<DeployPolicySiteResult> {
  takePatchBatch();
  const { workflowId, runId } = workflowInfo();
  return deploySite(input, `${workflowId}/${runId}`, { inDeploymentRun: false });
}

/**
 * Deploys the site in the run that calls it; a failure is an ApplicationFailure naming the site,
 * its details saying whether the site was rolled back. `persistPrefix` is unique to the site and
 * the run: each device's confirmed commit persists under it, so a retried change finds its own.
 */
export async function deploySite(input: DeployPolicySiteInput, persistPrefix: string, { inDeploymentRun }: { inDeploymentRun: boolean }): Promise<DeployPolicySiteResult> {
  // In a site's own child run, its reads, records and leases are local activities: they run within
  // the run's own tasks, not through the task queue and back. In the deployment's run, where many
  // sites go at once, they are activities: local ones out together there are recorded in the order
  // they end, and under load a replay does not take them up in that order (nondeterminism). Child
  // runs started before the local ones replay the activities they scheduled.
  const local = !inDeploymentRun && patched('policy-site-records-local');
  const deployments = local
    ? proxyLocalActivities<PolicyDeploymentActivities>(databaseLocalActivity)
    : proxyActivities<PolicyDeploymentActivities>(databaseActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId } = workflowInfo();
  const begin = async () => {
    if (inDeploymentRun) return deployments.beginPolicySite(input);
    const changes = await deployments.loadSitePolicyChanges(input);
    await deployments.recordPolicySite({ ...input, status: 'deploying' });
    return changes;
  };
  const { siteName, devices } = await begin();
  const changeOf = (device: SiteDeviceChange): PushConfigurationInput => ({
    target: device.target, config: device.config, mode: 'merge', persist: `${persistPrefix}/${device.role}`, checks: device.checks, source: 'policy', workflowId,
  });
  try {
    const results = await withDeviceLeases(devices.map((d) => d.target.serial), `Policy deployment to ${siteName}`, '30 minutes', async () => {
      // One device after the other: a failure stops the site before its other device changes.
      // Their records in one activity once all are changed; runs begun before replay a record each.
      if (patched('policy-site-devices-recorded-together')) {
        const changes = await configurationChangesInTurn(devices.map(changeOf));
        return changes.map((pushed, index) => ({ hostname: devices[index]!.hostname, serial: devices[index]!.target.serial, ...pushed }));
      }
      const done: DeployPolicySiteResult['devices'] = [];
      for (const device of devices) {
        const pushed = await pushConfiguration(changeOf(device));
        done.push({ hostname: device.hostname, serial: device.target.serial, ...pushed });
      }
      return done;
    }, { localActivities: !inDeploymentRun });
    await deployments.recordPolicySite({ ...input, status: 'deployed', error: null });
    return { siteId: input.siteId, devices: results };
  } catch (error) {
    const { message, type } = describeFailure(error);
    const rolledBack = type !== undefined && undoneOnDevice.includes(type);
    await deployments.recordPolicySite({ ...input, status: rolledBack ? 'rolled_back' : 'failed', error: message });
    const details: PolicySiteFailureDetails = { rolledBack };
    throw ApplicationFailure.nonRetryable(`${siteName}: ${message}`, type ?? 'PolicySiteFailed', details);
  }
}
