// Changes to the tunnels of a hub or a mesh peer, gathered per device (id `tunnel-changes/<serial>`).
// Every site onboarding or decommissioning changes its hubs; hundreds at once would queue for the
// hub's lease one by one, each commit paying for the whole (large) configuration. Here the edits
// that wait are merged into one commit under the lease, so a busy hub commits a few times instead
// of hundreds. An edit that fails is told apart by applying the batch's edits one by one. A commit
// merges the edits of one source (onboarding, RMA, decommissioning), which its configuration
// version records.
import {
  ApplicationFailure, condition, continueAsNew, getExternalWorkflowHandle, isCancellation, log, proxyLocalActivities, setHandler, uuid4, workflowInfo,
} from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { LeaseActivities } from '../activities/leases.ts';
import { localActivitiesOncePatched, temporalActivity, temporalLocalActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { describeFailure } from './steps.ts';
import { type TunnelChangeRequest, type TunnelChangeOutcome, type TunnelChangeSource, type TunnelChangesInput, requestTunnelChangeSignal, tunnelChangeDoneSignal, tunnelChangesQuery } from './tunnel-changes.messages.ts';

/** At most this many edits in one commit. */
const batchLimit = 100;
/** Request ids remembered, so that a repeated request is not applied twice. */
const rememberedRequests = 2_000;

const sourceOf = (request: TunnelChangeRequest): TunnelChangeSource => request.source ?? 'onboarding';

/** Takes the next commit's requests: the oldest waiting, and those after it from the same source. */
function takeBatch(pending: TunnelChangeRequest[]): TunnelChangeRequest[] {
  const oldest = pending.slice(0, batchLimit);
  const otherSource = oldest.findIndex((request) => sourceOf(request) !== sourceOf(oldest[0]!));
  // Patched in: a run that merged the edits of several sources into one commit replays so.
  return pending.splice(0, otherSource > 0 && patched('tunnel-change-sources') ? otherSource : oldest.length);
}

export async function tunnelChanges(input: TunnelChangesInput): Promise<void> {
  takePatchBatch();
  const pushConfiguration = configurationChanges();
  const answering = proxyLocalActivities<LeaseActivities>(temporalLocalActivity);
  const { workflowId, runId } = workflowInfo();
  const pending = input.pending ?? [];
  const done = input.done ?? [];
  let batches = 0;
  setHandler(requestTunnelChangeSignal, (request) => {
    if (!done.includes(request.requestId) && !pending.some((p) => p.requestId === request.requestId)) pending.push(request);
  });
  setHandler(tunnelChangesQuery, () => ({ pending: pending.length, batches }));

  const push = (requests: TunnelChangeRequest[], key: string) => pushConfiguration({
    target: requests[requests.length - 1]!.target,
    config: requests.map((r) => r.edit).join(''),
    mode: 'merge',
    persist: `${workflowId}/${runId}/${key}`,
    checks: [],
    source: sourceOf(requests[0]!),
    workflowId,
  });

  async function apply(batch: TunnelChangeRequest[]): Promise<TunnelChangeOutcome[]> {
    batches += 1;
    try {
      await push(batch, String(batches));
      return batch.map((r) => ({ requestId: r.requestId, ok: true }));
    } catch (error) {
      const failure = describeFailure(error);
      // Only a refused edit can be one request's fault; an unreachable device fails them all.
      if (batch.length === 1 || failure.type !== failureTypes.deviceRejected) {
        return batch.map((r) => ({ requestId: r.requestId, ok: false, error: failure.message, ...(failure.type ? { errorType: failure.type } : {}) }));
      }
      log.warn('a merged tunnel change failed; applying its edits one by one', { deviceSerial: input.serial, edits: batch.length });
      const outcomes: TunnelChangeOutcome[] = [];
      for (const request of batch) outcomes.push(...await apply([request]));
      return outcomes;
    }
  }

  for (;;) {
    if (!(await condition(() => pending.length > 0, '1 hour'))) return; // idle: the next request starts it again
    const batch = takeBatch(pending);
    const outcomes = await withDeviceLeases([input.serial], `tunnel changes for ${batch.map((r) => r.purpose).join(', ').slice(0, 200)}`, input.leaseWait ?? '1 hour', () => apply(batch))
      .catch((error: unknown) => {
        // A device busy past the wait fails this batch's requests, never the queue: the edits
        // waiting behind it stay and are tried in turn (before, the queue failed and dropped them).
        if (isCancellation(error) || !patched('tunnel-changes-outlive-a-busy-device')) throw error;
        const failure = describeFailure(error);
        log.warn('the device stayed busy; this batch of tunnel changes fails, the queue goes on', { deviceSerial: input.serial, edits: batch.length, error: failure.message });
        return batch.map((r): TunnelChangeOutcome => ({ requestId: r.requestId, ok: false, error: failure.message, errorType: failure.type ?? failureTypes.deviceBusy }));
      });
    const requesterOf = (outcome: TunnelChangeOutcome) => batch.find((r) => r.requestId === outcome.requestId)!.requesterWorkflowId;
    if (patched('tunnel-change-outcomes-local')) {
      // The requesters told by one local activity: a marker in the queue's history, where a signal
      // from the workflow is two events per requester and takes a workflow task to take up.
      done.push(...outcomes.map((outcome) => outcome.requestId));
      await answering.answerTunnelChanges({ answers: outcomes.map((outcome) => ({ requesterWorkflowId: requesterOf(outcome), outcome })) });
    } else {
      await Promise.all(outcomes.map(async (outcome) => {
        done.push(outcome.requestId);
        // A requester that has closed meanwhile needs no answer.
        await getExternalWorkflowHandle(requesterOf(outcome)).signal(tunnelChangeDoneSignal, outcome).catch(() => undefined);
      }));
    }
    done.splice(0, Math.max(0, done.length - rememberedRequests));
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof tunnelChanges>({ ...input, pending, done });
  }
}

const outcomes = new Map<string, TunnelChangeOutcome>();
let listening = false;

/**
 * The requester's side: asks the device's tunnel-change queue to apply `edit` and waits for the
 * outcome; fails as the change failed (DeviceRejected, …) or with DeviceBusy after `waitUpTo`.
 * `source` is what the device's configuration version will say caused the change.
 */
export async function changeTunnels(target: DeviceTarget, edit: string, purpose: string, source: TunnelChangeSource, waitUpTo = '2 hours'): Promise<void> {
  if (!listening) {
    listening = true;
    setHandler(tunnelChangeDoneSignal, (outcome) => {
      outcomes.set(outcome.requestId, outcome);
    });
  }
  // One signal-with-start, repeated harmlessly (the queue knows the request id): a local activity,
  // sent from the requester's own workflow task.
  const { requestTunnelChange } = localActivitiesOncePatched<LeaseActivities>('tunnel-change-request-local', temporalActivity, temporalLocalActivity);
  const requestId = uuid4();
  await requestTunnelChange({ serial: target.serial, request: { requestId, requesterWorkflowId: workflowInfo().workflowId, target, edit, purpose, source } });
  if (!(await condition(() => outcomes.has(requestId), waitUpTo))) {
    throw ApplicationFailure.nonRetryable(`The tunnel change on ${target.serial} was not made within ${waitUpTo}.`, failureTypes.deviceBusy, { serial: target.serial });
  }
  const outcome = outcomes.get(requestId)!;
  outcomes.delete(requestId);
  if (!outcome.ok) throw ApplicationFailure.nonRetryable(outcome.error ?? 'the tunnel change failed', outcome.errorType ?? failureTypes.deviceRejected);
}
