// A device's configuration put back to a version on record, under the device's lease: the
// version's content replaces what the device runs by confirmed commit, with post-checks (its
// primary WAN links up), confirmed or rolled back by the device; then what it runs is recorded. A
// rollback records a new version saying which one it restores; a re-apply pushes Branchline's
// newest version back over a drift, and the device then runs that version again.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import { deviceRecordActivity, deviceWriteActivity } from './activity-options.ts';
import { runDeviceConfiguration } from './device-configuration-run.ts';
import type { DeviceConfigurationResult, RestoreConfigurationInput } from './device-configuration.messages.ts';
import { takePatchBatch } from './patches.ts';

export async function restoreConfiguration(input: RestoreConfigurationInput): Promise<DeviceConfigurationResult> {
  takePatchBatch();
  const writes = proxyActivities<DeviceActivities>(deviceWriteActivity);
  const records = proxyActivities<DeviceActivities>(deviceRecordActivity);
  const { workflowId, runId } = workflowInfo();
  return runDeviceConfiguration({
    deviceId: input.deviceId, action: input.action, version: input.version, ticket: input.ticket,
    steps: [
      { name: 'push', label: `Push configuration version ${input.version} (confirmed commit, post-checks)` },
      { name: 'record', label: 'Record what the device runs' },
    ],
    work: async ({ target, checks }, steps) => {
      const { changed } = await steps.run('push', () => writes.restoreConfiguration({
        target, version: input.version, persist: `${workflowId}/${runId}/restore`, checks, workflowId,
      }), (r) => (r.changed ? 'committed and confirmed' : 'the device runs it already'));
      const { version } = await steps.run('record', () => records.recordConfiguration({
        target, source: 'rollback', workflowId, ...(input.action === 'rollback' ? { restoredVersion: input.version } : {}),
      }), (r) => `configuration version ${r.version}`);
      return { version, changed };
    },
  });
}
