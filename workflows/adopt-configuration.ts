// A device's own change kept: what the device runs, read under its lease, becomes its newest
// configuration version (source manual), so Branchline's intent for it is what it runs now and the
// drift is over. Nothing is pushed to the device.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import { deviceRecordActivity } from './activity-options.ts';
import { runDeviceConfiguration } from './device-configuration-run.ts';
import type { AdoptConfigurationInput, DeviceConfigurationResult } from './device-configuration.messages.ts';
import { takePatchBatch } from './patches.ts';

export async function adoptConfiguration(input: AdoptConfigurationInput): Promise<DeviceConfigurationResult> {
  takePatchBatch();
  const records = proxyActivities<DeviceActivities>(deviceRecordActivity);
  const { workflowId } = workflowInfo();
  return runDeviceConfiguration({
    deviceId: input.deviceId, action: 'adopt', ticket: input.ticket,
    steps: [{ name: 'record', label: 'Record what the device runs as a new version' }],
    work: async ({ target }, steps) => {
      const { version } = await steps.run('record', () => records.recordConfiguration({ target, source: 'manual', workflowId }), (r) => `configuration version ${r.version}`);
      return { version, changed: false };
    },
  });
}
