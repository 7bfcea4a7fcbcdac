// What a configuration rollback, re-apply and adoption share: the run's summary, its progress
// query, the device's lease around the work, and after the work a drift reading of the device, so
// its drift state and alarm say at once what it runs now.
import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ConfigurationTarget, DeviceConfigurationActivities } from '../activities/device-configuration.ts';
import type { DriftActivities } from '../activities/devices/drift.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { failureTypes } from '../domain/failure-types.ts';
import type { Step } from '../domain/progress.ts';
import { databaseActivity, deviceReadActivity } from './activity-options.ts';
import { deviceConfigurationProgressQuery, type DeviceConfigurationProgress, type DeviceConfigurationResult } from './device-configuration.messages.ts';
import { withDeviceLeases } from './lease.ts';
import { describeFailure, StepLog } from './steps.ts';

export interface DeviceConfigurationRun {
  deviceId: string;
  action: DeviceConfigurationProgress['action'];
  version?: number;
  ticket?: string | undefined;
  steps: { name: string; label: string }[];
  /** The work, holding the device's lease; answers the version on record and whether the device changed. */
  work: (device: ConfigurationTarget, steps: StepLog) => Promise<{ version: number; changed: boolean }>;
}

export async function runDeviceConfiguration(run: DeviceConfigurationRun): Promise<DeviceConfigurationResult> {
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const inventory = proxyActivities<DeviceConfigurationActivities>(databaseActivity);
  const reads = proxyActivities<DriftActivities>(deviceReadActivity);
  const { workflowId, runId } = workflowInfo();
  const steps = new StepLog([...run.steps, { name: 'reconcile', label: 'Read the device again for drift' }]);
  const progress: DeviceConfigurationProgress = {
    deviceId: run.deviceId, hostname: null, action: run.action, version: run.version ?? null, state: 'running', recordedVersion: null, steps: steps.steps as Step[], error: null,
  };
  setHandler(deviceConfigurationProgressQuery, () => progress);
  const device = await inventory.loadConfigurationTarget({ deviceId: run.deviceId, ...(run.version !== undefined ? { version: run.version } : {}) });
  progress.hostname = device.hostname;
  await sites.recordRun({
    workflowId, runId, kind: run.action === 'adopt' ? 'config_adoption' : 'config_rollback', tenantId: device.tenantId, siteId: device.siteId, ...(run.ticket ? { ticket: run.ticket } : {}),
  });
  const purpose = run.action === 'adopt' ? `adopting ${device.hostname}'s configuration` : `${run.action} of ${device.hostname} to configuration version ${run.version}`;
  try {
    const result = await withDeviceLeases([device.target.serial], purpose, '10 minutes', async () => {
      const done = await run.work(device, steps);
      progress.recordedVersion = done.version;
      await steps.run('reconcile', () => reads.reconcileDevices({ deviceIds: [run.deviceId], leaseHolder: workflowId, resolvedBy: run.action }),
        (tally) => (tally.drifted.length > 0 ? 'still drifted' : 'in sync'));
      return done;
    });
    progress.state = 'completed';
    await sites.closeRun({ workflowId, status: 'completed' });
    return { deviceId: run.deviceId, ...result };
  } catch (error) {
    progress.error ??= describeFailure(error).message;
    progress.state = 'failed';
    await sites.closeRun({ workflowId, status: 'failed', error: progress.error });
    if (error instanceof ApplicationFailure) throw error;
    const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
    throw ApplicationFailure.nonRetryable(`${device.hostname}: ${progress.error}`, cause?.type ?? failureTypes.configurationRestoreFailed, { deviceId: run.deviceId });
  }
}
