// `npm run bench:sla`: the telemetry pollers at fleet scale on this machine. The lab (API, the
// worker in its own process) runs on its own Temporal development server and PostgreSQL; --sites
// simulated SRXs serving JUNIPER-RPM-MIB run in simulator processes of 5000 boxes each; one steered
// site per box, each box probing its three links.
// The pollers poll every box every --interval ms in --shards shards. After a warm-up, links of
// --detect sites are degraded one by one through the simulator's control API, and each site's
// stand-in steering workflow (registered here only) records when the violation reached it:
// detection = impairment applied → violation signalled. Then the pollers run on for --seconds.
// With --poll-only, no impairment: polling alone. Progress on stderr; one JSON line on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { taskQueues } from '../domain/task-queues.ts';
import { labCredentials, startLab } from '../scripts/lab.ts';
import { sleep } from '../scripts/processes.ts';
import { createSteeredSites, rpmProbesConfig, type Box } from '../scripts/steered-sites.ts';
import { defaultLinks, newIdentity } from '../simulator/device.ts';
import { deviceAddresses, serialOf } from '../simulator/fleet.ts';
import { installQuietRuntime } from '../scripts/testing.ts';
import type { ShardProgress } from '../activities/telemetry/shard-poller.ts';
import { telemetryDefaults, telemetryWorkflowId } from '../workflows/run-telemetry.messages.ts';
import type { runTelemetry } from '../workflows/run-telemetry.ts';
import { slaSteeringWorkflowId } from '../workflows/sla-steering.messages.ts';
import { recordedEvaluationsQuery, type recordSlaEvaluations } from '../workflows/sla-evaluation-recorder.fixture.ts';
import { benchScratch, bundleWorkflows, say, throwawayPlatform } from './harness.ts';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '1000' },
    shards: { type: 'string', default: '4' },
    interval: { type: 'string', default: '5000' },
    window: { type: 'string', default: '3' },
    detect: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '90' },
    'poll-only': { type: 'boolean', default: false },
  },
});
const siteCount = Math.max(1, Number(values.sites));
const shards = Math.max(1, Number(values.shards));
const intervalMs = Math.max(1000, Number(values.interval));
const windowSamples = Math.max(1, Number(values.window));
const pollOnly = values['poll-only'];
const detectCount = pollOnly ? 0 : Math.min(siteCount, Math.max(1, Number(values.detect)));
const measureMs = Math.max(30, Number(values.seconds)) * 1000;

/** Boxes per simulator process: each holds a UDP and a TCP socket per box, under the descriptor limit. */
const boxesPerProcess = 5000;
const snmpPort = 38161;
const netconfPort = 38830;

/**
 * The fleet in simulator processes of its own, as bench:devices runs it, each started from a state
 * file whose boxes' running configuration already probes their links.
 */
async function startFleets(count: number, directory: string): Promise<{ boxes: Box[]; controlOf: (serial: string) => string; children: ChildProcess[] }> {
  const addresses = deviceAddresses('127.64.0.1', count);
  const boxes: Box[] = [];
  const controls: string[] = [];
  const children: ChildProcess[] = [];
  for (let first = 0; first < count; first += boxesPerProcess) {
    const size = Math.min(boxesPerProcess, count - first);
    const stateFile = join(directory, `fleet-${first}.json`);
    const links = defaultLinks();
    const running = rpmProbesConfig(links.map((link) => link.name));
    writeFileSync(stateFile, JSON.stringify({
      devices: Array.from({ length: size }, (_, i) => ({
        identity: newIdentity({ serial: serialOf(first + i), address: addresses[first + i]!, model: 'SRX-SIM-300', snmpPort, netconfPort, ...labCredentials }),
        running, links,
      })),
    }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/main.ts', '--json', '--devices', String(size), '--first-serial', String(first + 1),
      '--base-address', addresses[first]!, '--snmp-port', String(snmpPort), '--netconf-port', String(netconfPort), '--models', 'SRX-SIM-300',
      '--state-file', stateFile, '--username', labCredentials.username, '--password', labCredentials.password, '--community', labCredentials.community,
    ], { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 600_000;
    while (!output.includes('"ready":true')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`a simulator did not start:\n${output.slice(-2000)}`);
      await sleep(200);
    }
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { serial: string; model: string; address: string; hostKeySha256: string; softwareVersion: string; ready?: boolean; control?: string });
    const control = lines.find((line) => line.ready)!.control!;
    for (const line of lines.filter((l) => !l.ready)) {
      boxes.push({ serial: line.serial, model: line.model, address: line.address, snmpPort, netconfPort, hostKeySha256: line.hostKeySha256, softwareVersion: line.softwareVersion, links });
      controls.push(control);
    }
    say(`simulator ${children.length}: ${size} boxes up`);
  }
  const controlBySerial = new Map(boxes.map((box, i) => [box.serial, controls[i]!]));
  return { boxes, controlOf: (serial) => controlBySerial.get(serial)!, children };
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** User and system CPU of a process, in seconds (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main() {
  const scratch = benchScratch('bench-sla');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch);
    say(`starting the lab: API, worker process, ${siteCount} simulated SRXs`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    const fleets = await startFleets(siteCount, scratch.directory);
    scratch.onCleanUp(async () => {
      for (const child of fleets.children) child.kill('SIGTERM');
    });
    // The lab's own fleet is empty: the boxes are in the simulator processes.
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: [], baseAddress: '127.63.0.1', snmpPort, netconfPort,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, phoneHome: false,
    });
    scratch.onCleanUp(() => lab.stop());
    const tenantId = (await lab.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    say('writing the steered sites');
    const sites = await createSteeredSites(lab.prisma, fleets.boxes, tenantId, { namePrefix: 'Bench' });
    const [workerPid] = lab.workerPids();

    // The stand-in steering workflows of the sites to be degraded, on a queue of the benchmark's own.
    const detected = sites.filter((_, i) => i % Math.max(1, Math.floor(siteCount / Math.max(1, detectCount))) === 0).slice(0, detectCount);
    installQuietRuntime();
    const steeringQueue = 'bench-sla-steering';
    const steering = await Worker.create({
      connection: await NativeConnection.connect({ address: platform.temporalAddress }), namespace: 'default',
      taskQueue: steeringQueue, workflowsPath: require.resolve('../workflows/sla-evaluation-recorder.fixture.ts'),
    });
    const steeringRun = steering.run();
    for (const site of detected) {
      await lab.client.workflow.start<typeof recordSlaEvaluations>('recordSlaEvaluations', { workflowId: slaSteeringWorkflowId(site.siteId), taskQueue: steeringQueue });
    }

    const telemetry = lab.client.workflow.getHandle(telemetryWorkflowId);
    await lab.client.workflow.start<typeof runTelemetry>('runTelemetry', {
      workflowId: telemetryWorkflowId, taskQueue: taskQueues.orchestration,
      args: [{ ...telemetryDefaults, shards, probeIntervalMs: intervalMs, windowSamples, leaseMs: 3_600_000, inventoryRefreshMs: 300_000 }],
    });
    const progress = async (): Promise<ShardProgress[]> => ((await telemetry.describe()).raw.pendingActivities ?? [])
      .flatMap((a) => (a.heartbeatDetails?.payloads?.[0] ? [defaultPayloadConverter.fromPayload<ShardProgress>(a.heartbeatDetails.payloads[0])] : []));
    const total = (all: ShardProgress[], field: 'polls' | 'missedPolls' | 'samples' | 'signals' | 'failedReads') => all.reduce((sum, p) => sum + p[field], 0);

    say(`warming up: ${shards} shards, a poll every ${intervalMs} ms, windows of ${windowSamples}`);
    const warmUntil = Date.now() + 180_000;
    for (;;) {
      const all = await progress();
      if (all.length === shards && all.every((p) => p.polls >= windowSamples + 1)) break;
      if (Date.now() > warmUntil) throw new Error(`the shards did not start polling: ${JSON.stringify(all.map((p) => p.polls))}`);
      await sleep(1000);
    }
    const rollupBytes = () => lab.prisma.$queryRawUnsafe<{ bytes: bigint; rows: bigint }[]>(
      "SELECT pg_total_relation_size('wan_link_minute') AS bytes, (SELECT count(*) FROM wan_link_minute) AS rows").then(([row]) => ({ bytes: Number(row!.bytes), rows: Number(row!.rows) }));
    const rollupsBefore = await rollupBytes();
    const before = await progress();
    const cpuBefore = cpuSeconds(workerPid!);
    const startedAt = Date.now();

    const impairedAt = new Map<string, number>();
    if (detectCount > 0) {
      // One site after another over four intervals, so impairments fall at every phase of the poll.
      const gapMs = (4 * intervalMs) / detected.length;
      say(`degrading wan0 of ${detected.length} sites, one every ${round(gapMs, 0)} ms`);
      for (const site of detected) {
        const response = await fetch(`${fleets.controlOf(site.serial)}/devices/${site.serial}/links/wan0/impairment`, {
          method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shape: 'step', to: { latencyMs: 300 } }),
        });
        if (!response.ok) throw new Error(`impairment refused: ${response.status}`);
        impairedAt.set(site.siteId, Date.now());
        await sleep(gapMs);
      }
    }
    const measureUntil = startedAt + measureMs;
    while (Date.now() < measureUntil) {
      await sleep(Math.min(10_000, measureUntil - Date.now()));
      const all = await progress();
      say(`${round((Date.now() - startedAt) / 1000, 0)} s: ${total(all, 'polls')} polls, ${total(all, 'missedPolls')} missed, ${total(all, 'samples')} samples, ${total(all, 'signals')} signals, ${total(all, 'failedReads')} failed reads`);
    }
    const after = await progress();
    const seconds = (Date.now() - startedAt) / 1000;
    const cpuAfter = cpuSeconds(workerPid!);

    const detections: number[] = [];
    let undetected = 0;
    for (const site of detected) {
      const records = await lab.client.workflow.getHandle(slaSteeringWorkflowId(site.siteId)).query(recordedEvaluationsQuery);
      const first = records.find((r) => (r.evaluation.violations['junos:SIP'] ?? []).includes('wan0'));
      if (first) detections.push(first.receivedAt - impairedAt.get(site.siteId)!);
      else undetected += 1;
    }
    detections.sort((a, b) => a - b);

    // Rollups: what a row costs on disk (table and indexes), from the minute rows written while
    // measuring, so the pages every table starts with do not count. An hour row is the same size.
    const rollupsAfter = await rollupBytes();
    const [hourRows] = await lab.prisma.$queryRawUnsafe<{ rows: bigint }[]>('SELECT count(*) AS rows FROM wan_link_hour');
    const rowsWritten = rollupsAfter.rows - rollupsBefore.rows;
    const bytesPerRow = rowsWritten > 0 ? (rollupsAfter.bytes - rollupsBefore.bytes) / rowsWritten : null;
    const linksPerSite = 4;

    await telemetry.terminate('benchmark over').catch(() => undefined);
    steering.shutdown();
    await steeringRun;
    console.log(JSON.stringify({
      sites: siteCount, links: siteCount * 3, shards, probeIntervalMs: intervalMs, windowSamples, measuredSeconds: round(seconds),
      detectionP50Ms: percentile(detections, 50), detectionP99Ms: percentile(detections, 99), detected: detections.length, undetected,
      reactionP50Ms: null, reactionP99Ms: null,
      reactionNote: 'no SLA steering workflow on this branch: signals go to a stand-in that records them, so nothing switches',
      samplesPerSecond: round((total(after, 'samples') - total(before, 'samples')) / seconds),
      polls: total(after, 'polls') - total(before, 'polls'),
      missedPolls: total(after, 'missedPolls'),
      failedReads: total(after, 'failedReads') - total(before, 'failedReads'),
      flapsUnderOscillation: null,
      pollerCpuPercent: round(((cpuAfter - cpuBefore) / seconds) * 100),
      pollerRssMiB: round(rssMiB(workerPid!)),
      rollupMinuteRows: rollupsAfter.rows, rollupHourRows: Number(hourRows!.rows), rollupMinuteTableBytes: rollupsAfter.bytes,
      rollupBytesPerRow: bytesPerRow === null ? null : round(bytesPerRow),
      // Each day a link writes 1440 minute rows and 24 hour rows; kept: a day of minutes, ninety days of hours.
      rollupBytesPerSitePerDay: bytesPerRow === null ? null : Math.round(bytesPerRow * linksPerSite * (1440 + 24)),
      rollupBytesPerSiteKept: bytesPerRow === null ? null : Math.round(bytesPerRow * linksPerSite * (1440 + 24 * 90)),
    }));
  } finally {
    await scratch.cleanUp();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
