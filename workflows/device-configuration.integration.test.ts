// A device's configuration history, rollback and drift, end to end against a simulated Junos box
// over real NETCONF/SSH: versions listed and diffed through the API; a rollback that ends byte for
// byte on the version's configuration and is recorded as a new version; a change made by hand at
// the box found by the scheduled reconciliation, raised as an alarm, then re-applied or adopted,
// each step an event (config.drift.detected, …reapplied, …adopted) on the server-sent stream.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alarmTypes } from '../domain/alarm-types.ts';
import { seedDemo } from '../prisma/seed.ts';
import { ensureDriftSchedule } from '../scripts/drift-schedule.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, eventually, recordHistory, testServices, type TestDatabase } from '../scripts/testing.ts';
import { driftScheduleId } from './reconcile-drift.messages.ts';
import { deviceConfigurationWorkflowId } from './device-configuration.messages.ts';
import type { adoptConfiguration } from './adopt-configuration.ts';
import { taskQueues } from '../domain/task-queues.ts';

interface Run { execution: string; state: string; error: string | null; recordedVersion: number | null; steps: { name: string; status: string }[] }
interface Drift { state: string; diff: string; changedBy: string | null; changedAt: string | null; comparedVersion: number }

const intervalSeconds = 2;

describe('device configuration history, rollback and drift', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let deviceId: string;
  const box = () => [...lab.fleet.devices.values()][0]!;
  const control = (path: string, init?: RequestInit) => fetch(`${lab.fleet.controlUrl}/devices/${box().serial}${path}`, init);
  const runningOnBox = async () => (await control('/config')).text();

  /** Someone at the box's CLI merges this and commits, as `user`. */
  async function handEdit(user: string, system: string) {
    const response = await control('/config/hand-edit', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, configuration: `<configuration><system>${system}</system></configuration>` }),
    });
    assert.equal(response.status, 200, await response.text());
  }

  async function finished(started: { status: number; body: unknown }): Promise<Run> {
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const { progressUrl } = started.body as { progressUrl: string };
    return eventually('the run did not end', async () => (await lab.api<Run>('GET', progressUrl)).body, (run) => !!run.execution && run.execution !== 'RUNNING', 60_000);
  }

  /** A version of what the device runs now, as adoption makes it (setting the history up without the API's drift check). */
  async function adoptDirectly(): Promise<void> {
    const handle = await lab.client.workflow.start<typeof adoptConfiguration>('adoptConfiguration', {
      workflowId: deviceConfigurationWorkflowId(deviceId), taskQueue: taskQueues.orchestration, args: [{ deviceId }],
    });
    await handle.result();
  }

  /** The drift events on the server-sent stream (replayed from the first event on), as `type changedBy`. */
  async function driftEvents(expected: number): Promise<string[]> {
    let text = '';
    const seen = () => [...text.matchAll(/event: (config\.drift\.\w+)\ndata: (.*)/g)].map(([, type, data]) => `${type} ${(JSON.parse(data!) as { data: { changedBy?: string } }).data.changedBy ?? ''}`.trim());
    try {
      const response = await fetch(`${lab.apiUrl}/api/v1/events`, { headers: { cookie: lab.adminCookie, 'last-event-id': '00000000-0000-7000-8000-000000000000' }, signal: AbortSignal.timeout(5000) });
      const reader = response.body!.getReader();
      while (seen().length < expected) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
    } catch {
      // timed out: the assertion says what was missing
    }
    return seen();
  }

  const drift = async () => (await lab.api<Drift>('GET', `/api/v1/devices/${deviceId}/drift`)).body;
  const activeDriftAlarms = () => lab.prisma.alarm.count({ where: { deviceId, type: alarmTypes.configurationDrift, state: { not: 'cleared' } } });

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-300'], baseAddress: '127.130.0.1', snmpPort: 38161, netconfPort: 38830,
      worker: 'in-process', phoneHome: false, logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs'),
    });
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    deviceId = (await database.prisma.device.findFirstOrThrow({ where: { serial: box().serial } })).id;
  });

  after(async () => {
    await lab?.client.schedule.getHandle(driftScheduleId).delete().catch(() => undefined);
    await lab?.stop();
    await database?.drop();
  });

  it('lists the versions newest first, shows each, and diffs any two', async () => {
    await handEdit('installer', '<host-name>depot-original</host-name>');
    await adoptDirectly();
    await handEdit('alice', '<host-name>depot-renamed</host-name>');
    await adoptDirectly();
    const list = await lab.api<{ items: { version: number; source: string; sha256: string; workflowId: string }[]; nextBefore: number | null }>('GET', `/api/v1/devices/${deviceId}/config-versions?limit=1`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((v) => [v.version, v.source, v.workflowId]), [[2, 'manual', deviceConfigurationWorkflowId(deviceId)]]);
    assert.equal(list.body.nextBefore, 2);
    const older = await lab.api<{ items: { version: number }[]; nextBefore: number | null }>('GET', `/api/v1/devices/${deviceId}/config-versions?limit=1&before=2`);
    assert.deepEqual([older.body.items.map((v) => v.version), older.body.nextBefore], [[1], null]);
    const second = await lab.api<{ content: string; sha256: string }>('GET', `/api/v1/devices/${deviceId}/config-versions/2`);
    assert.match(second.body.content, /<host-name>depot-renamed<\/host-name>/);
    assert.equal(second.body.sha256, list.body.items[0]!.sha256);
    const diff = await lab.api<{ diff: string }>('GET', `/api/v1/devices/${deviceId}/config-versions/diff?from=1&to=2`);
    const changed = diff.body.diff.split('\n').filter((line) => /^[+-]/.test(line));
    assert.equal(changed.length, 2, diff.body.diff);
    assert.match(changed[0]!, /^- +<host-name>depot-original<\/host-name>$/);
    assert.match(changed[1]!, /^\+ +<host-name>depot-renamed<\/host-name>$/);
    assert.equal((await lab.api('GET', `/api/v1/devices/${deviceId}/config-versions/9`)).status, 404);
    assert.equal((await lab.api('GET', `/api/v1/devices/${deviceId}/config-versions/diff?from=1&to=x`)).status, 400);
  });

  it('refuses a rollback to a version not on record, or of a device out of service, and starts nothing', async () => {
    const unknown = await lab.api<{ errors: { path: string }[] }>('POST', `/api/v1/devices/${deviceId}/config-versions/99/rollback`, {});
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.errors.map((e) => e.path), ['version']);
    await lab.prisma.device.update({ where: { id: deviceId }, data: { status: 'offline' } });
    try {
      assert.equal((await lab.api('POST', `/api/v1/devices/${deviceId}/config-versions/1/rollback`, {})).status, 409);
    } finally {
      await lab.prisma.device.update({ where: { id: deviceId }, data: { status: 'online' } });
    }
    assert.equal((await lab.api('POST', `/api/v1/devices/${deviceId}/drift/re-apply`, {})).status, 409, 'nothing to re-apply before any drift');
    assert.equal(await lab.prisma.runSummary.count({ where: { kind: 'config_rollback' } }), 0);
  });

  it('rolls a device back to an earlier version, byte for byte, recorded as a new version that says so', async () => {
    const first = await lab.prisma.configVersion.findUniqueOrThrow({ where: { deviceId_version: { deviceId, version: 1 } } });
    const run = await finished(await lab.api('POST', `/api/v1/devices/${deviceId}/config-versions/1/rollback`, {}));
    assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));
    assert.equal(run.recordedVersion, 3);
    const third = await lab.prisma.configVersion.findUniqueOrThrow({ where: { deviceId_version: { deviceId, version: 3 } } });
    assert.deepEqual([third.source, third.restoredVersion], ['rollback', 1]);
    assert.equal(third.content, first.content, 'the device runs version 1 again, byte for byte');
    assert.equal(third.sha256, first.sha256);
    assert.equal((await drift()).state, 'in_sync');
    await recordHistory(lab.client, deviceConfigurationWorkflowId(deviceId), 'restore-configuration-rollback');
  });

  it('finds a change made by hand within an interval, raises an alarm, and re-applies Branchline\'s version', async () => {
    const intended = await runningOnBox();
    await ensureDriftSchedule(lab.client, intervalSeconds);
    assert.deepEqual(await ensureDriftSchedule(lab.client, intervalSeconds), { created: false }, 'a second worker finds the schedule made');
    await handEdit('alice', '<domain-name>branch.example</domain-name>');
    const found = await eventually('no drift seen', drift, (d) => d.state === 'drifted', (intervalSeconds * 2 + 10) * 1000);
    assert.equal(found.changedBy, 'alice');
    assert.ok(found.changedAt);
    assert.match(found.diff, /^\+ +<domain-name>branch\.example<\/domain-name>$/m);
    // The alarm is raised just after the drift is recorded.
    await eventually('no drift alarm', activeDriftAlarms, (n) => n === 1, 10_000);
    const listed = await lab.api<{ items: { deviceId: string }[] }>('GET', '/api/v1/drift');
    assert.deepEqual(listed.body.items.map((d) => d.deviceId), [deviceId]);

    const run = await finished(await lab.api('POST', `/api/v1/devices/${deviceId}/drift/re-apply`, {}));
    assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));
    assert.equal(run.recordedVersion, 3, 're-applying records no new version');
    assert.equal(await runningOnBox(), intended);
    assert.equal((await drift()).state, 'in_sync');
    assert.equal(await activeDriftAlarms(), 0);
    assert.deepEqual(await driftEvents(2), ['config.drift.detected alice', 'config.drift.reapplied']);
  });

  it('adopts a change made by hand as a new version, and clears the alarm', async () => {
    await handEdit('bob', '<domain-name>adopted.example</domain-name>');
    await eventually('no drift seen', drift, (d) => d.state === 'drifted' && d.changedBy === 'bob', (intervalSeconds * 2 + 10) * 1000);
    await eventually('no drift alarm', activeDriftAlarms, (n) => n === 1, 10_000);
    const run = await finished(await lab.api('POST', `/api/v1/devices/${deviceId}/drift/adopt`, {}));
    assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));
    assert.equal(run.recordedVersion, 4);
    const adopted = await lab.prisma.configVersion.findUniqueOrThrow({ where: { deviceId_version: { deviceId, version: 4 } } });
    assert.equal(adopted.source, 'manual');
    assert.match(adopted.content!, /<domain-name>adopted\.example<\/domain-name>/);
    assert.equal((await drift()).state, 'in_sync');
    assert.equal(await activeDriftAlarms(), 0);
    assert.equal((await lab.api<{ items: unknown[] }>('GET', '/api/v1/drift')).body.items.length, 0);
    assert.deepEqual(await driftEvents(4), ['config.drift.detected alice', 'config.drift.reapplied', 'config.drift.detected bob', 'config.drift.adopted']);
    await recordHistory(lab.client, deviceConfigurationWorkflowId(deviceId), 'adopt-configuration');
  });
});
