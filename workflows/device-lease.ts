// One change at a time per device (DESIGN §4): a small entity workflow per device, id
// `device-lease/<serial>`, grants the device to one run at a time, in the order they asked.
// A holder that is gone (its run closed without releasing) loses the lease at the next check.
import {
  condition, continueAsNew, getExternalWorkflowHandle, log, proxyActivities, setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LeaseActivities } from '../activities/leases.ts';
import { temporalActivity } from './activity-options.ts';
import {
  type DeviceLeaseState, type DeviceLeaseInput, type LeaseRequest, requestLeaseSignal, releaseLeaseSignal, leaseGrantedSignal, leaseStateQuery, takeLeaseUpdate,
} from './device-lease.messages.ts';

/** An idle lease ends; the next request starts it again (signal-with-start). */
const idleLifetime = '1 hour';

export async function deviceLease(input: DeviceLeaseInput): Promise<void> {
  const { isWorkflowRunning } = proxyActivities<LeaseActivities>(temporalActivity);
  const state: DeviceLeaseState = input.state ?? { serial: input.serial, holder: null, waiting: [] };

  const queue = (request: LeaseRequest) => {
    const known = state.holder?.holderWorkflowId === request.holderWorkflowId
      || state.waiting.some((waiting) => waiting.holderWorkflowId === request.holderWorkflowId);
    if (!known) state.waiting.push(request);
  };
  setHandler(requestLeaseSignal, queue);
  // Granted in the answer, the holder saves the round trip of a grant signal and of the workflow
  // task that takes it in. Asked again (its local activity retried), it is answered the same.
  setHandler(takeLeaseUpdate, (request) => {
    if (!state.holder && state.waiting.length === 0) {
      state.holder = { ...request, grantedAt: new Date().toISOString() };
      log.info('device lease granted', { serial: state.serial, holderWorkflowId: request.holderWorkflowId });
    } else {
      queue(request);
    }
    return { granted: state.holder?.holderWorkflowId === request.holderWorkflowId };
  });
  setHandler(releaseLeaseSignal, ({ holderWorkflowId }) => {
    if (state.holder?.holderWorkflowId === holderWorkflowId) state.holder = null;
    state.waiting = state.waiting.filter((waiting) => waiting.holderWorkflowId !== holderWorkflowId);
  });
  setHandler(leaseStateQuery, () => state);

  for (;;) {
    if (!state.holder) {
      const next = state.waiting.shift();
      if (!next) {
        // A lease taken by `takeLease` has a holder and nobody waiting.
        const requested = await condition(() => state.waiting.length > 0 || state.holder !== null, idleLifetime);
        if (!requested) return;
        continue;
      }
      state.holder = { ...next, grantedAt: new Date().toISOString() };
      try {
        await getExternalWorkflowHandle(next.holderWorkflowId).signal(leaseGrantedSignal, { serial: state.serial });
        log.info('device lease granted', { serial: state.serial, holderWorkflowId: next.holderWorkflowId });
      } catch {
        // The run that asked has closed meanwhile: it needs nothing any more.
        state.holder = null;
      }
      continue;
    }
    const holder = state.holder;
    const released = await condition(() => state.holder !== holder, input.holderCheckInterval ?? '1 minute');
    if (!released && !(await isWorkflowRunning({ workflowId: holder.holderWorkflowId })).running) {
      log.warn('device lease expired: its holder is no longer running', { serial: state.serial, holderWorkflowId: holder.holderWorkflowId });
      state.holder = null;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof deviceLease>({ ...input, state });
    }
  }
}
