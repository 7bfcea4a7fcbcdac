// Keeps every telemetry shard polling: per shard, one long-running activity after another on the
// telemetry queue, each polling for a lease and handing on what it signalled. A worker that dies
// loses its shards' heartbeats; Temporal then runs them again on the workers left, from their
// last heartbeat. A lease ending lets a shard land on a worker that joined since. History stays
// small (two events per shard and lease); continue-as-new after a few rounds bounds it anyway.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { TelemetryActivities } from '../activities/telemetry/activities.ts';
import { telemetryShardActivity } from './activity-options.ts';
import type { RunTelemetryInput } from './run-telemetry.messages.ts';

/** Leases per shard before the workflow continues as new. */
const roundsPerRun = 12;

export async function runTelemetry(input: RunTelemetryInput): Promise<void> {
  const { pollTelemetryShard } = proxyActivities<TelemetryActivities>({
    ...telemetryShardActivity,
    // The lease, and room to write its last minute of rollups.
    startToCloseTimeout: input.leaseMs + 120_000,
  });
  const signalled = Array.from({ length: input.shards }, (_, shard) => input.signalled?.[shard] ?? {});
  await Promise.all(signalled.map(async (_, shard) => {
    for (let round = 0; round < roundsPerRun; round++) {
      const result = await pollTelemetryShard({
        shard, shards: input.shards, probeIntervalMs: input.probeIntervalMs, windowSamples: input.windowSamples,
        leaseMs: input.leaseMs, inventoryRefreshMs: input.inventoryRefreshMs, signalled: signalled[shard]!,
      });
      signalled[shard] = result.signalled;
    }
  }));
  await continueAsNew<typeof runTelemetry>({ ...input, signalled });
}
