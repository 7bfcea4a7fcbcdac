// The holder's side of the device lease: take the leases of every device a change touches, do
// the change, and give them back on every path out, compensation and cancellation included.
import type { Duration } from '@temporalio/common';
import {
  ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { LeaseActivities } from '../activities/leases.ts';
import { temporalActivity, temporalLocalActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { deviceLeaseWorkflowId, leaseGrantedSignal, releaseLeaseSignal } from './device-lease.messages.ts';

const granted = new Set<string>();
/** The devices this run waits for now: a grant of any other comes late (the run gave up waiting, or let go). */
const asked = new Set<string>();
let listening = false;

function listenForGrants() {
  if (listening) return;
  listening = true;
  setHandler(leaseGrantedSignal, ({ serial }) => {
    // A late grant would let this run's next change of the device go ahead without the lease.
    if (!asked.has(serial) && patched('late-lease-grants-ignored')) return;
    granted.add(serial);
  });
}

async function release(serials: string[]) {
  if (serials.length === 0) return;
  const holderWorkflowId = workflowInfo().workflowId;
  await CancellationScope.nonCancellable(async () => {
    for (const serial of serials) granted.delete(serial);
    // One local activity signals every lease: the run goes on in the same workflow task, where
    // signals sent from the workflow come back in a task of their own. Runs begun before replay
    // their signals.
    if (patched('lease-release-local')) {
      await proxyLocalActivities<LeaseActivities>(temporalLocalActivity).releaseDeviceLeases({ serials, holderWorkflowId });
      return;
    }
    await Promise.all(serials.map((serial) => getExternalWorkflowHandle(deviceLeaseWorkflowId(serial)).signal(releaseLeaseSignal, { holderWorkflowId })));
  });
}

/**
 * Runs `change` holding the lease of each device. Leases are taken in serial order, so two runs
 * touching the same devices cannot deadlock. When a device stays busy past `waitUpTo`, fails with
 * `DeviceBusy`, naming the run that holds it.
 */
export async function withDeviceLeases<T>(
  serials: string[],
  purpose: string,
  waitUpTo: Duration,
  change: () => Promise<T>,
): Promise<T> {
  listenForGrants();
  const { requestDeviceLease: requestByTask, describeDeviceLease } = proxyActivities<LeaseActivities>(temporalActivity);
  // The request is one signal-with-start: as a local activity it goes out from the workflow's own
  // task, without a round trip through the task queue before a change can start. Runs started
  // before replay the activity they scheduled.
  const local = proxyLocalActivities<LeaseActivities>(temporalLocalActivity);
  const requestDeviceLease = patched('lease-request-local') ? local.requestDeviceLease : requestByTask;
  // A free device is granted in the answer to the request: the change starts in the same workflow
  // task, without a grant signal and a task to take it in. Runs started before wait for the signal.
  const grantedInAnswer = patched('lease-granted-in-answer');
  const holderWorkflowId = workflowInfo().workflowId;
  const ordered = [...new Set(serials)].sort();
  const taken: string[] = [];
  try {
    for (const serial of ordered) {
      taken.push(serial);
      asked.add(serial);
      const request = { serial, request: { holderWorkflowId, purpose } };
      if (grantedInAnswer) {
        if ((await local.takeDeviceLease(request)).granted) granted.add(serial);
      } else {
        await requestDeviceLease(request);
      }
      let grantedInTime: boolean;
      try {
        grantedInTime = await condition(() => granted.has(serial), waitUpTo);
      } finally {
        asked.delete(serial);
      }
      if (!grantedInTime) {
        const { holder } = await describeDeviceLease({ serial });
        throw ApplicationFailure.nonRetryable(
          `Device ${serial} is busy with another change${holder ? ` (${holder.purpose}, run ${holder.holderWorkflowId})` : ''}.`,
          failureTypes.deviceBusy,
          { serial, holder },
        );
      }
    }
    return await change();
  } finally {
    await release(taken);
  }
}
