// The one table of failure types (STYLE): activities throw ApplicationFailure with these types,
// workflows and the API recognise them by name.
export const failureTypes = {
  deviceUnreachable: 'DeviceUnreachable',
  deviceTimeout: 'DeviceTimeout',
  deviceAuthFailed: 'DeviceAuthFailed',
  deviceHostKeyChanged: 'DeviceHostKeyChanged',
  deviceLockHeld: 'DeviceLockHeld',
  deviceRejected: 'DeviceRejected',
  deviceObjectMissing: 'DeviceObjectMissing',
  deviceProtocolError: 'DeviceProtocolError',
  /** Another change holds the device (workflows/lease.ts). */
  deviceBusy: 'DeviceBusy',
} as const;

export type FailureType = (typeof failureTypes)[keyof typeof failureTypes];
