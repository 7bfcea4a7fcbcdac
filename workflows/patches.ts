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
// for there can be missed on replay. A patch added later goes in a new batch, which holds the ones
// before it: a run holding an older batch began before the patch, and asks for it alone where it
// meets it. A change that must not reach runs already under way (a run holds to it or not, from
// its start) asks `fromStart` instead, and no marker at all.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- the one place that asks the SDK itself
import { patched as patchedAlone } from '@temporalio/workflow';

/** Each batch holds the ones before it; a run of this code asks for the newest, older runs replay theirs. */
const batches = [
  {
    id: 'patches-to-2026-12-01',
    patches: [
      'allocations-kept-once-devices-changed', 'change-and-record-in-one-activity', 'changes-recorded-where-made', 'device-change-apart-from-record',
      'devices-changed-in-one-activity', 'dispatch-ends-when-finished-during-a-read', 'first-fall-is-a-flap', 'halted-campaign-alarm',
      'late-lease-grants-ignored', 'lease-release-local', 'lease-request-local', 'lease-taken-by-update', 'mesh-turn-after-phone-home',
      'policies-as-deployments-render-them', 'policy-deployment-continues-as-new', 'policy-site-devices-recorded-together', 'policy-site-records-local',
      'reboot-timed-by-the-device', 'rollback-clears-staged-software', 'site-records-local', 'sla-steering-start', 'tunnel-change-outcomes-local',
      'tunnel-change-request-local', 'tunnel-change-sources', 'tunnel-changes-outlive-a-busy-device', 'window-after-deadline', 'ztp-records-local',
    ],
  },
  { id: 'patches-to-2026-12-06', patches: ['device-leases-as-rows'] },
  { id: 'patches-to-2026-12-08', patches: ['policy-sites-in-the-deployment-run'] },
  { id: 'patches-to-2026-12-10', patches: ['site-verified-in-one-activity', 'rma-verified-in-one-activity'] },
  { id: 'patches-to-2026-12-12', patches: ['ztp-in-site-run'] },
];

/** How many batches the run holds, oldest first: all of them in a run of this code, none in one begun before the first. */
let batchesHeld = 0;

/** The first line of every workflow that meets a patch (its own, or a lease's or a device change's). */
export function takePatchBatch(): void {
  const newest = batches.findLastIndex((batch) => patchedAlone(batch.id));
  batchesHeld = newest + 1;
}

const inBatchHeld = (patchId: string) => batches.slice(0, batchesHeld).some((batch) => batch.patches.includes(patchId));

/** As the SDK's `patched`: true in a run that holds the batch of the patch, with no marker. */
export function patched(patchId: string): boolean {
  return inBatchHeld(patchId) || patchedAlone(patchId);
}

/** True in a run that began holding the batch of the patch: never in one begun before, with no marker. */
export function fromStart(patchId: string): boolean {
  return inBatchHeld(patchId);
}
