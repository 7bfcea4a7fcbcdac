// Metrics and traces end to end: the API (in this process, as api/server.ts wires it) and a worker
// process, over a simulated Junos box. After an API request that starts a configuration rollback,
// both /metrics parse and show the request, the run and the device operations;
// and with an OTLP endpoint set, the request's trace runs from the API through the workflow and
// its activities to the device's NETCONF rpcs.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ApiMetrics, serveMetrics } from '../api/metrics.ts';
import { seedDemo } from '../prisma/seed.ts';
import { startTracing, type Tracing } from '../runtime/tracing.ts';
import type { adoptConfiguration } from '../workflows/adopt-configuration.ts';
import { deviceConfigurationWorkflowId } from '../workflows/device-configuration.messages.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { startLab, type Lab } from './lab.ts';
import { freePort } from './processes.ts';
import { parsePrometheusText, samplesOf, type MetricFamily } from './prometheus-text.ts';
import { createTestDatabase, eventually, testServices, type TestDatabase } from './testing.ts';

interface ReceivedSpan { service: string; traceId: string; spanId: string; parentSpanId: string; name: string }

/** A small OTLP/HTTP (JSON) receiver: keeps every span it is sent. */
async function startOtlpReceiver(host: string): Promise<{ url: string; spans: ReceivedSpan[]; close(): void }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const request = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[] }[];
      };
      for (const resource of request.resourceSpans) {
        const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of resource.scopeSpans) {
          for (const span of scope.spans) spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { url: `http://${host}:${port}`, spans, close: () => server.close() };
}

async function scrape(url: string): Promise<Map<string, MetricFamily>> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return parsePrometheusText(await response.text());
}

/** A histogram's series hold together: buckets never fall, +Inf is the count. */
function assertHistogram(families: Map<string, MetricFamily>, name: string, labels: Record<string, string>): number {
  assert.equal(families.get(name)?.type, 'histogram', `${name} is a histogram`);
  const buckets = samplesOf(families, `${name}_bucket`, labels);
  assert.ok(buckets.length > 1, `${name} has buckets for ${JSON.stringify(labels)}`);
  const counts = buckets.map((b) => b.value);
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'cumulative buckets');
  const [count] = samplesOf(families, `${name}_count`, labels);
  assert.equal(buckets.find((b) => b.labels['le'] === '+Inf')?.value, count?.value);
  assert.ok(samplesOf(families, `${name}_sum`, labels).length === 1);
  return count!.value;
}

const rollbackRoute = '/api/v1/devices/:deviceId/config-versions/:version/rollback';

describe('metrics and traces', { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tracing: Tracing;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let apiMetricsServer: Awaited<ReturnType<typeof serveMetrics>>;
  let workerMetricsUrl: string;
  let deviceId: string;
  let rollbackTraceparent: string;

  before(async () => {
    receiver = await startOtlpReceiver('127.230.0.1');
    tracing = startTracing({ serviceName: 'branchline-api', endpoint: receiver.url })!;
    const metrics = new ApiMetrics({ process: true });
    apiMetricsServer = await serveMetrics(metrics.registry, '127.230.0.2', 0);
    const workerMetricsPort = await freePort();
    workerMetricsUrl = `http://127.230.0.3:${workerMetricsPort}/metrics`;
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-300'], baseAddress: '127.231.0.1',
      snmpPort: await freePort(), netconfPort: await freePort(), worker: 'process', phoneHome: false,
      logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs'),
      apiObservability: { metrics, tracer: tracing.tracer },
      workerEnv: { METRICS_HOST: '127.230.0.3', WORKER_METRICS_PORT: String(workerMetricsPort), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info' },
    });
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    const serial = [...lab.fleet.devices.values()][0]!.serial;
    deviceId = (await database.prisma.device.findFirstOrThrow({ where: { serial } })).id;
    const handEdit = async (user: string, hostName: string) => {
      const edited = await fetch(`${lab.fleet.controlUrl}/devices/${serial}/config/hand-edit`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, configuration: `<configuration><system><host-name>${hostName}</host-name></system></configuration>` }),
      });
      assert.equal(edited.status, 200, await edited.text());
    };
    // Version 1 of the box's configuration, to roll back to.
    await handEdit('installer', 'depot-original');
    const adopted = await lab.client.workflow.start<typeof adoptConfiguration>('adoptConfiguration', {
      workflowId: deviceConfigurationWorkflowId(deviceId), taskQueue: taskQueues.orchestration, args: [{ deviceId }],
    });
    await adopted.result();
    // Someone changes the box by hand: the rollback takes it back to version 1.
    await handEdit('alice', 'depot-renamed');

    // The real work: one API request starting a run that changes the device, sent as part of a trace of the caller's.
    rollbackTraceparent = `00-${'a1'.repeat(16)}-${'b2'.repeat(8)}-01`;
    const response = await fetch(`${lab.apiUrl}/api/v1/devices/${deviceId}/config-versions/1/rollback`, {
      method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', traceparent: rollbackTraceparent }, body: '{}',
    });
    assert.equal(response.status, 202, await response.text());
    const run = await eventually('the rollback ends', async () => (await lab.api<{ execution: string }>('GET', `/api/v1/devices/${deviceId}/configuration-run`)).body,
      (body) => body.execution !== 'RUNNING', 90_000);
    assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
    apiMetricsServer?.close();
    await tracing?.shutdown();
    receiver?.close();
  });

  it("the API's /metrics (on its own listener) parse and show the request by route template and status, and the run it started", async () => {
    const families = await scrape(apiMetricsServer.url);
    const count = assertHistogram(families, 'branchline_api_request_duration_seconds', { method: 'POST', route: rollbackRoute, status: '202' });
    assert.equal(count, 1);
    assert.ok(samplesOf(families, 'branchline_api_request_duration_seconds_count', { route: '/api/v1/devices/:deviceId/configuration-run', status: '200' })[0]!.value >= 1);
    assert.equal(samplesOf(families, 'branchline_api_request_duration_seconds_count').filter((s) => s.labels['route']!.includes(deviceId)).length, 0, 'no series per id');
    assert.equal(families.get('branchline_api_run_starts_total')?.type, 'counter');
    assert.equal(samplesOf(families, 'branchline_api_run_starts_total', { workflow_type: 'restoreConfiguration', outcome: 'started' })[0]?.value, 1);
    assert.ok(families.has('process_cpu_user_seconds_total') && families.has('nodejs_eventloop_lag_seconds'), "the process's own series");
    assert.equal((await fetch(apiMetricsServer.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(`${lab.apiUrl}/metrics`)).status, 404, 'not on the public port');
  });

  it("the worker's /metrics parse and show the SDK's runtime metrics, the run and the device operations", async () => {
    const families = await eventually('the worker counted the rollback', () => scrape(workerMetricsUrl),
      (scraped) => samplesOf(scraped, 'branchline_runs_finished_total', { kind: 'config_rollback', outcome: 'completed' }).length > 0, 30_000);
    assert.equal(samplesOf(families, 'branchline_runs_finished_total', { kind: 'config_rollback', outcome: 'completed' })[0]!.value, 1);
    assert.equal(samplesOf(families, 'branchline_runs_started_total', { kind: 'config_rollback' })[0]!.value, 1);
    assert.equal(families.get('branchline_device_operations_total')?.type, 'counter');
    assert.equal(samplesOf(families, 'branchline_device_operations_total', { operation: 'restoreConfiguration', error_type: 'none' })[0]?.value, 1);
    assert.equal(assertHistogram(families, 'branchline_device_operation_duration_seconds', { operation: 'restoreConfiguration' }), 1);
    assert.ok(samplesOf(families, 'branchline_device_operation_duration_seconds_bucket', { operation: 'restoreConfiguration', le: '600' }).length === 1, "Branchline's buckets, up to ten minutes");
    // The Temporal SDK's own series, in seconds and with _total on counters.
    assert.ok(samplesOf(families, 'temporal_worker_start_total').length > 0, [...families.keys()].filter((n) => n.startsWith('temporal_')).join(' '));
    assert.ok(samplesOf(families, 'temporal_activity_execution_latency_count', { activity_type: 'restoreConfiguration' }).length > 0);
    assert.ok(samplesOf(families, 'temporal_workflow_completed_total', { workflow_type: 'restoreConfiguration' }).length > 0);
  });

  it("traces the request, in the caller's trace, from the API through the workflow to its activities and the device's NETCONF rpcs", async () => {
    await tracing.spanProcessor.forceFlush();
    const traceId = rollbackTraceparent.split('-')[1]!;
    const names = (service: string) => receiver.spans.filter((s) => s.traceId === traceId && s.service === service).map((s) => s.name);
    await eventually('the worker exported its spans', async () => names('branchline-worker'),
      (worker) => worker.includes('RunActivity:closeRun') && worker.some((name) => name.startsWith('netconf ')), 30_000);
    const api = names('branchline-api');
    assert.ok(api.includes(`POST ${rollbackRoute}`), api.join(', '));
    assert.ok(api.includes('StartWorkflow:restoreConfiguration'), api.join(', '));
    const worker = names('branchline-worker');
    // The run carries the trace to each activity it starts (workflows/trace-propagation.ts), and a device activity to its rpcs.
    for (const name of ['RunActivity:takeDeviceLeases', 'RunActivity:restoreConfiguration', 'RunActivity:recordConfiguration', 'RunActivity:closeRun', 'netconf edit-config', 'netconf commit-configuration']) {
      assert.ok(worker.includes(name), `${name} in ${worker.join(', ')}`);
    }
    // One tree: every span's parent is a span of the trace, or the caller's.
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const ids = new Set([...spans.map((s) => s.spanId), rollbackTraceparent.split('-')[2]]);
    assert.deepEqual(spans.filter((s) => !ids.has(s.parentSpanId)).map((s) => s.name), []);
  });
});
