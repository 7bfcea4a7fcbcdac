// A device's change lease as its holders and the API speak to it: requests, grants, state and id.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export interface LeaseRequest {
  /** The workflow id of the run that wants to change the device. */
  holderWorkflowId: string;
  /** What the change is, for the operator ("onboarding site Lyon store"). */
  purpose: string;
}

export interface LeaseHolder extends LeaseRequest {
  grantedAt: string;
}

export interface DeviceLeaseState {
  serial: string;
  holder: LeaseHolder | null;
  waiting: LeaseRequest[];
}

export interface DeviceLeaseInput {
  serial: string;
  /** How often a held lease checks that its holder still runs; one minute unless said otherwise. */
  holderCheckInterval?: Duration;
  /** Carried over by continue-as-new. */
  state?: DeviceLeaseState;
}

export const requestLeaseSignal = defineSignal<[LeaseRequest]>('requestLease');
/**
 * A request answered at once: granted when the device is free and nobody waits (the holder goes on
 * without waiting for `leaseGranted`), else queued like `requestLease`, the grant coming as that signal.
 */
export const takeLeaseUpdate = defineUpdate<{ granted: boolean }, [LeaseRequest]>('takeLease');
export const releaseLeaseSignal = defineSignal<[{ holderWorkflowId: string }]>('releaseLease');
/** Sent by the lease to the holder's run when the device is its own. */
export const leaseGrantedSignal = defineSignal<[{ serial: string }]>('leaseGranted');
export const leaseStateQuery = defineQuery<DeviceLeaseState>('leaseState');

export const deviceLeaseWorkflowId = (serial: string) => `device-lease/${serial}`;
