// Reading what a device reports now (facts and interfaces), for the device and site pages: its
// input, its answer and its run's id. The API waits for the answer; nothing is recorded.
import type { DeviceTarget } from '../domain/site-plan.ts';

export interface ReadDeviceStateInput {
  target: DeviceTarget;
}

/** One read per request: reads of one device never join each other, so each id is new. */
export const readDeviceStateWorkflowId = (deviceId: string, requestId: string) => `device-state/${deviceId}/${requestId}`;
