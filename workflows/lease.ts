// The holder's side of the device lease: take the leases of every device a change touches, do
// the change, and give them back on every path out, compensation and cancellation included.
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import {
  ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, proxyActivities, proxyLocalActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import { fromStart, patched } from './patches.ts';
import type { LeaseActivities } from '../activities/leases.ts';
import { temporalActivity, temporalLocalActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { deviceLeaseWorkflowId, leaseGrantedSignal, releaseLeaseSignal } from './device-lease.messages.ts';

/** How often a run waiting its turn checks the device: its grant may have been lost, its holder may be gone. */
const turnCheckEveryMs = 60_000;

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

async function release(serials: string[], localActivities: boolean) {
  if (serials.length === 0) return;
  const holderWorkflowId = workflowInfo().workflowId;
  await CancellationScope.nonCancellable(async () => {
    for (const serial of serials) granted.delete(serial);
    // One local activity gives every lease back: the run goes on in the same workflow task, where
    // signals sent from the workflow come back in a task of their own. Runs begun before replay
    // their signals; one whose device was leased as a row finds no lease workflow to signal, and
    // its row is let go once the run has closed (activities/leases.ts).
    if (patched('lease-release-local')) {
      await (localActivities ? proxyLocalActivities<LeaseActivities>(temporalLocalActivity) : proxyActivities<LeaseActivities>(temporalActivity)).releaseDeviceLeases({ serials, holderWorkflowId });
      return;
    }
    await Promise.all(serials.map((serial) => getExternalWorkflowHandle(deviceLeaseWorkflowId(serial)).signal(releaseLeaseSignal, { holderWorkflowId }).catch(() => undefined)));
  });
}

/**
 * Runs `change` holding the lease of each device. Leases are taken in serial order, so two runs
 * touching the same devices cannot deadlock. When a device stays busy past `waitUpTo`, fails with
 * `DeviceBusy`, naming the run that holds it. A run that makes many changes at once takes and
 * gives back its leases by activities (`localActivities: false`): local activities out together
 * are recorded in the order they end, which a replay under load does not keep. `askedByCaller`:
 * the caller's own step asked for the leases (as takeDeviceLeases: `granted`, in serial order up
 * to the first busy one), and its own last step gives them back on every path out.
 */
export async function withDeviceLeases<T>(
  serials: string[],
  purpose: string,
  waitUpTo: Duration,
  change: () => Promise<T>,
  { localActivities = true, askedByCaller }: { localActivities?: boolean; askedByCaller?: { granted: string[] } } = {},
): Promise<T> {
  listenForGrants();
  const { requestDeviceLease: requestByTask, describeDeviceLease, takeDeviceLeases: takeByTask } = proxyActivities<LeaseActivities>(temporalActivity);
  // The run's own steps with the leases: local activities, unless the caller says otherwise.
  const steps = localActivities ? proxyLocalActivities<LeaseActivities>(temporalLocalActivity) : proxyActivities<LeaseActivities>(temporalActivity);
  // Leases as rows (activities/leases.ts), taken by a local activity in the run's own workflow
  // task; runs begun before took them from lease workflows by an activity, and replay so.
  const asRows = fromStart('device-leases-as-rows');
  const takeDeviceLeases = asRows ? steps.takeDeviceLeases : takeByTask;
  // The request is one signal-with-start: as a local activity it goes out from the workflow's own
  // task, without a round trip through the task queue before a change can start. Runs started
  // before replay the activity they scheduled.
  const requestDeviceLease = patched('lease-request-local') ? steps.requestDeviceLease : requestByTask;
  const holderWorkflowId = workflowInfo().workflowId;
  const request = { holderWorkflowId, purpose };
  const ordered = [...new Set(serials)].sort();
  const taken: string[] = [];

  /**
   * Waits for the grant of a device asked for; past `waitUpTo`, fails naming the run that holds it.
   * `grantMayBeLost`: asked for before this run awaited its grant, which may have come and been
   * ignored as late: the device is checked at once.
   */
  async function grantOf(serial: string, grantMayBeLost: boolean): Promise<void> {
    let grantedInTime: boolean;
    try {
      grantedInTime = asRows ? await turnOf(serial, grantMayBeLost) : await condition(() => granted.has(serial), waitUpTo);
    } finally {
      asked.delete(serial);
    }
    if (grantedInTime) return;
    const { holder } = await describeDeviceLease({ serial });
    throw ApplicationFailure.nonRetryable(
      `Device ${serial} is busy with another change${holder ? ` (${holder.purpose}, run ${holder.holderWorkflowId})` : ''}.`,
      failureTypes.deviceBusy,
      { serial, holder },
    );
  }

  /** Waits for the device's grant, checking it every so often (no lease workflow checks a holder of rows): whether it came in time. */
  async function turnOf(serial: string, checkFirst: boolean): Promise<boolean> {
    if (checkFirst && (await steps.checkDeviceLease({ serial, request })).granted) return true;
    const giveUpAt = Date.now() + msToNumber(waitUpTo);
    for (let left = msToNumber(waitUpTo); left > 0; left = giveUpAt - Date.now()) {
      if (await condition(() => granted.has(serial), Math.min(left, turnCheckEveryMs))) return true;
      if ((await steps.checkDeviceLease({ serial, request })).granted) return true;
    }
    return false;
  }

  try {
    // Free devices granted in the answer to one activity, in serial order up to the first busy
    // one, whose grant comes by signal: per device, two workflow tasks and a signal fewer than a
    // grant by signal. From lease workflows it was not a local activity: its answer waited for
    // their workflow tasks, holding one of the worker's workflow-task slots. Runs begun before
    // request by signal and replay so.
    if (patched('lease-taken-by-update')) {
      taken.push(...ordered);
      for (let pending = ordered, answered = askedByCaller; pending.length > 0; answered = undefined) {
        let queued: string | undefined;
        // A grant signal may come in before the answer that queued its device: awaited already.
        for (const serial of pending) asked.add(serial);
        try {
          const answer = answered ?? await takeDeviceLeases({ serials: pending, request });
          for (const serial of answer.granted) granted.add(serial);
          queued = pending[answer.granted.length];
        } finally {
          for (const serial of pending) if (serial !== queued) asked.delete(serial);
        }
        if (queued === undefined) break;
        await grantOf(queued, answered !== undefined);
        pending = pending.slice(pending.indexOf(queued) + 1);
      }
      return await change();
    }
    for (const serial of ordered) {
      taken.push(serial);
      asked.add(serial);
      await requestDeviceLease({ serial, request });
      await grantOf(serial, false);
    }
    return await change();
  } finally {
    if (askedByCaller) for (const serial of taken) granted.delete(serial);
    else await release(taken, localActivities);
  }
}
