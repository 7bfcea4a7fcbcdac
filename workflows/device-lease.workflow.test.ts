import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createLeaseActivities } from '../activities/leases.ts';
import { connectTestClient, recordHistory, startTestWorker } from '../scripts/testing.ts';
import { workflowTracingModule } from '../scripts/worker-observability.ts';
import { deviceLease } from './device-lease.ts';
import { deviceLeaseWorkflowId, leaseGrantedSignal, leaseStateQuery, type DeviceLeaseState } from './device-lease.messages.ts';
import { finishSignal, leaseHolder, leaseRetrier, tryAgainSignal } from './device-lease.fixture.ts';
import { taskQueues } from '../domain/task-queues.ts';

const require = createRequire(import.meta.url);
const historiesDirectory = join(import.meta.dirname, 'histories');
const { History } = proto.temporal.api.history.v1;

describe('deviceLease', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: { stop(): Promise<void> };

  before(async () => {
    ({ client, close } = await connectTestClient());
    worker = await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath: require.resolve('./device-lease.fixture.ts'),
      activities: createLeaseActivities({ client }),
    });
  });
  after(async () => {
    await worker.stop();
    await close();
  });

  const serial = () => `SIM-${randomUUID().slice(0, 8)}`;
  const startHolder = (serials: string[], waitUpTo = '1 minute') =>
    client.workflow.start(leaseHolder, { taskQueue: taskQueues.orchestration, workflowId: `test-holder/${randomUUID()}`, args: [{ serials, waitUpTo }] });
  const leaseState = (device: string) => client.workflow.getHandle(deviceLeaseWorkflowId(device)).query(leaseStateQuery);

  async function eventually(what: string, check: (state: DeviceLeaseState) => boolean, device: string): Promise<DeviceLeaseState> {
    for (let attempt = 0; attempt < 150; attempt++) {
      const state = await leaseState(device).catch(() => undefined);
      if (state && check(state)) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${what}: never happened (lease of ${device}: ${JSON.stringify(await leaseState(device).catch(() => null))})`);
  }

  /** Two runs changing the device, the second asking while the first holds it; each lets go when told. */
  async function twoRunsInTurn(device: string) {
    const first = await startHolder([device]);
    await eventually('first run holds the device', (s) => s.holder?.holderWorkflowId === first.workflowId, device);
    const second = await startHolder([device]);
    await eventually('second run waits', (s) => s.waiting.some((w) => w.holderWorkflowId === second.workflowId), device);

    await first.signal(finishSignal);
    const firstResult = await first.result();
    await eventually('second run holds the device', (s) => s.holder?.holderWorkflowId === second.workflowId, device);
    await second.signal(finishSignal);
    const secondResult = await second.result();
    return { first, second, firstResult, secondResult };
  }

  it('grants the device to one run at a time, in the order they asked', async () => {
    const device = serial();
    const { firstResult, secondResult } = await twoRunsInTurn(device);
    assert.ok(secondResult.heldAt >= firstResult.heldAt);
    const state = await eventually('lease is free', (s) => s.holder === null, device);
    assert.deepEqual(state.waiting, []);
    // `RECORD_HISTORIES=1 npm run test:workflow` records this run for the replay test below.
    await recordHistory(client, deviceLeaseWorkflowId(device), 'device-lease');
  });

  it('grants a free device in the answer to the request, and a busy one by signal once it is free', async () => {
    const device = serial();
    const { first, second } = await twoRunsInTurn(device);
    const grantSignals = async (workflowId: string) => ((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [])
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === leaseGrantedSignal.name).length;
    assert.equal(await grantSignals(first.workflowId), 0, 'the free device was granted in the answer');
    assert.equal(await grantSignals(second.workflowId), 1, 'the busy device was granted by signal');
    await eventually('lease is free', (s) => s.holder === null && s.waiting.length === 0, device);
    await recordHistory(client, deviceLeaseWorkflowId(device), 'device-lease-granted-in-answer');
  });

  it('replays every recorded history with the workflows as they are now (no change broke a run in flight)', async () => {
    const files = readdirSync(historiesDirectory).filter((file) => file.endsWith('.json'));
    assert.ok(files.length > 0);
    // One worker (one bundle) replays them all; each history's workflow id is its file's name.
    const histories = files.map((file) => ({ workflowId: file, history: History.fromObject(JSON.parse(readFileSync(join(historiesDirectory, file), 'utf8'))) }));
    const broken: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('./index.ts') }, histories)) {
      if (result.error) broken.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(broken, []);
  });

  it('catches a change that would break a run in flight: a recorded run replayed against it fails as non-deterministic', async () => {
    const history = History.fromObject(JSON.parse(readFileSync(join(historiesDirectory, 'device-lease.json'), 'utf8')));
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./replay.nondeterministic.fixture.ts') }, history, 'device-lease.json'),
      (error: unknown) => error instanceof DeterminismViolationError,
    );
  });

  it('replays every recorded history with the trace-carrying interceptors every worker runs', async () => {
    const files = readdirSync(historiesDirectory).filter((file) => file.endsWith('.json'));
    const histories = files.map((file) => ({ workflowId: file, history: History.fromObject(JSON.parse(readFileSync(join(historiesDirectory, file), 'utf8'))) }));
    const replays = Worker.runReplayHistories({ workflowsPath: require.resolve('./index.ts'), interceptors: { workflowModules: [workflowTracingModule] } }, histories);
    const failed: string[] = [];
    let replayed = 0;
    for await (const result of replays) {
      replayed += 1;
      if (result.error) failed.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failed, []);
    assert.equal(replayed, files.length);
  });

  it('when the device stays busy, fails with DeviceBusy naming the run that holds it, and leaves the queue', async () => {
    const device = serial();
    const holder = await startHolder([device]);
    await eventually('holder holds the device', (s) => s.holder?.holderWorkflowId === holder.workflowId, device);

    const impatient = await startHolder([device], '2 seconds');
    const failure = await impatient.result().then(
      () => assert.fail('the impatient run should have failed'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.ok(failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, 'DeviceBusy');
    assert.match(failure.cause.message, new RegExp(holder.workflowId));

    const state = await eventually('impatient run left the queue', (s) => s.waiting.length === 0, device);
    assert.equal(state.holder?.holderWorkflowId, holder.workflowId);
    await holder.signal(finishSignal);
    await holder.result();
  });

  it('when a grant comes after the run gave up waiting, its next change of the device still waits for the lease', async () => {
    const device = serial();
    const holder = await startHolder([device]);
    await eventually('holder holds the device', (s) => s.holder?.holderWorkflowId === holder.workflowId, device);
    const retrier = await client.workflow.start(leaseRetrier, {
      taskQueue: taskQueues.orchestration, workflowId: `test-retrier/${randomUUID()}`, args: [{ serials: [device], waitUpTo: '2 seconds' }],
    });
    await eventually('the retrier waits for the device', (s) => s.waiting.some((w) => w.holderWorkflowId === retrier.workflowId), device);
    await eventually('the retrier gave up and left the queue', (s) => s.waiting.length === 0, device);
    // The grant of its first try, come late (sent just before the lease heard it let go).
    await retrier.signal(leaseGrantedSignal, { serial: device });
    await retrier.signal(tryAgainSignal);
    assert.deepEqual(await retrier.result(), ['busy', 'busy'], 'the device is still the holder\'s');
    await holder.signal(finishSignal);
    await holder.result();
  });

  it('takes the lease back from a run that ended without releasing it', async () => {
    const device = serial();
    await client.workflow.start(deviceLease, {
      taskQueue: taskQueues.orchestration,
      workflowId: deviceLeaseWorkflowId(device),
      args: [{ serial: device, holderCheckInterval: '1 second' }],
    });
    const lost = await startHolder([device]);
    await eventually('lost run holds the device', (s) => s.holder?.holderWorkflowId === lost.workflowId, device);
    await lost.terminate('simulating a run that vanished without releasing');

    const next = await startHolder([device]);
    await eventually('next run holds the device', (s) => s.holder?.holderWorkflowId === next.workflowId, device);
    await next.signal(finishSignal);
    await next.result();
  });

  it('takes several devices at once and gives every one back', async () => {
    const devices = [serial(), serial()];
    const holder = await startHolder(devices);
    for (const device of devices) {
      await eventually(`holder holds ${device}`, (s) => s.holder?.holderWorkflowId === holder.workflowId, device);
    }
    await holder.signal(finishSignal);
    await holder.result();
    for (const device of devices) await eventually(`${device} is free`, (s) => s.holder === null, device);
  });
});
