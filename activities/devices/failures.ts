// Device errors leave activities as ApplicationFailure of the failure-type table: retryable ones
// are retried by Temporal, permanent ones fail the activity at once.
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes, type FailureType } from '../../domain/failure-types.ts';
import { asDeviceError, DeviceError, type DeviceErrorKind } from './errors.ts';

const typeOfKind: Record<DeviceErrorKind, FailureType> = {
  unreachable: failureTypes.deviceUnreachable,
  timeout: failureTypes.deviceTimeout,
  auth: failureTypes.deviceAuthFailed,
  'host-key-changed': failureTypes.deviceHostKeyChanged,
  'lock-held': failureTypes.deviceLockHeld,
  rejected: failureTypes.deviceRejected,
  'management-path-lost': failureTypes.managementPathLost,
  'no-such-object': failureTypes.deviceObjectMissing,
  protocol: failureTypes.deviceProtocolError,
};

/** Turns a device error into the ApplicationFailure an activity throws; anything else passes as it is. */
export function toApplicationFailure(thrown: unknown): unknown {
  const error = asDeviceError(thrown);
  if (!(error instanceof DeviceError)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: typeOfKind[error.kind],
    nonRetryable: !error.retryable,
    details: [error.details],
    cause: error,
  });
}
