// Temporal's patches, taken as a batch. Each patch a run meets costs it a marker in its history and
// an upsert of the TemporalChangeVersion search attribute (the SDK adds one to every patch): two
// events, and a write of the server's visibility store. A branch's onboarding met eight, its ZTP
// five more, a fifth of its events. A run of this code asks once, as it starts, for the batch of
// every patch named below and takes each of them without a marker of its own; runs begun before
// replay each patch where they met it.
//
// Ask for the batch first thing in a workflow: the SDK looks for a patch's marker in the workflow
// task it is asked for in, and the commands that follow a local activity may have been recorded a
// task later (the task sent as a heartbeat while the local activity ran), so a patch first asked
// for there can be missed on replay. A patch added after the batch is a patch of its own
// (`patched` finds it outside the batch): a run holding the batch may have begun before it.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- the one place that asks the SDK itself
import { patched as patchedAlone } from '@temporalio/workflow';

const batch = 'patches-to-2026-12-01';

const inBatch = new Set([
  'allocations-kept-once-devices-changed', 'change-and-record-in-one-activity', 'changes-recorded-where-made', 'device-change-apart-from-record',
  'devices-changed-in-one-activity', 'dispatch-ends-when-finished-during-a-read', 'first-fall-is-a-flap', 'halted-campaign-alarm',
  'late-lease-grants-ignored', 'lease-release-local', 'lease-request-local', 'lease-taken-by-update', 'mesh-turn-after-phone-home',
  'policies-as-deployments-render-them', 'policy-deployment-continues-as-new', 'policy-site-devices-recorded-together', 'policy-site-records-local',
  'reboot-timed-by-the-device', 'rollback-clears-staged-software', 'site-records-local', 'sla-steering-start', 'tunnel-change-outcomes-local',
  'tunnel-change-request-local', 'tunnel-change-sources', 'tunnel-changes-outlive-a-busy-device', 'window-after-deadline', 'ztp-records-local',
]);

let holdsBatch = false;

/** The first line of every workflow that meets a patch (its own, or a lease's or a device change's). */
export function takePatchBatch(): void {
  holdsBatch = patchedAlone(batch);
}

/** As the SDK's `patched`: true in a run that holds the batch, for the batch's patches, with no marker. */
export function patched(patchId: string): boolean {
  return (holdsBatch && inBatch.has(patchId)) || patchedAlone(patchId);
}
