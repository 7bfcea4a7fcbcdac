// `npm run bench:api`: the REST API under an ITSM-like load, on this machine. The API and a worker
// run as their own processes (as under npm start) against Temporal and PostgreSQL holding --sites
// planned sites (10,000). For --seconds (30), an open loop sends reads (site lists, searches and
// single sites) at --read-rate (200/s); then, for as long, onboarding starts at --start-rate (50/s),
// each for a different site with its own Idempotency-Key, with an API token as ServiceNow would
// (--mixed: both at once). Latency is from send to full answer. Without --worker the started runs
// wait in their task queue: this measures the API and Temporal's front door, not the workflows.
// Progress on stderr; ends with one JSON line on stdout.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPrismaClient } from '../prisma/client.ts';
import { answersOk, freePort, ManagedProcess, sleep, waitFor } from '../scripts/processes.ts';
import { apiTokenFor } from '../scripts/testing.ts';
import { benchScratch, say, throwawayPlatform } from './harness.ts';

const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    'read-rate': { type: 'string', default: '200' },
    'start-rate': { type: 'string', default: '50' },
    // Both loads at once, rather than one after the other.
    mixed: { type: 'boolean', default: false },
    // A worker running the started onboardings meanwhile (they fail at validation: the hubs are planned).
    worker: { type: 'boolean', default: false },
    // A directory for the API process's CPU profile (node --cpu-prof), written as it stops.
    'cpu-prof': { type: 'string' },
  },
});
const siteCount = Math.max(1, Number(values.sites));
const seconds = Math.max(1, Number(values.seconds));
const readRate = Math.max(1, Number(values['read-rate']));
const startRate = Math.max(0, Number(values['start-rate']));
if (startRate * seconds > siteCount) throw new Error(`--sites must be at least start-rate × seconds (${startRate * seconds}): each start onboards another site`);

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;
};

interface Sample {
  ms: number;
  /** 0: no answer (the error says why). */
  status: number;
  error?: string;
}

/**
 * Sends `fire(i)` at a fixed rate for the duration, whatever the answers' speed (an open loop:
 * a slow server meets more requests in flight, as it would in production). Bounded by count.
 */
async function openLoop(rate: number, durationMs: number, fire: (i: number) => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  const count = Math.floor((rate * durationMs) / 1000);
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(fire(i).then((sample) => void samples.push(sample), (error: unknown) => void samples.push({ ms: NaN, status: 0, error: String((error as Error).cause ?? error) })));
  }
  await Promise.all(inFlight);
  return samples;
}

async function timed(url: string, init: RequestInit): Promise<Sample> {
  const sent = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return { ms: performance.now() - sent, status: response.status };
}

interface Costs {
  /** The API process's CPU time per request sent. */
  cpuMsPerRequest: number;
  /** Its event loop's worst delays meanwhile (prom-client's, reset at every read). */
  eventLoopP99Ms: number;
  /** Statements PostgreSQL ran per request, and the busiest ones, with their mean time. */
  statementsPerRequest: number;
  /** The API's garbage collection time per request. */
  gcMsPerRequest: number;
  /**
   * Where a start's time goes, as the API saw it: from its arrival until its answer, and Temporal's
   * part of that (p50 and p99, interpolated in the histograms' buckets). A start's latency at the
   * client beyond the first waited outside the handler (the event loop, the sockets).
   */
  startInApiMs: Quantiles;
  temporalStartMs: Quantiles;
  statements: { calls: number; meanMs: number; query: string }[];
}

interface Quantiles {
  p50: number | null;
  p99: number | null;
}

/** A histogram's buckets (upper bound → cumulative count) in the series matching `labels`, summed. */
function bucketsOf(text: string, name: string, labels: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [, series, count] of text.matchAll(new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    if (!series!.includes(labels)) continue;
    const bound = /le="([^"]+)"/.exec(series!)![1]!;
    const le = bound === '+Inf' ? Infinity : Number(bound);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(count));
  }
  return buckets;
}

/** p50 and p99 of what a histogram observed between two scrapes, interpolated within a bucket. */
function histogramQuantiles(before: string, after: string, name: string, labels: string): Quantiles {
  const start = bucketsOf(before, name, labels);
  const counts = [...bucketsOf(after, name, labels)].sort(([x], [y]) => x - y).map(([le, n]) => ({ le, n: n - (start.get(le) ?? 0) }));
  const total = counts.at(-1)?.n ?? 0;
  const at = (q: number) => {
    if (total === 0) return null;
    let lower = { le: 0, n: 0 };
    for (const bucket of counts) {
      if (bucket.n >= q * total) {
        if (bucket.le === Infinity) return Math.round(lower.le * 1000);
        const share = bucket.n === lower.n ? 1 : (q * total - lower.n) / (bucket.n - lower.n);
        return Math.round((lower.le + share * (bucket.le - lower.le)) * 10_000) / 10;
      }
      lower = bucket;
    }
    return null;
  };
  return { p50: at(0.5), p99: at(0.99) };
}

/** Measures what a phase costs the API and the database, whatever the machine's load does to latency. */
async function withCosts<T>(metricsUrl: string, stats: pg.Client, requests: (result: T) => number, phase: () => Promise<T>): Promise<{ result: T; costs: Costs }> {
  // A metric's value, its series (by kind, for garbage collection) summed.
  const metric = (text: string, name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, [, value]) => sum + Number(value), 0);
  const scrape = async () => (await fetch(metricsUrl)).text();
  const before = await scrape();
  const cpuBefore = metric(before, 'process_cpu_seconds_total');
  await stats.query('SELECT pg_stat_statements_reset()');
  const result = await phase();
  const after = await scrape();
  const { rows } = await stats.query<{ calls: string; mean_ms: number; query: string }>(
    `SELECT calls, mean_exec_time AS mean_ms, query FROM pg_stat_statements
     WHERE query NOT LIKE '%pg_stat_statements%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY calls DESC`);
  const count = Math.max(1, requests(result));
  const calls = rows.reduce((sum, row) => sum + Number(row.calls), 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    result,
    costs: {
      cpuMsPerRequest: round(((metric(after, 'process_cpu_seconds_total') - cpuBefore) * 1000) / count),
      eventLoopP99Ms: round(metric(after, 'nodejs_eventloop_lag_p99_seconds') * 1000),
      statementsPerRequest: round(calls / count),
      gcMsPerRequest: round(((metric(after, 'nodejs_gc_duration_seconds_sum') - metric(before, 'nodejs_gc_duration_seconds_sum')) * 1000) / count),
      startInApiMs: histogramQuantiles(before, after, 'branchline_api_request_duration_seconds', 'route="/api/v1/sites/:siteId/onboarding"'),
      temporalStartMs: histogramQuantiles(before, after, 'branchline_api_run_start_duration_seconds', 'workflow_type="onboardSite"'),
      statements: rows.slice(0, 12).map((row) => ({ calls: Number(row.calls), meanMs: round(row.mean_ms), query: row.query.replace(/\s+/g, ' ').slice(0, 160) })),
    },
  };
}

async function main() {
  const scratch = benchScratch('bench-api');
  try {
    // Every statement the API sends is counted and timed, per phase.
    const platform = await throwawayPlatform(scratch, { postgresSettings: ['shared_preload_libraries=pg_stat_statements'] });

    const prisma = createPrismaClient(platform.databaseUrl, { poolSize: 4 });
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    say(`creating ${siteCount} planned sites`);
    const siteIds: string[] = [];
    for (let offset = 0; offset < siteCount; offset += 1000) {
      const batch = Array.from({ length: Math.min(1000, siteCount - offset) }, (_, i) => ({
        tenantId: tenant.id, name: `Bench store ${offset + i + 1}`, timezone: 'Europe/Paris', tags: ['bench', `region-${(offset + i) % 20}`],
      }));
      const created = await prisma.site.createManyAndReturn({ data: batch, select: { id: true } });
      await prisma.device.createMany({ data: created.map((site, i) => ({ siteId: site.id, role: 'primary' as const, hostname: `bench-${offset + i + 1}-01`, model: 'SRX-SIM-300', platform: 'junos' })) });
      siteIds.push(...created.map((site) => site.id));
    }
    // Autovacuum would vacuum and analyse the new rows within a minute (the vacuum moves the name
    // index's pending entries into the index, which the planner skips while they are many); the
    // measurement should not wait for it.
    await prisma.$executeRawUnsafe('VACUUM ANALYZE');
    await prisma.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const token = await apiTokenFor(prisma, { tenantId: tenant.id, role: 'Tenant admin' });
    await prisma.$disconnect();

    const port = await freePort();
    const metricsPort = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: platform.databaseUrl,
      TEMPORAL_ADDRESS: platform.temporalAddress,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_DIR: join(scratch.directory, 'data'),
      ADMIN_PASSWORD: 'bench-admin-password',
      SECRETS_KEY: randomBytes(32).toString('hex'),
      // The API's own CPU time and event-loop delay, read between the phases.
      API_METRICS_PORT: String(metricsPort),
      // The load stands for many ITSM clients sharing one token: the per-token limit is lifted.
      API_RATE_LIMIT_PER_SECOND: '100000',
      API_RATE_LIMIT_BURST: '100000',
    };
    const logs = join(scratch.directory, 'logs');
    mkdirSync(logs, { recursive: true });
    const profile = values['cpu-prof'];
    const children = [profile
      ? new ManagedProcess('api', process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profile}`, '--import', 'tsx', 'api/server.ts'], join(logs, 'api.log'), { env, cwd: join(import.meta.dirname, '..') })
      : ManagedProcess.node('api', 'api/server.ts', [], logs, env)];
    if (values.worker) children.push(ManagedProcess.node('worker', 'scripts/worker.ts', [], logs, env));
    scratch.onCleanUp(() => Promise.allSettled(children.map((child) => child.stop())));
    const base = `http://127.0.0.1:${port}`;
    await waitFor('The API', () => answersOk(`${base}/readyz`), { timeoutMs: 120_000, child: children[0] });

    const headers = { authorization: `Bearer ${token}` };
    const readPath = (i: number) => {
      const site = siteIds[(i * 7919) % siteIds.length]!;
      switch (i % 4) {
        case 0: return `/api/v1/sites?tenantId=${tenant.id}&limit=50`;
        case 1: return `/api/v1/sites?tenantId=${tenant.id}&limit=50&search=store%20${i % 1000}&status=planned`;
        default: return `/api/v1/sites/${site}`;
      }
    };
    say('warming up');
    await openLoop(50, 2_000, (i) => timed(base + readPath(i), { headers }));
    // One request at a time, to tell the cost of a request from the cost of the load.
    const unloaded: Record<string, number | null> = {};
    for (const kind of [0, 1, 2]) {
      const samples = [];
      for (let i = 0; i < 20; i++) samples.push((await timed(base + readPath(kind + 4 * i), { headers })).ms);
      unloaded[['list', 'search', 'get'][kind]!] = percentile(samples, 50);
    }
    say(`unloaded p50 ms: ${JSON.stringify(unloaded)}`);

    const startSites = siteIds.slice(siteIds.length - Math.floor(startRate * seconds));
    const readLoad = () => openLoop(readRate, seconds * 1000, (i) => timed(base + readPath(i), { headers }));
    const startLoad = () => startRate > 0
      ? openLoop(startRate, seconds * 1000, (i) => timed(`${base}/api/v1/sites/${startSites[i]}/onboarding`, {
        method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `bench-${i}` }, body: '{}',
      }))
      : Promise.resolve([] as Sample[]);
    const stats = new pg.Client({ connectionString: platform.databaseUrl });
    await stats.connect();
    scratch.onCleanUp(() => stats.end());
    const measured = (name: string, phase: () => Promise<Sample[][]>) =>
      withCosts(`http://127.0.0.1:${metricsPort}/metrics`, stats, (result: Sample[][]) => result.flat().length, phase).then(({ result, costs }) => {
        say(`${name}: ${JSON.stringify(costs, null, 1)}`);
        return { result, costs };
      });
    let reads: Sample[];
    let starts: Sample[];
    const costs: Record<string, Omit<Costs, 'statements'>> = {};
    const summary = ({ statements: _, ...figures }: Costs) => figures;
    if (values.mixed) {
      say(`${seconds} s: reads at ${readRate}/s and onboarding starts at ${startRate}/s, together`);
      const phase = await measured('mixed', () => Promise.all([readLoad(), startLoad()]));
      [reads = [], starts = []] = phase.result;
      costs['mixed'] = summary(phase.costs);
    } else {
      say(`${seconds} s: reads at ${readRate}/s`);
      const readPhase = await measured('reads', async () => [await readLoad()]);
      reads = readPhase.result[0]!;
      costs['reads'] = summary(readPhase.costs);
      say(`${seconds} s: onboarding starts at ${startRate}/s`);
      const startPhase = await measured('starts', async () => [await startLoad()]);
      starts = startPhase.result[0]!;
      costs['starts'] = summary(startPhase.costs);
    }

    const ok = (samples: Sample[], status: number) => samples.filter((s) => s.status === status).map((s) => s.ms);
    const all = [...reads, ...starts];
    const result = {
      sites: siteCount,
      seconds,
      mixed: values.mixed,
      worker: values.worker,
      readRate,
      startRate,
      reads: reads.length,
      readP50Ms: percentile(ok(reads, 200), 50),
      readP95Ms: percentile(ok(reads, 200), 95),
      readP99Ms: percentile(ok(reads, 200), 99),
      starts: starts.length,
      startP50Ms: percentile(ok(starts, 202), 50),
      startP95Ms: percentile(ok(starts, 202), 95),
      startP99Ms: percentile(ok(starts, 202), 99),
      errors5xx: all.filter((s) => s.status >= 500).length,
      otherErrors: all.filter((s) => s.status < 500 && (s.status === 0 || s.status >= 300)).length,
      costs,
      statuses: all.reduce<Record<number, number>>((count, s) => ({ ...count, [s.status]: (count[s.status] ?? 0) + 1 }), {}),
      noAnswer: [...new Set(all.flatMap((s) => (s.error ? [s.error] : [])))].slice(0, 3),
    };
    console.log(JSON.stringify(result));
  } finally {
    await scratch.cleanUp();
  }
}

await main();
