// The telemetry pollers against real parts: Temporal's dev server, PostgreSQL, simulated SRXs
// answering JUNIPER-RPM-MIB over SNMP, and two worker processes. A stand-in registered here plays
// each site's steering workflow (`sla/<siteId>`) and keeps what it was signalled.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { createSteeredSites, probingBoxes, type SteeredSite } from '../scripts/steered-sites.ts';
import { createTestDatabase, installQuietRuntime, testServices, type TestDatabase } from '../scripts/testing.ts';
import { slaPresets, violatesSla } from '../domain/sla.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { slaSteeringWorkflowId } from './sla-steering.messages.ts';
import { telemetryDefaults, telemetryWorkflowId } from './run-telemetry.messages.ts';
import type { runTelemetry } from './run-telemetry.ts';
import { recordedEvaluationsQuery, type recordSlaEvaluations, type RecordedEvaluation } from './sla-evaluation-recorder.fixture.ts';

const require = createRequire(import.meta.url);
const steeringQueue = `telemetry-test-steering-${randomUUID()}`;

async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('telemetry pollers', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let sites: SteeredSite[];
  let steering: Worker;
  let steeringRun: Promise<void>;
  let steeringConnection: NativeConnection;

  const recorded = (site: SteeredSite) => lab.client.workflow.getHandle(slaSteeringWorkflowId(site.siteId)).query(recordedEvaluationsQuery);
  const violations = (records: RecordedEvaluation[]) => records.map((r) => r.evaluation.violations['junos:SIP']);
  const impair = async (site: SteeredSite, link: string, shape: object) => {
    const response = await fetch(`${lab.fleet.controlUrl}/devices/${site.serial}/links/${link}/impairment`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shape) });
    assert.equal(response.status, 200);
  };
  const shard = async () => {
    const description = await lab.client.workflow.getHandle(telemetryWorkflowId).describe();
    return description.raw.pendingActivities?.[0];
  };

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-300', 'SRX-SIM-300'], phoneHome: false,
      baseAddress: '127.61.0.1', snmpPort: 36161, netconfPort: 36830, worker: 'process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', 'telemetry'),
    });
    await lab.startWorker(); // a second worker, to take the shard over
    sites = await createSteeredSites(database.prisma, probingBoxes(lab.fleet), tenantId, { namePrefix: 'Kiosk' });
    installQuietRuntime();
    steeringConnection = await NativeConnection.connect({ address: temporalAddress });
    steering = await Worker.create({
      connection: steeringConnection, namespace,
      taskQueue: steeringQueue, workflowsPath: require.resolve('./sla-evaluation-recorder.fixture.ts'),
    });
    steeringRun = steering.run();
    // Only the first site is steered: the second's evaluations find no workflow and wait.
    await lab.client.workflow.start<typeof recordSlaEvaluations>('recordSlaEvaluations', { workflowId: slaSteeringWorkflowId(sites[0]!.siteId), taskQueue: steeringQueue });
    await lab.client.workflow.start<typeof runTelemetry>('runTelemetry', {
      workflowId: telemetryWorkflowId, taskQueue: taskQueues.orchestration,
      args: [{ ...telemetryDefaults, shards: 1, probeIntervalMs: 1_000, windowSamples: 3, leaseMs: 600_000, inventoryRefreshMs: 5_000 }],
    });
  });

  after(async () => {
    await lab?.client.workflow.getHandle(telemetryWorkflowId).terminate('test over').catch(() => undefined);
    await lab?.client.workflow.getHandle(slaSteeringWorkflowId(sites[0]!.siteId)).terminate('test over').catch(() => undefined);
    steering?.shutdown();
    await steeringRun;
    // An open connection keeps the test's process alive after its last test.
    await steeringConnection?.close();
    await lab?.stop();
    await database?.drop();
  });

  it('signals nothing while every link is healthy', async () => {
    await eventually('the shard polling', async () => ((await shard())?.heartbeatDetails ? 'beating' : 'not yet'), (state) => state === 'beating');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.deepEqual(await recorded(sites[0]!), []);
  });

  it('signals a degraded link once, and not again while nothing changes', async () => {
    const impairedAt = Date.now();
    await impair(sites[0]!, 'wan0', { shape: 'step', to: { latencyMs: 300 } });
    await impair(sites[1]!, 'wan0', { shape: 'step', to: { latencyMs: 300 } });
    const records = await eventually('the violation signalled', () => recorded(sites[0]!), (r) => r.length > 0);
    assert.deepEqual(violations(records), [['wan0']]);
    const [first] = records;
    assert.equal(first!.evaluation.deviceSerial, sites[0]!.serial);
    assert.ok(Date.parse(first!.evaluation.changedAt) >= impairedAt - 1_000, 'dated from the first sample showing it');
    // A test the step fell in the middle of shows it first as jitter, then as round trip.
    const measured = first!.evaluation.links.find((l) => l.link === 'wan0')!.measured!;
    assert.ok(violatesSla(slaPresets.baseline, measured), JSON.stringify(measured));
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.equal((await recorded(sites[0]!)).length, 1, 'not signalled again');
  });

  it('when the shard\'s worker is killed, another worker resumes it from its heartbeat: nothing missed, nothing signalled twice', async () => {
    const running = await shard();
    const pid = Number(/^(\d+)@/.exec(running!.lastWorkerIdentity ?? '')?.[1]);
    assert.ok(lab.workerPids().includes(pid), `the shard runs on a lab worker (${running!.lastWorkerIdentity})`);
    const killedAt = Date.now();
    await lab.killWorker(pid);
    // While no worker polls the shard, another link degrades.
    await impair(sites[0]!, 'wan1', { shape: 'step', to: { lossPermille: 200 } });
    const records = await eventually('the new violation signalled after the resume', () => recorded(sites[0]!), (r) => r.length > 1, 120_000);
    assert.deepEqual(violations(records), [['wan0'], ['wan0', 'wan1']], `the new violation, and the old one not again: ${JSON.stringify(records.map((r) => ({ ...r, killedAt })))}`);
    const resumed = await shard();
    assert.ok((resumed!.attempt ?? 0) >= 2, 'the same shard activity, retried');
    assert.notEqual(resumed!.lastWorkerIdentity, running!.lastWorkerIdentity);
    const progress = (await lab.client.workflow.getHandle(telemetryWorkflowId).describe()).raw.pendingActivities?.[0]?.heartbeatDetails;
    assert.ok(progress, 'the resumed shard beats');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await recorded(sites[0]!)).length, 2, 'not signalled again');
  });

  it('writes per-link rollups the API answers', async () => {
    const site = sites[0]!;
    const path = (link: string, query: string) => `/api/v1/sites/${site.siteId}/wan-links/${link}/metrics?${query}`;
    const from = new Date(Date.now() - 3_600_000).toISOString();
    type Metrics = { name: string; points: { samples: number; upRatio: number; rttMs: { avg: number; max: number } | null }[] };
    // A minute's point is written when the minute closes: wait for one that holds the degraded round trip.
    const minutes = await eventually('the degraded round trip in a minute point', () => lab.api<Metrics>('GET', path(site.links['wan0']!, `resolution=minute&from=${from}`)),
      (r) => r.status === 200 && r.body.points.some((p) => (p.rttMs?.max ?? 0) >= 300), 150_000);
    assert.equal(minutes.body.name, 'wan0');
    assert.ok(minutes.body.points.every((p) => p.samples > 0 && p.upRatio === 1));
    const hours = await lab.api<Metrics>('GET', path(site.links['wan0']!, 'resolution=hour'));
    assert.equal(hours.status, 200);
    assert.equal(hours.body.points.length >= 1, true);
    assert.ok(hours.body.points[0]!.samples >= minutes.body.points[0]!.samples);
    assert.equal((await lab.api('GET', `/api/v1/sites/${sites[1]!.siteId}/wan-links/${site.links['wan0']}/metrics`)).status, 404, 'a link of another site');
    assert.equal((await lab.api('GET', path(site.links['wan0']!, `from=${new Date().toISOString()}&to=${from}`))).status, 400);
    assert.equal((await lab.api('GET', path(site.links['wan0']!, 'resolution=second'))).status, 400);
  });
});
