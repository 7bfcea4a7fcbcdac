// `npm test`: everything, on a fresh clone — type-check, lint, then the unit, workflow,
// integration and end-to-end suites against a real Temporal server and a real PostgreSQL started
// on their own ports with throwaway data. Ends with one line: `N passed, N failed`.
// `npm test -- --only unit,workflow` runs some suites; `--files onboard` only the files whose path has that text.
// The fault suite (`*.faults.test.ts`: workers killed, connections cut, Temporal and PostgreSQL
// restarted) takes longer than npm test's budget allows: it runs with `--only faults` (npm run test:faults).
// The cluster suite (npm run test:cluster) runs last but one: the onboarding, campaign and RMA
// integration files once more on the production Temporal server (PostgreSQL-backed, a fresh namespace
// per file), then `*.cluster.test.ts` (`npm run cluster` brought up from nothing, a worker and an API
// process killed mid-run). BRANCHLINE_TEST_TEMPORAL=production runs every suite on that server.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { createPrismaClient } from '../prisma/client.ts';
import { seedDemo } from '../prisma/seed.ts';
import { ensureChromium } from './chromium.ts';
import { startE2eFleet } from './e2e-fleet.ts';
import { ensureApiFuzzer, ensureInteropTools } from './interop-tools.ts';
import { startPlatform, type Platform } from './platform.ts';
import { ensureNamespace } from './search-attributes.ts';
import {
  freeTemporalServerPorts, resolveTemporalServer, resolveTemporalUiServer, startTemporalOnPostgres, temporalServerVersion, type TemporalServerBinaries,
} from './temporal-cluster.ts';
import { answersOk, freePort, ManagedProcess, waitFor } from './processes.ts';
import { createDatabase, dropDatabase } from './testing.ts';

const root = join(import.meta.dirname, '..');
/** The key the tests' workers derive IKE pre-shared keys from: one per run. */
const testSecretsKey = process.env['SECRETS_KEY'] || randomBytes(32).toString('hex');
const say = (line: string) => console.log(`\n▶ ${line}`);
const suites = ['typecheck', 'lint', 'unit', 'workflow', 'integration', 'e2e', 'faults', 'cluster'] as const;
/** Suites `npm test` leaves out unless named: they take longer than its budget allows. */
const onlyWhenNamed: readonly Suite[] = ['faults'];
type Suite = (typeof suites)[number];

const { values } = parseArgs({ options: { only: { type: 'string' }, files: { type: 'string' } } });
const selected = new Set<Suite>(values.only ? (values.only.split(',') as Suite[]) : suites.filter((suite) => !onlyWhenNamed.includes(suite)));
for (const suite of selected) if (!suites.includes(suite)) throw new Error(`unknown suite ${suite}; suites are ${suites.join(', ')}`);
const temporalKinds = ['development', 'production'] as const;
const temporalKind = (process.env['BRANCHLINE_TEST_TEMPORAL'] || 'development') as (typeof temporalKinds)[number];
if (!temporalKinds.includes(temporalKind)) throw new Error(`BRANCHLINE_TEST_TEMPORAL is ${temporalKind}; it is ${temporalKinds.join(' or ')}`);
/** The integration files the cluster suite runs again on the production server: onboarding, campaigns, RMA. */
const onProductionServer = (file: string) => /^workflows\/.*(onboard|campaign|rma).*\.integration\.test\.ts$/.test(file);

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

/**
 * Runs a suite, or one file of it; one that has not ended after `limitMinutes` (a test left
 * something running) is stopped and fails. With `output`, what it prints is kept there instead of
 * shown as it comes (files run side by side print whole, one after the other).
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, limitMinutes = 20, output?: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: output ? ['ignore', 'pipe', 'pipe'] : 'inherit', env });
    const keep = (chunk: Buffer) => output!.push(chunk.toString());
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const limit = setTimeout(() => {
      (output ?? []).push(`\n${args.slice(-1)[0]}: still running after ${limitMinutes} minutes; stopping it.\n`);
      if (!output) console.error(`\n${args.slice(-1)[0]}: still running after ${limitMinutes} minutes; stopping it.`);
      child.kill('SIGKILL');
    }, limitMinutes * 60_000);
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve(code ?? 1);
    });
  });
}

/** A check that is one pass or one failure (type-check, lint). */
async function check(name: string, command: string, args: string[]) {
  say(name);
  const code = await run(command, args);
  if (code === 0) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(name);
  }
}

const testFileKinds: Record<'unit' | 'workflow' | 'integration' | 'faults' | 'cluster', (file: string) => boolean> = {
  unit: (file) => file.endsWith('.test.ts') && !['.workflow.test.ts', '.integration.test.ts', '.faults.test.ts', '.cluster.test.ts'].some((suffix) => file.endsWith(suffix)),
  workflow: (file) => file.endsWith('.workflow.test.ts'),
  integration: (file) => file.endsWith('.integration.test.ts'),
  faults: (file) => file.endsWith('.faults.test.ts'),
  cluster: (file) => file.endsWith('.cluster.test.ts'),
};

function testFiles(kind: keyof typeof testFileKinds): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (testFileKinds[kind](name)) found.push(relative(root, path));
    }
  };
  for (const directory of ['domain', 'runtime', 'inventory', 'workflows', 'activities', 'api', 'prisma', 'scripts', 'simulator', 'bench', 'ui/src']) {
    if (existsSync(join(root, directory))) walk(join(root, directory));
  }
  // `--files onboard` keeps the test files whose path contains that text (`--files a,b`: either).
  const wanted = values.files?.split(',').filter(Boolean) ?? [];
  return found.filter((file) => wanted.length === 0 || wanted.some((text) => file.includes(text))).sort();
}

/** Files run side by side, `count` at a time, each on the Temporal namespace `namespaceOf` gives (if any). */
interface Lanes {
  count: number;
  namespaceOf(file: string, lane: number): string | undefined;
}

/** How long a file may run before it is stopped: a fault or cluster file, whose outages and start-ups last minutes, longer. */
const limitMinutes = (file: string) => (testFileKinds.faults(file) || testFileKinds.cluster(file) ? 40 : testFileKinds.integration(file) ? 10 : 20);

/**
 * node:test prints as it goes; a TAP copy in a file gives the counts. Unit and workflow files run
 * in one go. Integration files run one at a time in each of `lanes`, side by side, each on a
 * Temporal namespace of its own (a file's workers never take another file's tasks), and print
 * whole when they end; fault files one at a time, alone. Each file is stopped if it has not
 * ended after 10 minutes (a fault file, whose outages last minutes: 40), so a file that hangs is
 * named and the others still run. `files` and `title` run other files than the kind's, under another heading.
 */
async function nodeTests(kind: keyof typeof testFileKinds, env: NodeJS.ProcessEnv, scratch: string, options: { lanes?: Lanes; files?: string[]; title?: string } = {}) {
  const files = options.files ?? testFiles(kind);
  const { lanes } = options;
  const title = options.title ?? kind;
  say(`${title} tests (${files.length} files${lanes && lanes.count > 1 ? `, ${lanes.count} at a time` : ''})`);
  const oneByOne = kind === 'integration' || kind === 'faults' || kind === 'cluster';
  const batches = oneByOne ? files.map((file) => [file]) : files.length ? [files] : [];
  const runBatch = async (batch: string[], index: number, laneEnv: NodeJS.ProcessEnv, output?: string[]) => {
    const tap = join(scratch, `${title.replace(/\W+/g, '-')}-${index}.tap`);
    const code = await run(process.execPath, [
      '--import', 'tsx', '--test', '--test-concurrency=1',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...batch,
    ], laneEnv, limitMinutes(batch[0]!), output);
    const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
    const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    totals.passed += count('pass');
    totals.failed += count('fail') + count('cancelled');
    totals.skipped += count('skipped') + count('todo');
    if (code !== 0) {
      const failed = `${title} tests${batch.length === 1 ? ` (${batch[0]})` : ''}`;
      failures.push(failed);
      if (count('fail') + count('cancelled') === 0) totals.failed += 1; // the runner itself failed
    }
  };
  if (!lanes) {
    for (const [index, batch] of batches.entries()) await runBatch(batch, index, env);
    return;
  }
  let next = 0;
  await Promise.all(Array.from({ length: lanes.count }, async (_, lane) => {
    for (let index = next++; index < batches.length; index = next++) {
      const output: string[] = [];
      const started = Date.now();
      const namespace = lanes.namespaceOf(batches[index]![0]!, lane);
      await runBatch(batches[index]!, index, namespace ? { ...env, TEMPORAL_NAMESPACE: namespace } : env, output);
      console.log(`\n▷ ${batches[index]![0]} (${((Date.now() - started) / 1000).toFixed(0)} s${namespace ? `, namespace ${namespace}` : ''})\n${output.join('')}`);
    }
  }));
}

/** How many integration files run side by side: INTEGRATION_LANES, 2 unless said otherwise (1: one after the other). */
const laneCount = Math.max(1, Number(process.env['INTEGRATION_LANES'] ?? 2));

/** The namespaces integration files run in, one per lane: `default` and one more for each other lane. */
async function integrationNamespaces(temporalAddress: string): Promise<string[]> {
  const namespaces = ['default', ...Array.from({ length: laneCount - 1 }, (_, index) => `integration-lane-${index + 2}`)];
  for (const namespace of namespaces.slice(1)) await ensureNamespace({ address: temporalAddress }, namespace);
  return namespaces;
}

const loud = (lines: string[]) => console.error(`\n${'█'.repeat(78)}\n${lines.map((line) => `█ ${line}`).join('\n')}\n${'█'.repeat(78)}\n`);

/**
 * The production Temporal server and its schema tool, and the Web UI's server the cluster test
 * runs: given (TEMPORAL_SERVER_BINARY…) or built once under .data/tools with Go. Asked for first,
 * so that a build goes on beside the type-check and the first suites.
 */
async function productionBinaries(): Promise<TemporalServerBinaries> {
  const toolsDir = join(root, '.data', 'tools');
  const tell = (line: string) => console.log(`  (cluster suite) ${line}`);
  const server = await resolveTemporalServer({ serverPath: process.env['TEMPORAL_SERVER_BINARY'], sqlToolPath: process.env['TEMPORAL_SQL_TOOL'], toolsDir, say: tell });
  await resolveTemporalUiServer({ path: process.env['TEMPORAL_UI_SERVER_BINARY'], toolsDir, say: tell });
  return server;
}

/** Files known to take minutes, started first so that the cluster suite's lanes end together. */
const startedFirst = ['workflows/upgrade-campaign.integration.test.ts', 'workflows/onboard-site.integration.test.ts', 'scripts/cluster.cluster.test.ts'];
const longestFirst = (files: string[]) => [...files.filter((file) => startedFirst.includes(file)).sort((a, b) => startedFirst.indexOf(a) - startedFirst.indexOf(b)), ...files.filter((file) => !startedFirst.includes(file))];

/**
 * The cluster suite, in lanes side by side: the onboarding, campaign and RMA integration files
 * again, on the production Temporal server (the platform's when it is one, else one started now
 * on the platform's PostgreSQL), and the cluster test, which brings up a cluster of its own. Each
 * integration file has a namespace of its own, new, registered through the server's API with
 * Branchline's search attributes (all at once: each is usable after the same refresh of the
 * server's namespace cache).
 */
async function clusterSuite(platform: Platform | undefined, production: { binaries: TemporalServerBinaries; isPlatforms: boolean }, env: NodeJS.ProcessEnv, scratch: string) {
  const onServer = platform ? testFiles('integration').filter(onProductionServer) : [];
  const files = longestFirst([...onServer, ...testFiles('cluster')]);
  const started = Date.now();
  const server = !platform || production.isPlatforms || onServer.length === 0 ? undefined : await startTemporalOnPostgres({
    binaries: production.binaries, databaseUrl: platform.databaseUrl, host: '127.0.0.1', ports: await freeTemporalServerPorts(),
    root: join(scratch, 'production-temporal'), logFile: join(scratch, 'logs', 'production-temporal.log'), namespace: 'default', say: (line) => console.log(line),
  });
  const address = server?.address ?? platform?.temporalAddress;
  try {
    const run = randomBytes(2).toString('hex');
    const namespaces = new Map(await Promise.all(onServer.map(async (file) => {
      const namespace = `${basename(file, '.integration.test.ts')}-${run}`;
      await ensureNamespace({ address: address! }, namespace, 120_000);
      return [file, namespace] as const;
    })));
    if (onServer.length > 0) console.log(`the production Temporal server ${address} and ${namespaces.size} namespaces ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await nodeTests('cluster', { ...env, TEMPORAL_ADDRESS: address }, scratch, {
      files, title: 'cluster (integration files on the production Temporal server, and the cluster test)', lanes: { count: laneCount, namespaceOf: (file) => namespaces.get(file) },
    });
  } finally {
    await server?.stop();
  }
}

// The API creates this SP admin on a database without accounts; the browser signs in as them.
const e2eAdmin = { email: 'admin@branchline.local', password: 'e2e-admin-password' };

async function endToEnd(platform: Platform, scratch: string) {
  say('end-to-end tests (Playwright, Chromium)');
  const chromium = ensureChromium((line) => console.log(line));
  const port = await freePort();
  const database = `e2e_${randomBytes(6).toString('hex')}`;
  const env = {
    ...process.env,
    DATABASE_URL: await createDatabase(platform.databaseUrl, database),
    DATA_DIR: join(scratch, 'e2e-data'),
    TEMPORAL_ADDRESS: platform.temporalAddress,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: e2eAdmin.email,
    ADMIN_PASSWORD: e2eAdmin.password,
    SECRETS_KEY: testSecretsKey,
  };
  // The boxes phone home to the API, which starts below: they keep trying until it answers.
  const fleet = await startE2eFleet({ apiUrl: `http://127.0.0.1:${port}` });
  const prisma = createPrismaClient(env.DATABASE_URL, { poolSize: 1 });
  try {
    await seedDemo(prisma);
    await fleet.seed(prisma, env.DATA_DIR);
  } catch (error) {
    await fleet.stop();
    throw error;
  } finally {
    await prisma.$disconnect();
  }

  const logs = join(scratch, 'logs');
  const serviceEnv = { ...env, ...fleet.workerEnv, PUBLIC_URL: `http://127.0.0.1:${port}` };
  const children = [ManagedProcess.node('worker', 'scripts/worker.ts', [], logs, serviceEnv), ManagedProcess.node('api', 'api/server.ts', [], logs, serviceEnv)];
  try {
    await waitFor('The API', () => answersOk(`http://127.0.0.1:${port}/readyz`), { timeoutMs: 120_000, child: children[1] });
    const report = join(scratch, 'playwright.json');
    // `--files sla` runs the specs whose path has that text (`--files a,b`: either), as for the other suites.
    const specs = (values.files?.split(',').filter(Boolean) ?? []).map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const code = await run(join(root, 'node_modules', '.bin', 'playwright'), ['test', '--reporter=list,json', ...specs], {
      ...env,
      ...fleet.specEnv,
      BASE_URL: `http://127.0.0.1:${port}`,
      CHROMIUM_PATH: chromium ?? '',
      PLAYWRIGHT_JSON_OUTPUT_NAME: report,
      E2E_ADMIN_EMAIL: e2eAdmin.email,
      E2E_ADMIN_PASSWORD: e2eAdmin.password,
    });
    const stats = existsSync(report)
      ? (JSON.parse(readFileSync(report, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } }).stats
      : { expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
    totals.passed += stats.expected + stats.flaky;
    totals.failed += stats.unexpected;
    totals.skipped += stats.skipped;
    if (code !== 0) {
      failures.push('end-to-end tests');
      if (stats.unexpected === 0) totals.failed += 1;
    }
  } finally {
    await Promise.allSettled(children.map((child) => child.stop()));
    await fleet.stop();
    await dropDatabase(platform.databaseUrl, database);
  }
}

async function main() {
  const started = Date.now();
  // Asked for before anything else, so that a build goes on beside the type-check and the first
  // suites. Without the binaries the cluster suite cannot run: that is said loudly and fails.
  const binaries = selected.has('cluster') || temporalKind === 'production'
    ? productionBinaries().catch((error: unknown) => {
        loud([`No production Temporal server ${temporalServerVersion}: the cluster suite cannot run and counts as failed.`, ...(error as Error).message.split('\n')]);
        totals.failed += 1;
        failures.push('cluster suite (no Temporal server binaries, see above)');
        return undefined;
      })
    : Promise.resolve(undefined);
  if (selected.has('typecheck')) {
    await check('type-check', join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
    await check('type-check (UI)', join(root, 'node_modules', '.bin', 'svelte-check'), ['--tsconfig', 'ui/tsconfig.json', '--threshold', 'warning', '--output', 'human']);
  }
  if (selected.has('lint')) await check('lint', join(root, 'node_modules', '.bin', 'eslint'), ['--max-warnings=0', '.']);

  const scratch = mkdtempSync(join(tmpdir(), 'branchline-test-'));
  chmodSync(scratch, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its directory
  const needsDevelopmentServer = ['workflow', 'integration', 'e2e', 'faults'].some((suite) => selected.has(suite as Suite));
  const needsServices = needsDevelopmentServer || (selected.has('cluster') && testFiles('integration').some(onProductionServer));
  // Where the cluster suite is the only one asking, the tests' Temporal is the production server.
  const onProduction = temporalKind === 'production' || !needsDevelopmentServer;
  let platform: Platform | undefined;
  try {
    if (needsServices) {
      say(`starting Temporal (${onProduction ? `the production server ${temporalServerVersion} on PostgreSQL` : 'the development server'}) and PostgreSQL for the tests`);
      const temporalServer = onProduction ? await binaries : undefined;
      if (onProduction && !temporalServer) throw new Error('no production Temporal server to run the tests on (see above)');
      platform = await startPlatform({
        dataDir: join(scratch, 'data'),
        toolsDir: join(root, '.data', 'tools'),
        // With DATABASE_URL, tests make (and drop) their databases on that server: its user needs CREATEDB.
        databaseUrl: process.env['DATABASE_URL'] || undefined,
        temporalCliPath: process.env['TEMPORAL_CLI_PATH'],
        ...(temporalServer ? { temporalServer } : {}),
        namespace: 'default',
        ports: { postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort() },
        durable: false,
        seed: false,
        say: (line) => console.log(line),
      });
    }
    const tools = join(root, '.data', 'tools');
    const { pythonPath } = selected.has('integration') ? ensureInteropTools(tools, (line) => console.log(line)) : { pythonPath: '' };
    const fuzzer = selected.has('integration') ? ensureApiFuzzer(tools, (line) => console.log(line)) : { pythonPath: '' };
    const env = {
      ...process.env,
      BRANCHLINE_INTEROP_PYTHONPATH: pythonPath,
      BRANCHLINE_FUZZ_PYTHONPATH: fuzzer.pythonPath,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: platform?.temporalAddress,
      BRANCHLINE_TEST_DATABASE_URL: platform?.databaseUrl,
      SECRETS_KEY: testSecretsKey,
    };
    const namespaces = platform && selected.has('integration') ? await integrationNamespaces(platform.temporalAddress) : [];
    const lanes = namespaces.length > 1 ? { count: namespaces.length, namespaceOf: (_: string, lane: number) => namespaces[lane] } : undefined;
    for (const kind of ['unit', 'workflow', 'integration', 'faults'] as const) {
      if (selected.has(kind)) await nodeTests(kind, env, scratch, kind === 'integration' && lanes ? { lanes } : {});
    }
    const productionServer = selected.has('cluster') ? await binaries : undefined;
    if (productionServer) await clusterSuite(platform, { binaries: productionServer, isPlatforms: onProduction }, env, scratch);
    if (selected.has('e2e') && platform) await endToEnd(platform, scratch);
  } catch (error) {
    console.error(error);
    totals.failed += 1;
    failures.push('test set-up');
  } finally {
    await platform?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }

  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`\nTests took ${minutes} min.${failures.length ? ` Failed: ${failures.join(', ')}.` : ''}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

await main();
