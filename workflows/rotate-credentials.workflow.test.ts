// Credential rotation on the real Temporal server, with the inventory and the box stood in for by
// activities that record what they were asked: what is pushed, when the new login is adopted, and
// what is undone when it does not work.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { RotationPrepared } from '../activities/credentials.ts';
import { connectTestClient, startTestWorker, withChangesInTurn, createTestLeases } from '../scripts/testing.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { rotateCredentials } from './rotate-credentials.ts';
import { credentialRotationProgressQuery } from './rotate-credentials.messages.ts';

const require = createRequire(import.meta.url);

describe('rotateCredentials', () => {
  let client: Client;
  let close: () => Promise<void>;
  const workers: { stop(): Promise<void> }[] = [];
  let leases: Awaited<ReturnType<typeof createTestLeases>>;
  /** What each device's run asked, by device id: activity and what it said. */
  const calls = new Map<string, { activity: string; input: Record<string, unknown> }[]>();
  /** How each device answers: its configured login users, and whether it refuses a login or a push. */
  const boxes = new Map<string, { users: string[]; refusesLogin?: boolean; refusesRetire?: boolean; platform?: string }>();
  const record = (deviceId: string, activity: string, input: object) => calls.set(deviceId, [...(calls.get(deviceId) ?? []), { activity, input: input as Record<string, unknown> }]);
  const asked = (deviceId: string) => (calls.get(deviceId) ?? []).map((call) => call.activity);
  const rotationDevice = new Map<string, string>();

  before(async () => {
    ({ client, close } = await connectTestClient());
    leases = await createTestLeases(client);
    workers.push(await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath: require.resolve('./index.ts'),
      activities: {
        ...leases.activities,
        async loadDeviceTarget({ deviceId }: { deviceId: string }) {
          const target: DeviceTarget = { deviceId, serial: `SIM-${deviceId.slice(0, 8)}`, platform: boxes.get(deviceId)?.platform ?? 'junos', host: '127.16.0.9', netconfPort: 830, snmpPort: 161 };
          return { hostname: 'ghent-depot-01', siteId: randomUUID(), tenantId: randomUUID(), model: 'SRX-SIM-300', target };
        },
        recordRun: async () => undefined,
        closeRun: async () => undefined,
        async prepareCredentialRotation(input: { deviceId: string }): Promise<RotationPrepared> {
          record(input.deviceId, 'prepare', input);
          const rotationId = randomUUID();
          rotationDevice.set(rotationId, input.deviceId);
          return { rotationId, previousUsername: 'branchline-rot-aaaaaa', newUsername: 'branchline-rot-bbbbbb', authentication: 'encrypted-password' };
        },
        async adoptRotatedCredentials(input: { rotationId: string }) {
          record(rotationDevice.get(input.rotationId)!, 'adopt', input);
          return { profileId: randomUUID(), createdProfile: false };
        },
        async abandonCredentialRotation(input: { rotationId: string }) {
          record(rotationDevice.get(input.rotationId)!, 'abandon', input);
        },
      },
    }));
    workers.push(await startTestWorker({
      taskQueue: taskQueues.devices,
      activities: withChangesInTurn({
        async applyConfiguration(input: { target: DeviceTarget; config: string; persist: string }) {
          record(input.target.deviceId, 'push', input);
          if (input.persist.endsWith('/retire') && boxes.get(input.target.deviceId)?.refusesRetire) {
            throw ApplicationFailure.nonRetryable('the device refused the change', 'DeviceRejected');
          }
          return { changed: true };
        },
        async recordConfiguration() {
          return { version: 2 };
        },
        async verifyLogin(input: { target: DeviceTarget }) {
          record(input.target.deviceId, 'verify', input);
          if (boxes.get(input.target.deviceId)?.refusesLogin) throw ApplicationFailure.nonRetryable('127.16.0.9:830 refused the credentials of branchline-rot-bbbbbb', 'DeviceAuthFailed');
          return { hostName: 'ghent-depot-01' };
        },
        async readLoginUsers(input: { target: DeviceTarget }) {
          record(input.target.deviceId, 'read-users', input);
          return boxes.get(input.target.deviceId)?.users ?? [];
        },
      }),
    }));
  });
  after(async () => {
    for (const worker of workers) await worker.stop();
    await leases.drop();
    await close();
  });

  const start = (deviceId: string, box: { users: string[]; refusesLogin?: boolean; refusesRetire?: boolean; platform?: string }) => {
    boxes.set(deviceId, box);
    return client.workflow.start(rotateCredentials, { taskQueue: taskQueues.orchestration, workflowId: `test-credential-rotation/${deviceId}`, args: [{ deviceId }] });
  };
  const pushed = (deviceId: string) => (calls.get(deviceId) ?? []).filter((call) => call.activity === 'push').map((call) => call.input['config'] as string);

  async function failure(result: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await result.then(() => assert.fail('the run should have failed'), (e: unknown) => e);
    assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure, String(error));
    return error.cause;
  }

  it('adds the new user by reference to its secret, logs in, adopts it, then removes the old user and earlier ones of its lineage, not others', async () => {
    const deviceId = randomUUID();
    const handle = await start(deviceId, { users: ['branchline', 'branchline-rot-aaaaaa', 'branchline-rot-bbbbbb', 'ops'] });
    const result = await handle.result();
    assert.deepEqual(result.retired, ['branchline', 'branchline-rot-aaaaaa']);
    assert.deepEqual(asked(deviceId), ['prepare', 'push', 'verify', 'adopt', 'read-users', 'push', 'verify']);
    const [add, retire] = pushed(deviceId);
    assert.match(add!, /<name>branchline-rot-bbbbbb<\/name><class>super-user<\/class><authentication nc:operation="replace"><encrypted-password>\$secret\{credential-rotation\/[0-9a-f-]{36}\}<\/encrypted-password>/);
    assert.match(retire!, /<user nc:operation="remove"><name>branchline<\/name><\/user><user nc:operation="remove"><name>branchline-rot-aaaaaa<\/name><\/user><\/login>/);
    const progress = await handle.query(credentialRotationProgressQuery);
    assert.deepEqual([progress.state, progress.previousUsername, progress.newUsername], ['completed', 'branchline-rot-aaaaaa', 'branchline-rot-bbbbbb']);
  });

  it('when the device refuses the new login, removes the new user, sets the login aside and fails typed, adopting nothing', async () => {
    const deviceId = randomUUID();
    const handle = await start(deviceId, { users: ['branchline-rot-aaaaaa'], refusesLogin: true });
    const refused = await failure(handle.result());
    assert.equal(refused.type, 'CredentialRotationFailed');
    assert.match(refused.message, /refused the credentials of branchline-rot-bbbbbb\. The new login branchline-rot-bbbbbb was removed; branchline-rot-aaaaaa stays on record\./);
    assert.deepEqual(asked(deviceId), ['prepare', 'push', 'verify', 'push', 'abandon']);
    assert.match(pushed(deviceId)[1]!, /<user nc:operation="remove"><name>branchline-rot-bbbbbb<\/name><\/user>/);
    assert.equal((await handle.query(credentialRotationProgressQuery)).state, 'rolled_back');
  });

  it('keeps the adopted login when the old user cannot be removed, and says so', async () => {
    const deviceId = randomUUID();
    const handle = await start(deviceId, { users: ['branchline-rot-aaaaaa'], refusesRetire: true });
    const failed = await failure(handle.result());
    assert.equal(failed.type, 'DeviceRejected');
    assert.deepEqual(asked(deviceId), ['prepare', 'push', 'verify', 'adopt', 'read-users', 'push']);
    const progress = await handle.query(credentialRotationProgressQuery);
    assert.equal(progress.state, 'failed');
    assert.equal(progress.error, 'the device refused the change. The new login branchline-rot-bbbbbb is on record and in use; branchline-rot-aaaaaa may still be configured (the next rotation removes it).');
    assert.equal(progress.steps.find((s) => s.name === 'retire')?.status, 'failed');
  });

  it('refuses a platform it has no configuration templates for, before generating anything', async () => {
    const deviceId = randomUUID();
    const refused = await failure((await start(deviceId, { users: [], platform: 'netconf' })).result());
    assert.equal(refused.type, 'UnknownPlatform');
    assert.deepEqual(asked(deviceId), []);
  });
});
