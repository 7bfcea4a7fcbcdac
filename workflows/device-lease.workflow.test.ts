import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createLeaseActivities } from '../activities/leases.ts';
import { connectTestClient, createTestLeases, startTestWorker } from '../scripts/testing.ts';
import { workflowTracingModule } from '../scripts/worker-observability.ts';
import { deviceLease } from './device-lease.ts';
import { deviceLeaseWorkflowId, leaseGrantedSignal, leaseStateQuery, releaseLeaseSignal, takeLeaseUpdate, type DeviceLeaseState } from './device-lease.messages.ts';
import { finishSignal, leaseHolder, leaseRetrier, tryAgainSignal } from './device-lease.fixture.ts';
import { taskQueues } from '../domain/task-queues.ts';

const require = createRequire(import.meta.url);
const historiesDirectory = join(import.meta.dirname, 'histories');
const { History } = proto.temporal.api.history.v1;

describe('deviceLease', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: { stop(): Promise<void> };
  let leases: Awaited<ReturnType<typeof createTestLeases>>;

  before(async () => {
    ({ client, close } = await connectTestClient());
    leases = await createTestLeases(client);
    worker = await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath: require.resolve('./device-lease.fixture.ts'),
      activities: leases.activities,
    });
  });
  after(async () => {
    await worker.stop();
    await leases.drop();
    await close();
  });

  const serial = () => `SIM-${randomUUID().slice(0, 8)}`;
  const startHolder = (serials: string[], waitUpTo = '1 minute') =>
    client.workflow.start(leaseHolder, { taskQueue: taskQueues.orchestration, workflowId: `test-holder/${randomUUID()}`, args: [{ serials, waitUpTo }] });
  const leaseState = (device: string) => leases.activities.describeDeviceLease({ serial: device });

  async function eventually(what: string, check: (state: DeviceLeaseState) => boolean, device: string): Promise<DeviceLeaseState> {
    for (let attempt = 0; attempt < 150; attempt++) {
      const state = await leaseState(device).catch(() => undefined);
      if (state && check(state)) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${what}: never happened (lease of ${device}: ${JSON.stringify(await leaseState(device).catch(() => null))})`);
  }

  it('grants the device to one run at a time, in the order they asked', async () => {
    const device = serial();
    const first = await startHolder([device]);
    await eventually('first run holds the device', (s) => s.holder?.holderWorkflowId === first.workflowId, device);
    const second = await startHolder([device]);
    await eventually('second run waits', (s) => s.waiting.some((w) => w.holderWorkflowId === second.workflowId), device);

    await first.signal(finishSignal);
    const firstResult = await first.result();
    await eventually('second run holds the device', (s) => s.holder?.holderWorkflowId === second.workflowId, device);
    await second.signal(finishSignal);
    const secondResult = await second.result();

    assert.ok(secondResult.heldAt >= firstResult.heldAt);
    const state = await eventually('lease is free', (s) => s.holder === null, device);
    assert.deepEqual(state.waiting, []);
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
    const lost = await startHolder([device]);
    await eventually('lost run holds the device', (s) => s.holder?.holderWorkflowId === lost.workflowId, device);
    await lost.terminate('simulating a run that vanished without releasing');

    const next = await startHolder([device]);
    await eventually('next run holds the device', (s) => s.holder?.holderWorkflowId === next.workflowId, device);
    await next.signal(finishSignal);
    await next.result();
  });

  it('hands a device over from a holder that ended while another waited, at the waiter\'s next check', async () => {
    const device = serial();
    const lost = await startHolder([device]);
    await eventually('lost run holds the device', (s) => s.holder?.holderWorkflowId === lost.workflowId, device);
    const waiter = await startHolder([device], '10 minutes');
    await eventually('the other run waits', (s) => s.waiting.some((w) => w.holderWorkflowId === waiter.workflowId), device);
    await lost.terminate('simulating a run that vanished without releasing');

    // The check the waiting run makes every minute, made now.
    assert.deepEqual(await leases.activities.checkDeviceLease({ serial: device, request: { holderWorkflowId: waiter.workflowId, purpose: 'waiting' } }), { granted: true });
    await waiter.signal(finishSignal);
    await waiter.result();
    await eventually('the device is free', (s) => s.holder === null && s.waiting.length === 0, device);
  });

  it('leaves a device to the lease workflow that still holds it (a run begun before leases were rows), and takes it once that lets go', async () => {
    const device = serial();
    const queue = `lease-handover-${randomUUID()}`;
    // Its own activities: they count the lease workflows running afresh.
    const handover = await startTestWorker({ taskQueue: queue, workflowsPath: require.resolve('./device-lease.fixture.ts'), activities: createLeaseActivities({ client, prisma: leases.prisma }) });
    try {
      const legacy = await client.workflow.start(deviceLease, { taskQueue: taskQueues.orchestration, workflowId: deviceLeaseWorkflowId(device), args: [{ serial: device }] });
      const before = { holderWorkflowId: `test-holder/${randomUUID()}`, purpose: 'a change begun before' };
      assert.deepEqual(await legacy.executeUpdate(takeLeaseUpdate, { args: [before] }), { granted: true });

      const next = await client.workflow.start(leaseHolder, { taskQueue: queue, workflowId: `test-holder/${randomUUID()}`, args: [{ serials: [device], waitUpTo: '1 minute' }] });
      const waiting = async () => (await legacy.query(leaseStateQuery)).waiting.some((w) => w.holderWorkflowId === next.workflowId);
      for (let attempt = 0; attempt < 150 && !(await waiting()); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(await waiting(), 'the new run waits in the lease workflow');
      assert.equal(await leases.prisma.deviceLease.count({ where: { serial: device } }), 0, 'and holds no row meanwhile');

      await legacy.signal(releaseLeaseSignal, { holderWorkflowId: before.holderWorkflowId });
      await next.signal(finishSignal);
      await next.result();
      const state = await legacy.query(leaseStateQuery);
      assert.deepEqual({ holder: state.holder, waiting: state.waiting }, { holder: null, waiting: [] }, 'given back to the lease workflow');
      await legacy.terminate('test over');
    } finally {
      await handover.stop();
    }
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

  describe('when a run takes free devices', () => {
    it('grants them in the answer to a local activity: no activity task, no signal, no lease workflow', async () => {
      const devices = [serial(), serial()];
      const holder = await startHolder(devices);
      for (const device of devices) await eventually(`holder holds ${device}`, (s) => s.holder?.holderWorkflowId === holder.workflowId, device);
      await holder.signal(finishSignal);
      await holder.result();

      const { EventType } = proto.temporal.api.enums.v1;
      const holderEvents = (await holder.fetchHistory()).events ?? [];
      const signalled = holderEvents.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName);
      assert.deepEqual(signalled, ['finish']);
      assert.equal(holderEvents.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).length, 0);
      const localActivities = holderEvents.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
      assert.equal(localActivities.length, 2, 'one to take both devices, one to give them back');
      for (const device of devices) {
        await assert.rejects(client.workflow.getHandle(deviceLeaseWorkflowId(device)).describe(), WorkflowNotFoundError);
        await eventually(`${device} is free`, (s) => s.holder === null, device);
      }
    });

    it('answers a repeated request (an activity retried) as the first: granted to its holder, queued for another', async () => {
      const { takeDeviceLeases, releaseDeviceLeases } = leases.activities;
      const devices = [serial(), serial()].sort();
      // Runs that hold nothing till told to finish: a holder whose run has closed would be let go.
      const [first, second] = await Promise.all([startHolder([]), startHolder([])]);
      const request = { holderWorkflowId: first.workflowId, purpose: 'test change, asked twice' };
      assert.deepEqual(await takeDeviceLeases({ serials: devices, request }), { granted: devices });
      assert.deepEqual(await takeDeviceLeases({ serials: devices, request }), { granted: devices });

      const other = { holderWorkflowId: second.workflowId, purpose: 'test change, behind' };
      assert.deepEqual(await takeDeviceLeases({ serials: devices, request: other }), { granted: [] });
      assert.deepEqual(await takeDeviceLeases({ serials: devices, request: other }), { granted: [] });
      const state = await leaseState(devices[0]!);
      assert.equal(state.holder?.holderWorkflowId, request.holderWorkflowId);
      assert.deepEqual(state.waiting.map((w) => w.holderWorkflowId), [other.holderWorkflowId]);
      // The second device was not asked for: the first busy one stops the request there.
      assert.deepEqual((await leaseState(devices[1]!)).waiting, []);
      await releaseDeviceLeases({ serials: devices, holderWorkflowId: other.holderWorkflowId });
      await releaseDeviceLeases({ serials: devices, holderWorkflowId: request.holderWorkflowId });
      for (const device of devices) assert.deepEqual(await leaseState(device), { serial: device, holder: null, waiting: [] });
      await Promise.all([first, second].map(async (run) => {
        await run.signal(finishSignal);
        await run.result();
      }));
    });
  });
});
