// A hub's tunnel-change queue on the real Temporal server, the box stood in for by an activity that
// records each commit: what it merged, and the source its configuration version is recorded under.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectTestClient, eventually, recordHistory, startTestWorker, withChangesInTurn, createTestLeases } from '../scripts/testing.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { finishSignal, leaseHolder, tunnelChangeRequester } from './tunnel-changes.fixture.ts';
import { tunnelChanges } from './tunnel-changes.ts';
import { tunnelChangesWorkflowId, type TunnelChangeRequest, type TunnelChangeSource } from './tunnel-changes.messages.ts';

const require = createRequire(import.meta.url);

/** The test's own workflows (a lease holder, a requester) run here. */
const fixtureQueue = 'test-tunnel-change-fixtures';

describe('tunnelChanges', () => {
  let client: Client;
  let close: () => Promise<void>;
  const workers: { stop(): Promise<void> }[] = [];
  let leases: Awaited<ReturnType<typeof createTestLeases>>;
  /** The commits made, by serial. */
  const commits = new Map<string, { config: string; source: string }[]>();

  before(async () => {
    ({ client, close } = await connectTestClient());
    leases = await createTestLeases(client);
    workers.push(await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath: require.resolve('./index.ts'),
      activities: leases.activities,
    }));
    // A lease is asked by a local activity: the holder's worker runs it.
    workers.push(await startTestWorker({ taskQueue: fixtureQueue, workflowsPath: require.resolve('./tunnel-changes.fixture.ts'), activities: leases.activities }));
    workers.push(await startTestWorker({
      taskQueue: taskQueues.devices,
      activities: withChangesInTurn({
        async applyConfiguration(input: { target: DeviceTarget; config: string; source: string }) {
          commits.set(input.target.serial, [...(commits.get(input.target.serial) ?? []), { config: input.config, source: input.source }]);
          return { changed: true };
        },
        async recordConfiguration(input: { target: DeviceTarget }) {
          return { version: commits.get(input.target.serial)?.length ?? 0 };
        },
      }),
    }));
  });
  after(async () => {
    for (const worker of workers) await worker.stop();
    await leases.drop();
    await close();
  });

  it('merges the waiting edits of one source into a commit recorded under that source, in the order they came', async () => {
    const serial = `HUB-${randomUUID().slice(0, 8)}`;
    const target: DeviceTarget = { deviceId: randomUUID(), serial, platform: 'junos', host: '127.16.0.1', netconfPort: 830, snmpPort: 161 };
    const request = (edit: string, source?: TunnelChangeSource): TunnelChangeRequest => ({
      requestId: randomUUID(), requesterWorkflowId: `test-requester/${randomUUID()}`, target, edit, purpose: `edit ${edit}`, ...(source ? { source } : {}),
    });
    // Waiting already when the queue starts, as a continue-as-new carries them; `d` was queued before sources were carried.
    const pending = [request('a', 'onboarding'), request('b', 'onboarding'), request('c', 'rma'), request('d'), request('e', 'decommission')];
    const handle = await client.workflow.start(tunnelChanges, {
      taskQueue: taskQueues.orchestration, workflowId: tunnelChangesWorkflowId(serial), args: [{ serial, pending }],
    });
    try {
      const made = await eventually('four commits', async () => commits.get(serial) ?? [], (c) => c.length >= 4, 30_000);
      assert.deepEqual(made, [
        { config: 'ab', source: 'onboarding' },
        { config: 'c', source: 'rma' },
        { config: 'd', source: 'onboarding' },
        { config: 'e', source: 'decommission' },
      ]);
      await recordHistory(client, tunnelChangesWorkflowId(serial), 'tunnel-changes-by-source');
    } finally {
      await handle.terminate('the queue idles for an hour; the test is over');
    }
  });

  it('a device busy past the wait fails that batch with DeviceBusy, not the queue: the edit asked next is made once the device is free', async () => {
    const serial = `HUB-${randomUUID().slice(0, 8)}`;
    const target: DeviceTarget = { deviceId: randomUUID(), serial, platform: 'junos', host: '127.16.0.1', netconfPort: 830, snmpPort: 161 };
    const holder = await client.workflow.start(leaseHolder, { taskQueue: fixtureQueue, workflowId: `test-holder/${randomUUID()}`, args: [{ serials: [serial], waitUpTo: '1 minute' }] });
    await eventually('the lease held', () => leases.prisma.deviceLease.findUnique({ where: { serial } }), (lease) => !!lease?.holderWorkflowId, 30_000);
    const queue = await client.workflow.start(tunnelChanges, { taskQueue: taskQueues.orchestration, workflowId: tunnelChangesWorkflowId(serial), args: [{ serial, leaseWait: '2 seconds' }] });
    const ask = (edit: string) => client.workflow.execute(tunnelChangeRequester, { taskQueue: fixtureQueue, workflowId: `test-requester/${randomUUID()}`, args: [{ target, edit }] });
    try {
      assert.deepEqual(await ask('x'), { ok: false, errorType: failureTypes.deviceBusy });
      assert.equal((await queue.describe()).status.name, 'RUNNING', 'the queue outlives a busy device');
      const next = ask('y');
      await holder.signal(finishSignal);
      assert.deepEqual(await next, { ok: true });
      assert.deepEqual(commits.get(serial), [{ config: 'y', source: 'onboarding' }], 'the edit that gave up was never made');
      await recordHistory(client, tunnelChangesWorkflowId(serial), 'tunnel-changes-device-busy');
    } finally {
      await queue.terminate('the queue idles for an hour; the test is over');
    }
  });
});
