// Drift reconciliation, run by a Temporal Schedule every interval (scripts/worker.ts creates it):
// list the devices in service, then read them in batches, all batches at once (the devices queue's
// slots bound how many run), each keeping its devices' drift state and alarms. A batch that fails
// fails no other: the next round reads its devices again.
import { proxyActivities } from '@temporalio/workflow';
import type { DriftActivities, DriftTally } from '../activities/devices/drift.ts';
import { databaseActivity, deviceReadActivity } from './activity-options.ts';
import type { ReconcileDriftInput, ReconcileDriftResult } from './reconcile-drift.messages.ts';

const defaultBatchSize = 50;

export async function reconcileDrift(input: ReconcileDriftInput = {}): Promise<ReconcileDriftResult> {
  const database = proxyActivities<DriftActivities>(databaseActivity);
  // A batch heartbeats per device, so a lost worker is noticed soon and the batch read elsewhere.
  const reads = proxyActivities<DriftActivities>({ ...deviceReadActivity, startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: { ...deviceReadActivity.retry, maximumAttempts: 2 } });
  const { deviceIds } = await database.listReconciledDevices();
  const size = Math.max(1, input.batchSize ?? defaultBatchSize);
  const batches: string[][] = [];
  for (let i = 0; i < deviceIds.length; i += size) batches.push(deviceIds.slice(i, i + size));
  const tallies = await Promise.all(batches.map((batch) => reads.reconcileDevices({ deviceIds: batch }).catch((): DriftTally | undefined => undefined)));
  const result: ReconcileDriftResult = {
    checked: 0, fullReads: 0, drifted: 0, readings: { in_sync: 0, drifted: 0, unchanged: 0, changing: 0, unrecorded: 0, unreachable: 0 },
  };
  tallies.forEach((tally, index) => {
    if (!tally) {
      result.readings.unreachable += batches[index]!.length;
      return;
    }
    result.checked += tally.checked;
    result.fullReads += tally.fullReads;
    result.drifted += tally.drifted.length;
    for (const [reading, count] of Object.entries(tally.readings)) result.readings[reading as keyof DriftTally['readings']] += count;
  });
  return result;
}
