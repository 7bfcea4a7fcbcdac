// The queue of tunnel changes on one hub or peer device, as requesters speak to it: the request,
// the outcome, and the queue's id.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DeviceTarget } from '../domain/site-plan.ts';

/** What asks for tunnel changes on a hub or peer; the configuration versions they make say so. */
export type TunnelChangeSource = 'onboarding' | 'rma' | 'decommission';

export interface TunnelChangeRequest {
  requestId: string;
  /** The run to tell the outcome. */
  requesterWorkflowId: string;
  target: DeviceTarget;
  /** A merge edit: tunnels added, or removed with their remove operations. */
  edit: string;
  purpose: string;
  /** Absent from requests made before it was carried: those were all taken as onboarding's. */
  source?: TunnelChangeSource;
}

export interface TunnelChangeOutcome {
  requestId: string;
  ok: boolean;
  error?: string;
  errorType?: string;
}

export interface TunnelChangesInput {
  serial: string;
  /** How long a batch waits for the device's lease before its requests are answered DeviceBusy (default an hour; tests shorten it). */
  leaseWait?: string;
  /** Carried over by continue-as-new. */
  pending?: TunnelChangeRequest[];
  done?: string[];
}

export const requestTunnelChangeSignal = defineSignal<[TunnelChangeRequest]>('requestTunnelChange');
export const tunnelChangeDoneSignal = defineSignal<[TunnelChangeOutcome]>('tunnelChangeDone');
export const tunnelChangesQuery = defineQuery<{ pending: number; batches: number }>('tunnelChanges');
export const tunnelChangesWorkflowId = (serial: string) => `tunnel-changes/${serial}`;
