// `npm run bench:onboarding`: what the whole product sustains when branch sites onboard end to end
// — API, Temporal, workers, PostgreSQL and a simulated fleet over real NETCONF and SNMP, all on
// this machine, the two hubs in a simulator process of their own. Two hubs come up first; then N
// spokes onboard (each changes both hubs), at most --concurrency at a time, each box plugged in and
// given its activation code as its onboarding starts. Measured: sites per minute over the spoke
// phase, latency per site (onboarding POST to run closed), history events per site, with
// --statements SQL statements per site (statementsPerSite: every process's over the spoke phase,
// the benchmark's own polling included; the most called on stderr), and, on the
// same Temporal server, trivial workflows per second as the ceiling of the platform. Progress on
// stderr; ends with one JSON line on stdout.
// Options: --sites N (600), --concurrency C (50), --worker process|in-process, --raw-workflows K (500),
// --sample S sites whose histories and steps are read back (100), --boxes-on-at-start, --topology
// dev|production: Temporal's development server (the default), or its production server on
// PostgreSQL as `npm run cluster` runs it; the JSON line says which; --statements; --cpu-prof DIR.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { labCredentials, startLab, simulatorImage, type Lab } from '../scripts/lab.ts';
import { ManagedProcess, sleep, waitFor } from '../scripts/processes.ts';
import { installQuietRuntime } from '../scripts/testing.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import { tunnelChangesWorkflowId } from '../workflows/tunnel-changes.messages.ts';
import {
  benchScratch, bundleWorkflows, countStatements, cpuSecondsByProgram, machineJiffies, profiledEnv, say, statementsCountable, statementsPer, throwawayPlatform, throwawayProductionPlatform,
} from './harness.ts';
import { trivialWorkflow } from './trivial-workflow.ts';

const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '50' },
    // The worker in its own process, as `npm start` and `npm run cluster` run it; in-process, it
    // shares the benchmark's event loop with the API and the simulated fleet, which then bounds it.
    worker: { type: 'string', default: 'process' },
    'raw-workflows': { type: 'string', default: '500' },
    sample: { type: 'string', default: '100' },
    // SQL statements per site (pg_stat_statements, which costs PostgreSQL some CPU of its own).
    statements: { type: 'boolean', default: false },
    // Factory-default boxes phone home every second until claimed: with this, the whole fleet does
    // so from the start (the API's load while sites wait), instead of each box as its site starts.
    'boxes-on-at-start': { type: 'boolean', default: false },
    topology: { type: 'string', default: 'dev' },
    // A directory for the worker process's CPU profile, written as it stops.
    'cpu-prof': { type: 'string' },
  },
});
const siteCount = Math.max(1, Number(values.sites));
const concurrency = Math.max(1, Number(values.concurrency));
const workerMode = values.worker === 'in-process' ? 'in-process' : 'process';
const benchProcessName = workerMode === 'in-process' ? 'bench (API, simulator, worker)' : 'bench (API, simulator)';
const rawCount = Math.max(0, Number(values['raw-workflows']));
const sampleSize = Math.max(1, Number(values.sample));
if (values.topology !== 'dev' && values.topology !== 'production') throw new Error(`--topology ${values.topology}: dev or production`);
const topology = values.topology;

const require = createRequire(import.meta.url);
const hubModel = 'SRX-SIM-4600';
const branchModel = 'SRX-SIM-300';
const serial = (n: number) => `BLS${String(n).padStart(7, '0')}`;
const hubSerials = [serial(1), serial(2)];
/** The spoke phase ends here; what has not settled by then is stuck. */
const phaseLimitMs = Math.max(10 * 60_000, siteCount * 2_000);
/** A site whose onboarding takes longer than this is stuck: its slot goes to the next site. */
const siteLimitMs = 5 * 60_000;

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const round = (n: number | null, digits = 0) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

interface Created { id: string; name: string; activationCodes: { role: string; serial: string | null; code: string }[] }
interface Outcome { siteId: string; state: 'completed' | 'failed' | 'stuck'; startedAt: number; endedAt: number }
type Settle = (end: Pick<Outcome, 'state' | 'endedAt'>) => void;

/** Runs `work` on each item, at most `limit` at a time, until `until` (then the rest are skipped). */
async function eachLimited<T>(items: T[], limit: number, until: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && Date.now() < until) {
      const index = next++;
      await work(items[index]!, index);
    }
  }));
}

/** Trivial workflows, `inFlight` at a time, for at most `limitMs`: what the server and one worker sustain. */
async function rawWorkflows(lab: Lab, temporalAddress: string, count: number, inFlight: number, limitMs: number) {
  if (count === 0) return { rawWorkflows: 0, rawWorkflowsPerSecond: null, rawFailed: 0 };
  installQuietRuntime(); // the lab installed it already when its worker runs in this process
  const taskQueue = 'bench-trivial';
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({ connection, namespace: lab.client.options.namespace, taskQueue, workflowsPath: require.resolve('./trivial-workflow.ts') });
  const running = worker.run();
  try {
    const started = performance.now();
    let done = 0;
    let failed = 0;
    await eachLimited(Array.from({ length: count }, (_, i) => i), inFlight, Date.now() + limitMs, async (index) => {
      try {
        await lab.client.workflow.execute(trivialWorkflow, { taskQueue, workflowId: `bench-trivial/${index}`, args: [{ index }] });
        done += 1;
      } catch {
        failed += 1;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return { rawWorkflows: done, rawWorkflowsPerSecond: round(done / seconds, 1), rawFailed: failed };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}

const link = (name: string, interfaceName: string, extra: Record<string, unknown> = {}) =>
  ({ name, type: interfaceName === 'dl0' ? 'lte' : 'broadband', interfaceName, bandwidthMbps: 100, monthlyCost: 40, ...extra });

/** Spoke `index` (from 0) of N: its own box and LAN prefixes (10.1.0.0/24 onwards, two per site). */
function spokeSite(tenantId: string, hubs: string[], index: number) {
  const lan = (segment: number) => {
    const n = index * 2 + segment;
    return `10.${1 + Math.floor(n / 256)}.${n % 256}.0/24`;
  };
  return {
    tenantId, name: `Bench store ${String(index + 1).padStart(5, '0')}`, timezone: 'Europe/Paris', tags: [],
    topology: 'hub_and_spoke', primaryHubId: hubs[0], secondaryHubId: hubs[1],
    devices: [{ role: 'primary', model: branchModel, serial: serial(index + 3) }],
    wanLinks: [link('internet', 'ge-0/0/0'), link('lte', 'dl0', { backupOnly: true })],
    departments: ['Staff', 'Guests'],
    lanSegments: [
      { name: 'staff', vlanId: 10, prefix: lan(0), department: 'Staff' },
      { name: 'guests', vlanId: 20, prefix: lan(1), department: 'Guests' },
    ],
  };
}

async function createSite(lab: Lab, aggregate: object): Promise<Created> {
  const { status, body } = await lab.api<Created>('POST', '/api/v1/sites', aggregate);
  if (status !== 201) throw new Error(`POST /api/v1/sites answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

async function startOnboarding(lab: Lab, site: Created): Promise<void> {
  const { status, body } = await lab.api('POST', `/api/v1/sites/${site.id}/onboarding`, {});
  if (status !== 202) throw new Error(`POST /api/v1/sites/${site.id}/onboarding answered ${status}: ${JSON.stringify(body)}`);
}

interface StepTiming { name: string; status: string; startedAt?: string; endedAt?: string }
interface Progress { state: string; error: string | null; steps: StepTiming[]; devices: { workflowId: string; steps: StepTiming[] }[] }

async function progressOf(lab: Lab, siteId: string): Promise<Progress> {
  const { status, body } = await lab.api<Progress>('GET', `/api/v1/sites/${siteId}/onboarding`);
  if (status !== 200) throw new Error(`GET /api/v1/sites/${siteId}/onboarding answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * Where the stuck sites were (the step still running), counted by step; then their runs are
 * terminated, so that reading back the others is not slowed by runs that no longer count.
 */
async function stopStuck(lab: Lab, siteIds: string[]): Promise<Record<string, number>> {
  const atStep: Record<string, number> = {};
  await eachLimited(siteIds, 8, Date.now() + 60_000, async (siteId) => {
    const progress = await progressOf(lab, siteId).catch(() => undefined);
    const step = progress ? (progress.steps.find((s) => s.status === 'running')?.name ?? progress.state) : 'unknown';
    atStep[step] = (atStep[step] ?? 0) + 1;
    await lab.client.workflow.getHandle(onboardingWorkflowId(siteId)).terminate('the onboarding benchmark ended').catch(() => undefined);
  });
  return atStep;
}

/** The hubs, onboarded one after the other as the integration test does. */
async function onboardHubs(lab: Lab, tenantId: string, hubControl: string): Promise<string[]> {
  const hubs: string[] = [];
  for (const [index, name] of ['Bench hub east', 'Bench hub west'].entries()) {
    const hub = await createSite(lab, {
      tenantId, name, role: 'hub', timezone: 'Europe/Paris', tags: [], topology: 'hub_and_spoke',
      devices: [{ role: 'primary', model: hubModel, serial: hubSerials[index] }],
      wanLinks: [link('internet', 'ge-0/0/0'), link('mpls', 'ge-0/0/1', { type: 'mpls' })],
    });
    await startOnboarding(lab, hub);
    for (const { serial: s, code } of hub.activationCodes) {
      const typed = await fetch(`${hubControl}/devices/${s}/activation-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      if (!typed.ok) throw new Error(`${s} did not take its activation code: ${typed.status} ${await typed.text()}`);
    }
    hubs.push(hub.id);
  }
  const until = Date.now() + 180_000;
  for (const hub of hubs) {
    for (;;) {
      const progress = await progressOf(lab, hub).catch(() => undefined);
      if (progress?.state === 'completed') break;
      if (progress?.state === 'failed' || Date.now() > until) throw new Error(`hub ${hub} did not come up: ${JSON.stringify(progress)}`);
      await sleep(250);
    }
  }
  return hubs;
}

/**
 * The spoke phase: a sliding window of `concurrency` onboardings. A site is done when its run
 * closes (the run summary's closedAt, written by the run's last activity) or fails (the site's
 * status): read from the database for all sites in flight at once, twice a second, rather than
 * asking each run's progress query, which would load the workers being measured.
 */
async function onboardSpokes(lab: Lab, sites: Created[]): Promise<{ outcomes: Outcome[]; notStarted: number; seconds: number }> {
  const outcomes: Outcome[] = [];
  const inFlight = new Map<string, { startedAt: number; settle: Settle }>();
  const phaseStarted = Date.now();
  const deadline = phaseStarted + phaseLimitMs;
  let launched = 0;
  let windowDone = false;

  const watcher = (async () => {
    let lastReport = Date.now();
    while (!windowDone || inFlight.size > 0) {
      await sleep(500);
      const ids = [...inFlight.keys()];
      if (ids.length > 0) {
        const [closed, failed] = await Promise.all([
          lab.prisma.runSummary.findMany({ where: { workflowId: { in: ids.map(onboardingWorkflowId) }, status: 'completed' }, select: { siteId: true, closedAt: true } }),
          lab.prisma.site.findMany({ where: { id: { in: ids }, status: 'failed' }, select: { id: true } }),
        ]).catch(() => [[], []] as const);
        const now = Date.now();
        for (const run of closed) inFlight.get(run.siteId!)?.settle({ state: 'completed', endedAt: run.closedAt?.getTime() ?? now });
        for (const site of failed) inFlight.get(site.id)?.settle({ state: 'failed', endedAt: now });
        for (const entry of inFlight.values()) {
          if (now - entry.startedAt > siteLimitMs || now > deadline) entry.settle({ state: 'stuck', endedAt: now });
        }
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        const completed = outcomes.filter((o) => o.state === 'completed').length;
        const minutes = (Date.now() - phaseStarted) / 60_000;
        say(`spokes: ${completed}/${sites.length} completed, ${outcomes.length - completed} failed or stuck, ${inFlight.size} in flight, ${(completed / minutes).toFixed(1)} sites/min`);
      }
    }
  })();

  await eachLimited(sites, concurrency, deadline, async (site) => {
    launched += 1;
    const startedAt = Date.now();
    const settled = new Promise<Outcome>((resolve) => {
      inFlight.set(site.id, { startedAt, settle: (end) => {
        inFlight.delete(site.id);
        resolve({ siteId: site.id, startedAt, ...end });
      } });
    });
    try {
      await startOnboarding(lab, site);
      // As an installer does: type the code in, plug the box in (it phones home once up).
      const { serial: boxSerial, code } = site.activationCodes[0]!;
      const box = lab.fleet.device(boxSerial!)!;
      box.setActivationCode(code);
      await box.powerOn();
    } catch (error) {
      say(`${site.name}: ${(error as Error).message}`);
      inFlight.get(site.id)?.settle({ state: 'failed', endedAt: Date.now() });
    }
    outcomes.push(await settled);
  });
  windowDone = true;
  await watcher;
  const lastEnd = Math.max(phaseStarted, ...outcomes.map((o) => o.endedAt));
  return { outcomes, notStarted: sites.length - launched, seconds: (lastEnd - phaseStarted) / 1000 };
}

const EventType = proto.temporal.api.enums.v1.EventType;

interface Task {
  /** `workflow task`, or the activity's type; device activities say whether a hub or a branch box. */
  name: string;
  hub?: string;
  /** Edits merged into one configuration change (hubs gather their tunnel changes). */
  edits: number;
  scheduledAt: number;
  startedAt: number;
  completedAt: number;
  /** A device change's own clock (ConfigurationApplied.steps): when each of its steps ended. */
  steps?: Record<string, number>;
}

/** Every workflow task and activity of a history that completed, with its times. */
function completedTasks(history: proto.temporal.api.history.v1.IHistory): Task[] {
  const scheduled = new Map<string, Omit<Task, 'startedAt' | 'completedAt'>>();
  const started = new Map<string, number>();
  const tasks: Task[] = [];
  const complete = (scheduledId: string, completedAt: number, steps?: Record<string, number>) => {
    const task = scheduled.get(scheduledId);
    const startedAt = started.get(scheduledId);
    if (task && startedAt !== undefined) tasks.push({ ...task, startedAt, completedAt, ...(steps ? { steps } : {}) });
  };
  for (const event of history.events ?? []) {
    const at = tsToMs(event.eventTime);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        scheduled.set(String(event.eventId), { name: 'workflow task', edits: 0, scheduledAt: at });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        started.set(String(event.workflowTaskStartedEventAttributes!.scheduledEventId), at);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        complete(String(event.workflowTaskCompletedEventAttributes!.scheduledEventId), at);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const attributes = event.activityTaskScheduledEventAttributes!;
        const name = attributes.activityType?.name ?? '?';
        type Change = { target?: { serial?: string }; config?: unknown };
        const input = JSON.parse(Buffer.from(attributes.input?.payloads?.[0]?.data ?? []).toString() || '{}') as Change & { changes?: Change[]; devices?: Change[] };
        // A device alone, or several in one activity (a change and its record, a site's verification): named by the first.
        const changes = input.changes ?? input.devices ?? [input];
        const target = changes[0]?.target;
        const hub = hubSerials.find((s) => s === target?.serial);
        const edits = changes.reduce((n, c) => n + (typeof c.config === 'string' ? c.config.split('<configuration').length - 1 : 0), 0);
        scheduled.set(String(event.eventId), {
          name: target ? `${name} (${hub ? 'hub' : 'branch'})` : name, ...(hub ? { hub } : {}), edits, scheduledAt: at,
        });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        started.set(String(event.activityTaskStartedEventAttributes!.scheduledEventId), at);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const attributes = event.activityTaskCompletedEventAttributes!;
        // A change's own clock: its result's, or its first change's where one activity makes several in turn.
        type Steps = { steps?: Record<string, number> };
        const result = JSON.parse(Buffer.from(attributes.result?.payloads?.[0]?.data ?? []).toString() || 'null') as (Steps & { applied?: Steps[] }) | null;
        complete(String(attributes.scheduledEventId), at, result?.steps ?? result?.applied?.[0]?.steps);
        break;
      }
    }
  }
  return tasks;
}

/**
 * Reads back the runs of a sample of completed sites, in the order they started: history length
 * per site (the onboarding run, and its ZTP children in runs begun before), how long activities
 * and workflow tasks waited for a worker and ran, and each step's duration as the progress page
 * shows it.
 */
async function readSample(lab: Lab, client: Client, siteIds: string[], limitMs: number) {
  const eventsPerSite: number[] = [];
  const overlayByTenth: number[][] = [];
  const tasks: Task[] = [];
  const steps = new Map<string, number[]>();
  let unreadable = 0;

  async function readSite(siteId: string, index: number) {
    // A query on a closed run replays its history on a worker: it may time out, leaving the site out.
    const progress = await progressOf(lab, siteId);
    let events = 0;
    const siteTasks: Task[] = [];
    // The runs its devices were provisioned in: the onboarding run, or ZTP children (runs begun on earlier code).
    for (const workflowId of new Set([onboardingWorkflowId(siteId), ...progress.devices.map((d) => d.workflowId)])) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      events += history.events?.length ?? 0;
      siteTasks.push(...completedTasks(history));
    }
    eventsPerSite.push(events);
    tasks.push(...siteTasks);
    for (const step of [...progress.steps, ...progress.devices.flatMap((d) => d.steps.map((s) => ({ ...s, name: `ztp.${s.name}` })))]) {
      if (!step.startedAt || !step.endedAt) continue;
      const ms = Date.parse(step.endedAt) - Date.parse(step.startedAt);
      (steps.get(step.name) ?? steps.set(step.name, []).get(step.name)!).push(ms);
      if (step.name === 'overlay') (overlayByTenth[Math.floor((index * 10) / siteIds.length)] ??= []).push(ms);
    }
  }
  await eachLimited(siteIds, 8, Date.now() + limitMs, (siteId, index) => readSite(siteId, index).catch(() => {
    unreadable += 1;
  }));

  const byName = new Map<string, Task[]>();
  for (const task of tasks) (byName.get(task.name) ?? byName.set(task.name, []).get(task.name)!).push(task);
  return {
    historySample: eventsPerSite.length,
    ...(unreadable > 0 ? { unreadableInSample: unreadable } : {}),
    historyEventsPerSite: round(eventsPerSite.reduce((a, b) => a + b, 0) / Math.max(1, eventsPerSite.length), 1),
    stepMs: Object.fromEntries([...steps].map(([name, list]) => [name, { p50: percentile(list, 50), p95: percentile(list, 95) }])),
    overlayP50MsByTenth: overlayByTenth.map((list) => percentile(list, 50)),
    taskMs: Object.fromEntries([...byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => {
      const queued = list.map((t) => t.startedAt - t.scheduledAt);
      const ran = list.map((t) => t.completedAt - t.startedAt);
      return [name, { count: list.length, queuedP50: percentile(queued, 50), queuedP95: percentile(queued, 95), ranP50: percentile(ran, 50), ranP95: percentile(ran, 95) }];
    })),
  };
}

/**
 * The median time of each step of device changes, by their own clock: from the activity's start to
 * its first step, from each step to the next, and from the last to the activity's completion.
 */
function stepMedians(tasks: Task[]): Record<string, number | null> {
  const byStep = new Map<string, number[]>();
  for (const task of tasks) {
    if (!task.steps) continue;
    const ordered = Object.entries(task.steps).sort(([, a], [, b]) => a - b);
    let previous = task.startedAt;
    for (const [step, at] of [...ordered, ['completed', task.completedAt] as const]) {
      (byStep.get(step) ?? byStep.set(step, []).get(step)!).push(Math.max(0, at - previous));
      previous = at;
    }
  }
  return Object.fromEntries([...byStep].map(([step, list]) => [step, percentile(list, 50)]));
}

/** The activities of a hub's commit, as runs of each era scheduled them. */
const hubChanges = new Set(['applyConfigurationsInTurn (hub)', 'applyConfiguration (hub)', 'pushConfiguration (hub)']);

/**
 * The hubs' side, which every spoke changes: every run (continue-as-new included) of each hub's
 * tunnel-change queue (its lease taken and given back in it), read whole. How many commits the
 * hubs made, how many sites' edits each carried, how long one took as the hub filled up, and how
 * much of the phase a hub was busy committing (near 100 %: the hub is the bottleneck).
 */
async function readHubs(client: Client, spokesCompleted: number, phaseSeconds: number, limitMs: number) {
  const until = Date.now() + limitMs;
  let events = 0;
  const pushes: Task[] = [];
  for (const serial of hubSerials) {
    const workflowId = tunnelChangesWorkflowId(serial);
    for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      if (Date.now() > until) break;
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      events += history.events?.length ?? 0;
      pushes.push(...completedTasks(history).filter((t) => hubChanges.has(t.name)));
    }
  }
  pushes.sort((a, b) => a.startedAt - b.startedAt);
  const ran = (list: Task[]) => list.map((t) => t.completedAt - t.startedAt);
  const tenth = Math.max(1, Math.ceil(pushes.length / 10));
  const busiest = Math.max(0, ...hubSerials.map((hub) => ran(pushes.filter((t) => t.hub === hub)).reduce((a, b) => a + b, 0)));
  return {
    hubSideEventsPerSite: round(events / Math.max(1, spokesCompleted), 1),
    hubCommits: pushes.length,
    sitesPerHubCommit: round(pushes.reduce((n, t) => n + t.edits, 0) / Math.max(1, pushes.length), 1),
    hubCommitP50Ms: percentile(ran(pushes), 50),
    hubCommitP95Ms: percentile(ran(pushes), 95),
    hubCommitP50MsByTenth: Array.from({ length: Math.ceil(pushes.length / tenth) }, (_, i) => percentile(ran(pushes.slice(i * tenth, (i + 1) * tenth)), 50)),
    hubCommitStepP50Ms: { firstTenth: stepMedians(pushes.slice(0, tenth)), lastTenth: stepMedians(pushes.slice(-tenth)) },
    busiestHubBusyPercent: round((busiest / 1000 / phaseSeconds) * 100),
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const scratch = benchScratch('bench');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const postgresOptions = values.statements ? { postgresSettings: statementsCountable } : {};
    const platform = topology === 'production'
      ? await throwawayProductionPlatform(scratch, { host: '127.83.0.1', grpcPortBase: 44233, membershipPortBase: 24933 }, postgresOptions)
      : await throwawayPlatform(scratch, postgresOptions);

    say(`starting the lab: API, ${workerMode} worker, ${siteCount + 2} simulated devices`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    // The branch boxes in the lab's fleet; the hubs in a simulator process of their own, as a hub is
    // a box of its own: its work does not share an event loop with a thousand branch boxes'.
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: siteCount }, () => branchModel), firstSerial: hubSerials.length + 1, outsidePeersUp: true,
      baseAddress: '127.82.0.3', snmpPort: 44161, netconfPort: 44830, worker: workerMode, workflowBundlePath: bundlePath, logDirectory,
      workerEnv: profiledEnv(values['cpu-prof']),
    });
    scratch.onCleanUp(() => lab.stop());
    const hubBoxes = ManagedProcess.node('simulated-hubs', 'simulator/main.ts', [
      '--json', '--devices', String(hubSerials.length), '--models', hubModel, '--base-address', '127.82.0.1', '--snmp-port', '44161', '--netconf-port', '44830',
      '--phone-home-url', `${lab.apiUrl}/api/v1/ztp/phone-home`, '--phone-home-interval-seconds', '1', '--reboot-seconds', '1', '--outside-peers-up',
      '--username', labCredentials.username, '--password', labCredentials.password, '--community', labCredentials.community,
    ], logDirectory, process.env);
    scratch.onCleanUp(() => hubBoxes.stop());
    let hubControl = '';
    await waitFor('the simulated hubs', async () => {
      // The log is opened as the process starts: not there at first.
      const ready = (existsSync(hubBoxes.logFile) ? readFileSync(hubBoxes.logFile, 'utf8') : '').split('\n').map((line) => /^\{"ready":true,"control":"([^"]+)"\}$/.exec(line)).find(Boolean);
      hubControl = ready?.[1] ?? '';
      return hubControl !== '';
    }, { timeoutMs: 60_000, child: hubBoxes });
    const spokeBoxes = Array.from({ length: siteCount }, (_, i) => lab.fleet.device(serial(i + 3))!);
    if (!values['boxes-on-at-start']) {
      // Still in their cartons: a box is plugged in when its site's onboarding starts.
      for (let i = 0; i < spokeBoxes.length; i += 100) await Promise.all(spokeBoxes.slice(i, i + 100).map((box) => box.powerOff()));
    }

    const prisma = lab.prisma;
    const tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    // The tenant's target software for branch boxes is newer than what they ship with: every ZTP upgrades.
    const image = await lab.images.add(simulatorImage(branchModel, '23.2R1'));
    const firmware = await prisma.firmwareImage.create({ data: { model: branchModel, version: '23.2R1', sha256: image.sha256, sizeBytes: image.sizeBytes, fileName: 'branch-23.2R1.img' } });
    await prisma.tenantTargetImage.create({ data: { tenantId, model: branchModel, imageId: firmware.id } });

    say(`raw Temporal: ${rawCount} trivial workflows, 50 in flight`);
    const raw = await rawWorkflows(lab, platform.temporalAddress, rawCount, 50, 120_000);
    say(`raw Temporal: ${raw.rawWorkflowsPerSecond} workflows/s`);

    say('onboarding the two hubs');
    const hubs = await onboardHubs(lab, tenantId, hubControl);

    say(`creating ${siteCount} planned spoke sites`);
    const createStarted = Date.now();
    const sites: Created[] = new Array(siteCount);
    await eachLimited(Array.from({ length: siteCount }, (_, i) => i), 8, Date.now() + 300_000, async (index) => {
      sites[index] = await createSite(lab!, spokeSite(tenantId, hubs, index));
    });
    if (sites.filter(Boolean).length < siteCount) throw new Error('creating the planned sites took more than 5 minutes');
    const siteCreateSeconds = (Date.now() - createStarted) / 1000;

    say(`onboarding ${siteCount} spokes, ${concurrency} at a time (stuck after ${Math.round(siteLimitMs / 1000)} s each, or ${Math.round(phaseLimitMs / 1000)} s in all)`);
    const named = new Map([[hubBoxes.child.pid!, 'simulated hubs']]);
    const cpuBefore = cpuSecondsByProgram(benchProcessName, named);
    const machineBefore = machineJiffies();
    if (values.statements) await countStatements(prisma);
    const spokes = await onboardSpokes(lab, sites);
    const machineAfter = machineJiffies();
    const cpuAfter = cpuSecondsByProgram(benchProcessName, named);
    const statementsPerSite = values.statements ? await statementsPer(prisma, siteCount) : undefined;

    const stuck = spokes.outcomes.filter((o) => o.state === 'stuck').map((o) => o.siteId);
    if (stuck.length > 0) say(`stopping ${stuck.length} stuck onboardings`);
    const stuckAtStep = await stopStuck(lab, stuck);
    const completed = spokes.outcomes.filter((o) => o.state === 'completed');
    const latencies = completed.map((o) => o.endedAt - o.startedAt);
    const byStart = [...completed].sort((a, b) => a.startedAt - b.startedAt);
    const tenth = Math.max(1, Math.ceil(byStart.length / 10));
    const siteP50MsByTenth = Array.from({ length: Math.ceil(byStart.length / tenth) }, (_, i) =>
      percentile(byStart.slice(i * tenth, (i + 1) * tenth).map((o) => o.endedAt - o.startedAt), 50));

    say(`reading back the runs of ${Math.min(sampleSize, completed.length)} sites`);
    const step = Math.max(1, completed.length / sampleSize);
    const sample = Array.from({ length: Math.min(sampleSize, completed.length) }, (_, i) => byStart[Math.floor(i * step)]!.siteId);
    const { historyEventsPerSite, historySample, ...sampleDetail } = await readSample(lab, lab.client, sample, 180_000);
    const hubSide = await readHubs(lab.client, completed.length, spokes.seconds, 60_000);

    const cpuPercent = Object.fromEntries([...cpuAfter].map(([name, seconds]) => [name, round(((seconds - (cpuBefore.get(name) ?? 0)) / spokes.seconds) * 100)])
      .filter(([, percent]) => (percent as number) >= 1));
    const result = {
      sites: siteCount,
      topology,
      hubs: hubs.length,
      concurrency,
      worker: workerMode,
      workers: 1,
      cores: cpus().length,
      sitesPerMinute: round(completed.length / (spokes.seconds / 60), 1),
      siteP50Ms: percentile(latencies, 50),
      siteP95Ms: percentile(latencies, 95),
      siteP50MsByTenth,
      completed: completed.length,
      failed: spokes.outcomes.filter((o) => o.state === 'failed').length,
      stuck: stuck.length + spokes.notStarted,
      notStarted: spokes.notStarted,
      ...(stuck.length > 0 ? { stuckAtStep } : {}),
      historyEventsPerSite,
      historySample,
      ...raw,
      spokePhaseSeconds: round(spokes.seconds, 1),
      siteCreateSeconds: round(siteCreateSeconds, 1),
      wallSeconds: round((Date.now() - started) / 1000, 1),
      machineCpuPercent: round(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100),
      cpuPercentOfOneCore: cpuPercent,
      ...(statementsPerSite !== undefined ? { statementsPerSite } : {}),
      ...hubSide,
      ...sampleDetail,
    };
    console.log(JSON.stringify(result));
    return 0;
  } catch (error) {
    say(`the benchmark could not run: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    await scratch.cleanUp();
  }
}

process.exit(await main());
