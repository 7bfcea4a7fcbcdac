// `npm run bench:sla`: SLA steering at fleet scale on this machine. The lab (API, the worker in
// its own process) runs on its own Temporal development server and PostgreSQL; --sites simulated
// SRXs serving JUNIPER-RPM-MIB run in simulator processes of 2500 boxes each, each box running a
// steered branch's configuration (a probe and a forwarding instance per link); one site per box,
// voice preferring MPLS (wan1).
// The pollers poll every box every --interval ms in --shards shards. After a warm-up, the MPLS
// link of --detect sites steps to a round trip out of voice's SLA, one site after another, and
// their steering workflows (the product's own) move voice by a confirmed commit on the box:
// detection = impairment applied → the switch due in steering, reaction = due → committed on the
// box (LinkSwitchEvent). Meanwhile the MPLS link of --oscillate other sites oscillates faster than
// the dampening window: flapsUnderOscillation is the most switches away from it any such site made.
// With --poll-only, no impairment: polling alone. Progress on stderr; one JSON line on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { taskQueues } from '../domain/task-queues.ts';
import { labCredentials, startLab } from '../scripts/lab.ts';
import { sleep } from '../scripts/processes.ts';
import { branchConfig, createSteeredSites, type Box } from '../scripts/steered-sites.ts';
import { parseXml } from '../activities/devices/netconf/xml.ts';
import { defaultLinks, newIdentity } from '../simulator/device.ts';
import { rpmTestsIn } from '../simulator/rpm.ts';
import { deviceAddresses, serialOf } from '../simulator/fleet.ts';
import type { ShardProgress } from '../activities/telemetry/shard-poller.ts';
import { telemetryDefaults, telemetryWorkflowId } from '../workflows/run-telemetry.messages.ts';
import type { runTelemetry } from '../workflows/run-telemetry.ts';
import { slaPoliciesChangedSignal, slaSteeringStateQuery, slaSteeringWorkflowId, type SlaSteeringInput } from '../workflows/sla-steering.messages.ts';
import type { slaSteering } from '../workflows/sla-steering.ts';
import { benchScratch, bundleWorkflows, profiledEnv, say, throwawayPlatform } from './harness.ts';
import { milestonePercentiles, switchTimeline, type SwitchTimeline } from './sla-timeline.ts';

const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '1000' },
    shards: { type: 'string', default: '4' },
    interval: { type: 'string', default: '5000' },
    window: { type: 'string', default: '3' },
    detect: { type: 'string', default: '100' },
    oscillate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '150' },
    'poll-only': { type: 'boolean', default: false },
    // A directory for CPU profiles of the worker and every simulator process, written as they stop.
    'cpu-prof': { type: 'string' },
  },
});
const siteCount = Math.max(1, Number(values.sites));
const shards = Math.max(1, Number(values.shards));
const intervalMs = Math.max(1000, Number(values.interval));
const windowSamples = Math.max(1, Number(values.window));
const pollOnly = values['poll-only'];
const detectCount = pollOnly ? 0 : Math.min(siteCount, Math.max(1, Number(values.detect)));
const oscillateCount = pollOnly ? 0 : Math.min(siteCount - detectCount, Math.max(0, Number(values.oscillate)));
const measureMs = Math.max(30, Number(values.seconds)) * 1000;
const profileDirectory = values['cpu-prof'];
const profiling = profiledEnv(profileDirectory);

/**
 * Steering's dampening, shortened so an oscillation shows it within the run: a link falling out of
 * the SLA twice in five minutes is held down for fifteen, and one back in it must comply for ten
 * seconds before voice returns. The oscillation: 20 s out of the SLA, 20 s in it (each half holds
 * whole RPM tests), faster than the flap window.
 */
const dampening = { flapThreshold: 2, flapWindowMs: 300_000, holdDownMs: 900_000, smoothingWindowMs: 10_000 };
const oscillationPeriodMs = 40_000;
/** Out of voice's SLA (the baseline: 150 ms). */
const degraded = { latencyMs: 300 };
const preferred = 'wan1';

/**
 * Boxes per simulator process: each holds a UDP and a TCP socket per box, under the descriptor
 * limit, and its boxes' state in a heap of its own (5000 boxes outgrew Node's default heap).
 */
const boxesPerProcess = 2500;
const simulatorHeapMb = 6144;
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
    writeFileSync(stateFile, JSON.stringify({
      devices: Array.from({ length: size }, (_, i) => ({
        identity: newIdentity({ serial: serialOf(first + i), address: addresses[first + i]!, model: 'SRX-SIM-300', snmpPort, netconfPort, ...labCredentials }),
        running: branchConfig(serialOf(first + i), links), links,
      })),
    }));
    const child = spawn(process.execPath, [`--max-old-space-size=${simulatorHeapMb}`, '--import', 'tsx', 'simulator/main.ts', '--json', '--devices', String(size), '--first-serial', String(first + 1),
      '--base-address', addresses[first]!, '--snmp-port', String(snmpPort), '--netconf-port', String(netconfPort), '--models', 'SRX-SIM-300',
      '--state-file', stateFile, '--username', labCredentials.username, '--password', labCredentials.password, '--community', labCredentials.community,
    ], { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...profiling } });
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
      const exited = fleets.children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined));
      for (const child of fleets.children) child.kill('SIGTERM');
      // A profiled simulator writes its profile as it exits.
      if (profileDirectory) await Promise.all(exited);
    });
    // The lab's own fleet is empty: the boxes are in the simulator processes.
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: [], baseAddress: '127.63.0.1', snmpPort, netconfPort,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, phoneHome: false,
      workerEnv: profiling,
    });
    scratch.onCleanUp(() => lab.stop());
    const tenantId = (await lab.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    say('writing the steered sites');
    const sites = await createSteeredSites(lab.prisma, fleets.boxes, tenantId, { namePrefix: 'Bench', dampening });
    const [workerPid] = lab.workerPids();

    // The sites to be degraded and to oscillate, spread over the fleet (and so over the shards), and
    // their steering running before anything changes, as a push of their policies would start it.
    const step = Math.max(1, Math.floor(siteCount / Math.max(1, detectCount + oscillateCount)));
    const chosen = sites.filter((_, i) => i % step === 0).slice(0, detectCount + oscillateCount);
    const detected = chosen.filter((_, i) => i % 2 === 0 || i >= 2 * oscillateCount).slice(0, detectCount);
    const oscillating = chosen.filter((site) => !detected.includes(site)).slice(0, oscillateCount);
    for (const site of [...detected, ...oscillating]) {
      await lab.client.workflow.signalWithStart<typeof slaSteering, []>('slaSteering', {
        workflowId: slaSteeringWorkflowId(site.siteId), taskQueue: taskQueues.orchestration, args: [{ siteId: site.siteId } satisfies SlaSteeringInput],
        signal: slaPoliciesChangedSignal, signalArgs: [],
      });
    }
    for (const site of [...detected, ...oscillating]) {
      const handle = lab.client.workflow.getHandle(slaSteeringWorkflowId(site.siteId));
      const until = Date.now() + 120_000;
      // Its handlers are set once it has read the site.
      while (((await handle.query(slaSteeringStateQuery).catch(() => undefined))?.applications.length ?? 0) === 0) {
        if (Date.now() > until) throw new Error(`the steering of ${site.siteId} did not take up its policy`);
        await sleep(200);
      }
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
    const simulatorCpu = () => fleets.children.reduce((sum, child) => sum + cpuSeconds(child.pid!), 0);
    const simulatorCpuBefore = simulatorCpu();
    const benchCpuBefore = process.cpuUsage();
    const startedAt = Date.now();

    const impair = async (site: { serial: string }, shape: object) => {
      const put = () => fetch(`${fleets.controlOf(site.serial)}/devices/${site.serial}/links/${preferred}/impairment`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shape),
      });
      // A kept-alive connection the simulator closed as it was reused: once more, on a new one.
      const response = await put().catch(async () => put());
      if (!response.ok) throw new Error(`impairment refused: ${response.status}`);
    };
    for (const site of oscillating) await impair(site, { shape: 'oscillation', to: degraded, periodMs: oscillationPeriodMs, durationMs: measureMs });
    const impairedAt = new Map<string, number>();
    if (detectCount > 0) {
      // One site after another over four intervals, so impairments fall at every phase of the poll.
      const gapMs = (4 * intervalMs) / detected.length;
      say(`degrading ${preferred} of ${detected.length} sites, one every ${round(gapMs, 0)} ms; ${oscillating.length} oscillating`);
      for (const site of detected) {
        await impair(site, { shape: 'step', to: degraded });
        impairedAt.set(site.siteId, Date.now());
        await sleep(gapMs);
      }
    }
    const measureUntil = startedAt + measureMs;
    while (Date.now() < measureUntil) {
      await sleep(Math.min(10_000, measureUntil - Date.now()));
      const all = await progress();
      say(`${round((Date.now() - startedAt) / 1000, 0)} s: ${total(all, 'polls') - total(before, 'polls')} polls, ${total(all, 'missedPolls') - total(before, 'missedPolls')} missed, ${total(all, 'samples')} samples, ${total(all, 'signals')} signals, ${total(all, 'failedReads')} failed reads`);
    }
    const after = await progress();
    const seconds = (Date.now() - startedAt) / 1000;
    const cpuAfter = cpuSeconds(workerPid!);
    const simulatorCpuAfter = simulatorCpu();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const readings = total(after, 'samples') - total(before, 'samples');

    // Each switch as steering recorded it: committed at `at`, `reactionMs` after it was due.
    const switchesOf = async (site: { siteId: string; links: Record<string, string> }) => (await lab.prisma.linkSwitchEvent.findMany({
      where: { siteId: site.siteId }, orderBy: { at: 'asc' }, select: { application: true, fromLinkId: true, reason: true, at: true, reactionMs: true },
    })).map((s) => ({ ...s, fromPreferred: s.fromLinkId === site.links[preferred] }));
    const detections: number[] = [];
    const reactions: number[] = [];
    let undetected = 0;
    for (const site of detected) {
      const first = (await switchesOf(site)).find((s) => s.fromPreferred && s.reason === 'violation');
      if (!first || first.reactionMs === null) {
        undetected += 1;
        continue;
      }
      detections.push(first.at.getTime() - first.reactionMs - impairedAt.get(site.siteId)!);
      reactions.push(first.reactionMs);
    }
    detections.sort((a, b) => a - b);
    reactions.sort((a, b) => a - b);
    // Where the time went, switch by switch, from each steering run's history.
    const [schedule] = rpmTestsIn(parseXml(branchConfig('BENCH', defaultLinks())), defaultLinks(), () => []);
    const timelines: SwitchTimeline[] = [];
    for (const site of detected) {
      const history = await lab.client.workflow.getHandle(slaSteeringWorkflowId(site.siteId)).fetchHistory().catch(() => undefined);
      const timeline = history && switchTimeline(history, impairedAt.get(site.siteId)!, schedule!);
      if (timeline) timelines.push(timeline);
    }
    const toConfirm = timelines.flatMap((t) => (t.reaction['device:confirm'] === undefined ? [] : [t.reaction['device:confirm']])).sort((a, b) => a - b);
    // Per application (voice is several signatures, each its own switch record).
    const oscillations = await Promise.all(oscillating.map(async (site) => {
      const switches = await switchesOf(site);
      const away = switches.filter((s) => s.fromPreferred);
      const flaps = Math.max(0, ...[...new Set(away.map((s) => s.application))].map((application) => away.filter((s) => s.application === application).length));
      return { flaps, switches };
    }));
    const flaps = oscillations.map((o) => o.flaps);
    // The switches of one application at the site that flapped most, seconds into the run: what dampening let through.
    const worst = oscillations.reduce((a, b) => (b.flaps > a.flaps ? b : a), { flaps: -1, switches: [] as Awaited<ReturnType<typeof switchesOf>> });
    const worstApplication = worst.switches[0]?.application;
    const worstSwitches = worst.switches.filter((s) => s.application === worstApplication)
      .map((s) => `${round((s.at.getTime() - startedAt) / 1000, 0)} s ${s.fromPreferred ? 'away' : 'back'} (${s.reason})`);

    // Rollups: what a row costs on disk (table and indexes), from the minute rows written while
    // measuring, so the pages every table starts with do not count. An hour row is the same size.
    const rollupsAfter = await rollupBytes();
    const [hourRows] = await lab.prisma.$queryRawUnsafe<{ rows: bigint }[]>('SELECT count(*) AS rows FROM wan_link_hour');
    const rowsWritten = rollupsAfter.rows - rollupsBefore.rows;
    const bytesPerRow = rowsWritten > 0 ? (rollupsAfter.bytes - rollupsBefore.bytes) / rowsWritten : null;
    const linksPerSite = 4;

    await telemetry.terminate('benchmark over').catch(() => undefined);
    console.log(JSON.stringify({
      sites: siteCount, links: siteCount * 3, shards, probeIntervalMs: intervalMs, windowSamples, measuredSeconds: round(seconds),
      detectionP50Ms: percentile(detections, 50), detectionP99Ms: percentile(detections, 99), detected: detections.length, undetected,
      // Reaction ends at the confirmed commit (the device's traffic takes the new link then); the
      // confirm after the post-checks, which makes it permanent, comes `reactionToConfirm` after the signal.
      reactionP50Ms: percentile(reactions, 50), reactionP99Ms: percentile(reactions, 99),
      reactionToConfirmP50Ms: percentile(toConfirm, 50), reactionToConfirmP99Ms: percentile(toConfirm, 99),
      // Milestones: ms after the impairment (detection), after steering took the signal in (reaction).
      detectionBreakdownMs: milestonePercentiles(timelines.map((t) => t.detection)),
      reactionBreakdownMs: milestonePercentiles(timelines.map((t) => t.reaction)),
      samplesPerSecond: round(readings / seconds),
      polls: total(after, 'polls') - total(before, 'polls'),
      // Missed while measuring (the warm-up's, as the shards start together, apart).
      missedPolls: total(after, 'missedPolls') - total(before, 'missedPolls'), missedPollsWarmingUp: total(before, 'missedPolls'),
      failedReads: total(after, 'failedReads') - total(before, 'failedReads'),
      // The most switches of one application away from the oscillating link at any site, and what dampening allows.
      flapsUnderOscillation: oscillating.length === 0 ? null : Math.max(...flaps), oscillatingSites: oscillating.length, flapThreshold: dampening.flapThreshold, mostFlappingSite: worstSwitches,
      // The worker process: pollers, and the steering and device changes of the sites that switch.
      pollerCpuPercent: round(((cpuAfter - cpuBefore) / seconds) * 100),
      pollerRssMiB: round(rssMiB(workerPid!)),
      // The simulator processes (the fleet, which a real one would not put on this machine), and this
      // process (the lab's API and the bench's own reads), over the same time.
      simulatorCpuPercent: round(((simulatorCpuAfter - simulatorCpuBefore) / seconds) * 100),
      benchCpuPercent: round(((benchCpu.user + benchCpu.system) / 1e6 / seconds) * 100),
      // CPU per reading, in microseconds: the pollers', the simulator's.
      pollerCpuUsPerReading: round(((cpuAfter - cpuBefore) * 1e6) / Math.max(1, readings)),
      simulatorCpuUsPerReading: round(((simulatorCpuAfter - simulatorCpuBefore) * 1e6) / Math.max(1, readings)),
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
