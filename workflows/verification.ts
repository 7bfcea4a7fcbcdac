// Devices read back after a change until their post-checks hold: a site's boxes and its hubs or
// peers, a replacement box and the far ends of its tunnels.
import { proxyActivities } from '@temporalio/workflow';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { deviceReadActivity } from './activity-options.ts';

/** Each named interface up. */
export const interfaceChecks = (names: string[]): PostCheck[] => names.map((name) => ({ kind: 'interface-up', interface: name }));

/** How many devices were checked: all in one activity (`together`), else one activity each, as runs begun before the batch read them. */
export async function devicesVerified(devices: { target: DeviceTarget; checks: PostCheck[] }[], together: boolean): Promise<number> {
  const reads = proxyActivities<DeviceActivities>({ ...deviceReadActivity, startToCloseTimeout: '2 minutes' });
  if (together) return (await reads.verifyDevices({ devices, waitUpToSeconds: 60 })).verified;
  return (await Promise.all(devices.map((device) => reads.verifyDevice({ ...device, waitUpToSeconds: 60 })))).length;
}
