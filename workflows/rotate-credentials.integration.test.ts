// Rotating a device's credentials end to end: the API starts rotateCredentials, the worker pushes
// a new login user to a simulated box over real NETCONF/SSH, logs in with it, adopts it into the
// device's own profile and removes the old user; a login the box refuses is undone; a rollback to a
// version from before a rotation keeps the login rotated to.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DeviceError } from '../activities/devices/errors.ts';
import { NetconfSession } from '../activities/devices/netconf/session.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { credentialsBox, deviceCredentials } from '../inventory/credentials.ts';
import { grantRma, openRma } from '../inventory/rma.ts';
import { seedDemo } from '../prisma/seed.ts';
import { labCredentials, startLab, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, eventually, recordHistory, testServices, type TestDatabase } from '../scripts/testing.ts';
import { taskQueues } from '../domain/task-queues.ts';
import type { adoptConfiguration } from './adopt-configuration.ts';
import { deviceConfigurationWorkflowId } from './device-configuration.messages.ts';
import { credentialRotationWorkflowId } from './rotate-credentials.messages.ts';
import { configVersionWithContent } from '../inventory/config-history.ts';

interface Rotation {
  execution: string; state: string; error: string | null; previousUsername: string | null; newUsername: string | null;
  steps: { name: string; status: string; detail?: string }[];
}

const netconfPort = 33830;

describe('credential rotation', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let deviceId: string;
  const box = () => [...lab.fleet.devices.values()][0]!;

  /** Asks for a rotation (with an Idempotency-Key, when given), as a client of the API does. */
  async function ask(idempotencyKey?: string) {
    const response = await fetch(`${lab.apiUrl}/api/v1/devices/${deviceId}/credential-rotation`, {
      method: 'POST', body: '{}',
      headers: { cookie: lab.adminCookie, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    });
    return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as { runId: string; progressUrl: string } };
  }

  async function rotate(idempotencyKey?: string): Promise<Rotation & { runId: string }> {
    const started = await ask(idempotencyKey);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const until = Date.now() + 120_000;
    for (;;) {
      const { body } = await lab.api<Rotation & { runId: string }>('GET', started.body.progressUrl);
      if (body.execution && body.execution !== 'RUNNING') return body;
      if (Date.now() > until) assert.fail(`the rotation did not end: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Whether the box lets this login in, over a fresh SSH connection. */
  async function logsIn(username: string, password: string): Promise<boolean> {
    try {
      const session = await NetconfSession.connect({ host: box().identity.address, port: netconfPort, username, password });
      await session.close();
      return true;
    } catch (error) {
      if (error instanceof DeviceError && error.kind === 'auth') return false;
      throw error;
    }
  }

  const onRecord = async () => deviceCredentials(lab.prisma, credentialsBox(lab.secretsKey), deviceId);
  const branchlineUsers = () => box().configuredLogins().filter((user) => user.name.startsWith(labCredentials.username));
  const faults = (change: object) => fetch(`${lab.fleet.controlUrl}/devices/${box().serial}/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change),
  });

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-300'], baseAddress: '127.58.0.1', snmpPort: 33161, netconfPort,
      worker: 'in-process', phoneHome: false, logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs'),
    });
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    deviceId = (await database.prisma.device.findFirstOrThrow({ where: { serial: box().serial } })).id;
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('refuses a request it cannot read, and for a device nobody can see', async () => {
    const bad = await lab.api<{ status: number; errors: { path: string }[] }>('POST', `/api/v1/devices/${deviceId}/credential-rotation`, { ticket: '!' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.path), ['ticket']);
    assert.equal((await lab.api('POST', '/api/v1/devices/0193a7c2-0000-7000-8000-000000000001/credential-rotation', {})).status, 404);
    assert.equal(await database.prisma.runSummary.count({ where: { kind: 'credential_rotation' } }), 0);
  });

  it('undoes a new login the device refuses: the new user removed, the old credentials on record and working', async () => {
    await faults({ refuseConfiguredLogins: true });
    try {
      const rotation = await rotate();
      assert.equal(rotation.execution, 'FAILED', JSON.stringify(rotation));
      assert.equal(rotation.state, 'rolled_back');
      assert.match(rotation.error!, /refused the credentials of branchline-rot-\w+\. The new login branchline-rot-\w+ was removed; branchline stays on record\./);
      assert.deepEqual(rotation.steps.map((s) => [s.name, s.status]), [
        ['generate', 'compensated'], ['add', 'compensated'], ['verify', 'failed'], ['adopt', 'pending'], ['retire', 'pending'], ['check', 'pending'],
      ]);
      const failure = await lab.client.workflow.getHandle(credentialRotationWorkflowId(deviceId)).result().catch((error: unknown) => error);
      assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure);
      assert.equal(failure.cause.type, failureTypes.credentialRotationFailed);
      await recordHistory(lab.client, credentialRotationWorkflowId(deviceId), 'rotate-credentials-rolled-back');
    } finally {
      await faults({ refuseConfiguredLogins: false });
    }
    assert.deepEqual(box().configuredLogins(), [], 'nothing of the new login is left on the device');
    assert.equal(await onRecord(), undefined, 'the device still uses the fleet credentials');
    assert.ok(await logsIn(labCredentials.username, labCredentials.password));
    const rotations = await database.prisma.credentialRotation.findMany({ where: { deviceId } });
    assert.deepEqual(rotations.map((r) => r.status), ['abandoned']);
  });

  it('rotates the fleet login to a login user of the device\'s own, then that one to the next, the old one removed', async () => {
    const first = await rotate('rotation-1');
    assert.equal(first.execution, 'COMPLETED', JSON.stringify(first));
    const again = await ask('rotation-1');
    assert.deepEqual([again.status, again.replayed, again.body.runId], [202, 'true', first.runId], 'the same request with its key gets the first answer back');
    assert.deepEqual(first.steps.map((s) => s.status), ['completed', 'completed', 'completed', 'completed', 'completed', 'completed']);
    assert.match(first.steps.find((s) => s.name === 'retire')!.detail!, /initial account/);
    const firstLogin = (await onRecord())!;
    assert.equal(firstLogin.username, first.newUsername);
    assert.match(firstLogin.username, /^branchline-rot-[a-z0-9]{6}$/);
    assert.ok(await logsIn(firstLogin.username, firstLogin.password));
    const device = await database.prisma.device.findUniqueOrThrow({ where: { id: deviceId }, include: { credentialProfile: true } });
    assert.ok(device.credentialProfile, 'the device has a profile of its own');
    assert.match(device.credentialProfile.netconfPassword!, /^v1:/, 'sealed');
    assert.deepEqual(branchlineUsers().map((u) => u.name), [firstLogin.username]);
    assert.match(branchlineUsers()[0]!.encryptedPassword!, /^\$6\$/);

    const second = await rotate();
    assert.equal(second.execution, 'COMPLETED', JSON.stringify(second));
    assert.equal(second.previousUsername, firstLogin.username);
    const secondLogin = (await onRecord())!;
    assert.notEqual(secondLogin.username, firstLogin.username);
    assert.equal(second.steps.find((s) => s.name === 'retire')!.detail, `removed ${firstLogin.username}`);
    assert.equal(await logsIn(firstLogin.username, firstLogin.password), false, 'the old login no longer gets in');
    assert.ok(await logsIn(secondLogin.username, secondLogin.password));
    assert.deepEqual(branchlineUsers().map((u) => u.name), [secondLogin.username], 'exactly one Branchline login user');
    const profile = await database.prisma.device.findUniqueOrThrow({ where: { id: deviceId }, select: { credentialProfileId: true } });
    assert.equal(profile.credentialProfileId, device.credentialProfileId, 'the device\'s own profile took the new login');
    await recordHistory(lab.client, credentialRotationWorkflowId(deviceId), 'rotate-credentials');

    // Histories, configuration versions and the audit name the secrets, never hold them.
    const history = JSON.stringify(await lab.client.workflow.getHandle(credentialRotationWorkflowId(deviceId)).fetchHistory());
    const versions = JSON.stringify(await database.prisma.configVersion.findMany({ where: { deviceId } }));
    const audit = JSON.stringify(await database.prisma.auditEntry.findMany({ where: { objectId: deviceId } }));
    const hash = branchlineUsers()[0]!.encryptedPassword!;
    for (const secret of [firstLogin.password, secondLogin.password, hash]) {
      assert.ok(!history.includes(secret) && !versions.includes(secret) && !audit.includes(secret), 'a secret was written down');
    }
    assert.match(versions, /\$secret\{credential-rotation\//);
    assert.match(audit, /device\.credentials\.rotate/);
    const runs = await database.prisma.runSummary.findMany({ where: { kind: 'credential_rotation' }, orderBy: { startedAt: 'asc' } });
    assert.deepEqual(runs.map((r) => r.status), ['completed']); // one workflow id: its summary follows its latest run
  });

  it('rolls back to a version from before a rotation keeping the login it rotated to: Branchline still logs in, the rest is the old version', async () => {
    const control = (path: string, body: object) => fetch(`${lab.fleet.controlUrl}/devices/${box().serial}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const handEdit = async (configuration: string) => assert.equal((await control('/config/hand-edit', { user: 'installer', configuration })).status, 200);
    const withoutLogins = (content: string) => content.replace(/<login>[\s\S]*<\/login>/, '');
    // The version to come back to: the login of an earlier rotation, and a host name of its own.
    await handEdit('<configuration><system><host-name>depot-before-rotation</host-name></system></configuration>');
    await lab.client.workflow.execute<typeof adoptConfiguration>('adoptConfiguration', {
      workflowId: deviceConfigurationWorkflowId(deviceId), taskQueue: taskQueues.orchestration, args: [{ deviceId }],
    });
    const latest = await database.prisma.configVersion.findFirstOrThrow({ where: { deviceId }, orderBy: { version: 'desc' } });
    const before = (await configVersionWithContent(database.prisma, deviceId, latest.version))!;
    const loginBefore = (await onRecord())!;
    assert.match(before.content, new RegExp(`<name>${loginBefore.username}</name>`), 'the version names the login of its day');

    const rotation = await rotate();
    assert.equal(rotation.execution, 'COMPLETED', JSON.stringify(rotation));
    const rotated = (await onRecord())!;
    await handEdit('<configuration><system><domain-name>after-rotation.example</domain-name></system></configuration>');

    const started = await lab.api<{ progressUrl: string }>('POST', `/api/v1/devices/${deviceId}/config-versions/${before.version}/rollback`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const run = await eventually('the rollback did not end', async () => (await lab.api<{ execution: string; recordedVersion: number | null }>('GET', started.body.progressUrl)).body,
      (r) => !!r.execution && r.execution !== 'RUNNING', 120_000);
    assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));

    assert.ok(await logsIn(rotated.username, rotated.password), 'Branchline still logs in with the login it rotated to');
    assert.equal(await logsIn(loginBefore.username, loginBefore.password), false, 'the login rotated away stays away');
    assert.deepEqual(branchlineUsers().map((u) => u.name), [rotated.username]);
    const restored = (await configVersionWithContent(database.prisma, deviceId, run.recordedVersion!))!;
    assert.deepEqual([restored.source, restored.restoredVersion], ['rollback', before.version]);
    assert.doesNotMatch(restored.content, /after-rotation\.example/);
    assert.equal(withoutLogins(restored.content), withoutLogins(before.content), 'everything but the accounts is the old version');
  });

  it('reaches a replacement box with the credentials it comes with, not the login rotated on the failed one', async () => {
    const rotated = await database.prisma.device.findUniqueOrThrow({ where: { id: deviceId }, select: { credentialProfileId: true, serial: true, model: true } });
    assert.ok(rotated.credentialProfileId, 'the device logs in with its rotated login');
    await openRma(database.prisma, { rmaId: '0197a000-0000-7000-8000-000000000001', deviceId, workflowId: null });
    await grantRma(database.prisma, { rmaId: '0197a000-0000-7000-8000-000000000001', deviceId, newSerial: 'BLS9999999', newModel: rotated.model, activationCodeHash: 'a'.repeat(64), configVersion: 1, farTunnels: [] });
    const replaced = await database.prisma.device.findUniqueOrThrow({ where: { id: deviceId }, select: { credentialProfileId: true } });
    assert.equal(replaced.credentialProfileId, null, 'the tenant\'s default, else the fleet\'s, as a factory-fresh box knows');
  });
});
