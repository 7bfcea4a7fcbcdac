// What a device reports now: its facts and its interfaces, read once over the device's own
// protocols. Short and read-only (no lease, no run summary): a box that does not answer fails the
// read within a minute, and the caller says so.
import { proxyActivities } from '@temporalio/workflow';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import { deviceReadActivity } from './activity-options.ts';
import type { DeviceState } from '../domain/device-state.ts';
import type { ReadDeviceStateInput } from './read-device-state.messages.ts';

const reads = proxyActivities<DeviceActivities>({
  ...deviceReadActivity,
  // A person is waiting: two tries, not the five a workflow's own read gets.
  startToCloseTimeout: '20 seconds',
  retry: { ...deviceReadActivity.retry, maximumAttempts: 2 },
});

export async function readDeviceState(input: ReadDeviceStateInput): Promise<DeviceState> {
  return reads.readDeviceState({ target: input.target });
}
