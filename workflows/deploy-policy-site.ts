// One site of a policy deployment (id `deployPolicy/<deploymentId>/<siteId>`): its devices under
// their leases, each by confirmed commit with post-checks (its WAN links up, its tunnels up before
// the change still with their SAs, and the device still answering: a change that cuts the
// management path is reverted by the device itself when no confirm comes, and the site is
// rolled_back for ManagementPathLost), confirmed or rolled back, and recorded as a configuration
// version. The configuration is the dry run's very text, compiled again from the deployment's version.
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

export async function deployPolicySite(input: DeployPolicySiteInput): Promise<DeployPolicySiteResult> {
  takePatchBatch();
  // The site's reads and records are short and idempotent: as local activities they run within
  // the workflow's own tasks, not through the task queue and back (two workflow tasks fewer per
  // step, at a thousand sites a good part of the deployment's cost). Runs started before replay
  // the activities they scheduled.
  const deployments = patched('policy-site-records-local')
    ? proxyLocalActivities<PolicyDeploymentActivities>(databaseLocalActivity)
    : proxyActivities<PolicyDeploymentActivities>(databaseActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const { siteName, devices } = await deployments.loadSitePolicyChanges(input);
  const changeOf = (device: SiteDeviceChange): PushConfigurationInput => ({
    target: device.target, config: device.config, mode: 'merge', persist: `${workflowId}/${runId}/${device.role}`, checks: device.checks, source: 'policy', workflowId,
  });
  await deployments.recordPolicySite({ ...input, status: 'deploying' });
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
    });
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
