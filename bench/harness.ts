// What every benchmark that brings its own Temporal and PostgreSQL shares: a scratch directory
// cleaned up on any exit (Ctrl-C included), a throwaway platform on free ports, the workflows
// bundled once, and the machine's CPU counters.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elementChildren, parseXml } from '../activities/devices/netconf/xml.ts';
import { bundleWorkflowsInto } from '../scripts/fault-lab.ts';
import { startPlatform, type Platform, type PlatformOptions } from '../scripts/platform.ts';
import type { PrismaClient } from '../prisma/client.ts';
import { freePort } from '../scripts/processes.ts';
import { resolveTemporalServer, temporalServerVersion } from '../scripts/temporal-cluster.ts';

const root = join(import.meta.dirname, '..');

export const say = (line: string) => process.stderr.write(`${line}\n`);

/**
 * What a process's environment takes to be CPU-profiled into `directory` (scripts/cpu-profile.mjs:
 * NODE_OPTIONS does not allow --cpu-prof); nothing without a directory.
 */
export function profiledEnv(directory: string | undefined): Record<string, string> {
  return directory ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${join(root, 'scripts', 'cpu-profile.mjs')}`.trim(), CPU_PROFILE_DIR: directory } : {};
}

export interface Scratch {
  directory: string;
  /** Stopped in reverse order of registration, before the directory goes. */
  onCleanUp(stop: () => Promise<unknown>): void;
  cleanUp(): Promise<void>;
}

export function benchScratch(name: string): Scratch {
  const directory = mkdtempSync(join(tmpdir(), `branchline-${name}-`));
  chmodSync(directory, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its directory
  const stops: (() => Promise<unknown>)[] = [];
  const scratch: Scratch = {
    directory,
    onCleanUp: (stop) => void stops.push(stop),
    async cleanUp() {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
      // A child may still be writing its last file as it stops: retried rather than left behind.
      rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void scratch.cleanUp().finally(() => process.exit(130)));
  return scratch;
}

/** Temporal's development server (or the production server given) and an embedded PostgreSQL, seeded, on free ports, gone with the scratch. */
export async function throwawayPlatform(scratch: Scratch, options: Pick<PlatformOptions, 'postgresSettings' | 'temporalServer'> = {}): Promise<Platform> {
  say(`starting PostgreSQL and Temporal's ${options.temporalServer ? 'production server on it' : 'development server'}`);
  const platform = await startPlatform({
    dataDir: join(scratch.directory, 'data'),
    toolsDir: join(root, '.data', 'tools'),
    temporalCliPath: process.env['TEMPORAL_CLI_PATH'],
    namespace: 'default',
    ports: { postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort() },
    durable: false,
    ...options,
    seed: true,
    say,
  });
  scratch.onCleanUp(() => platform.stop());
  return platform;
}

/** Where a benchmark's production Temporal server listens: loopback of its own, its membership ports below 32768 as Temporal wants them. */
export interface ProductionTemporalPlace {
  host: string;
  /** The frontend's gRPC port; history, matching and worker take the next ones, the frontend's HTTP API the one after. */
  grpcPortBase: number;
  membershipPortBase: number;
}

/**
 * The production topology, throwaway: Temporal's own server (the binary `npm run cluster` runs,
 * TEMPORAL_SERVER_BINARY and TEMPORAL_SQL_TOOL, else built once under .data/tools) on an embedded
 * PostgreSQL holding its persistence and visibility databases beside Branchline's, its schemas
 * set up by the schema tool, the namespace registered and its search attributes added. It checks
 * no token (no identity provider here): what is measured is the server's work, not its sign-in.
 */
export async function throwawayProductionPlatform(scratch: Scratch, place: ProductionTemporalPlace, options: Pick<PlatformOptions, 'postgresSettings'> = {}): Promise<Platform> {
  const binaries = await resolveTemporalServer({ serverPath: process.env['TEMPORAL_SERVER_BINARY'], sqlToolPath: process.env['TEMPORAL_SQL_TOOL'], toolsDir: join(root, '.data', 'tools'), say });
  say(`Temporal server ${temporalServerVersion} (${binaries.source})`);
  const [grpc, membership] = [place.grpcPortBase, place.membershipPortBase];
  return throwawayPlatform(scratch, {
    ...options,
    temporalServer: {
      ...binaries,
      host: place.host,
      ports: {
        frontend: grpc, history: grpc + 1, matching: grpc + 2, worker: grpc + 3, frontendHttp: grpc + 4, internalFrontend: grpc + 5,
        frontendMembership: membership, historyMembership: membership + 1, matchingMembership: membership + 2, workerMembership: membership + 3,
        internalFrontendMembership: membership + 4,
      },
    },
  });
}

/** What PostgreSQL must start with for `countStatements` (a platform's `postgresSettings`). */
export const statementsCountable = ['shared_preload_libraries=pg_stat_statements'];

/** Counts Branchline's SQL statements from now on (pg_stat_statements, created and reset). */
export async function countStatements(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await prisma.$executeRawUnsafe('SELECT pg_stat_statements_reset()');
}

/** The SQL statements Branchline ran since `countStatements`, per unit (a site); the most called on stderr. */
export async function statementsPer(prisma: PrismaClient, units: number): Promise<number> {
  const rows = await prisma.$queryRawUnsafe<{ calls: bigint; query: string }[]>(
    `SELECT calls, query FROM pg_stat_statements
     WHERE query NOT LIKE '%pg_stat_statements%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC`);
  for (const row of rows.slice(0, 25)) say(`  ${(Number(row.calls) / units).toFixed(2)} per site: ${row.query.replace(/\s+/g, ' ').slice(0, 200)}`);
  return Math.round((rows.reduce((sum, row) => sum + Number(row.calls), 0) / units) * 10) / 10;
}

/** The workflow bundle, built once for every worker the benchmark starts. */
export async function bundleWorkflows(scratch: Scratch): Promise<string> {
  say('bundling the workflows once');
  return bundleWorkflowsInto(scratch.directory);
}

/** Busy and total jiffies of the whole machine. */
export function machineJiffies(): { busy: number; total: number } {
  const numbers = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = numbers.reduce((a, b) => a + b, 0);
  return { busy: total - numbers[3]! - numbers[4]!, total };
}

/** CPU seconds of this process (named `ownName`) and everything it started (Temporal, PostgreSQL, a worker), by program name. */
export function cpuSecondsByProgram(ownName: string, named: ReadonlyMap<number, string> = new Map()): Map<string, number> {
  const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      return [{ pid: Number(pid), program: stat.slice(stat.indexOf('(') + 1, close), parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
    } catch {
      return []; // gone meanwhile
    }
  });
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) if (!ours.has(p.pid) && ours.has(p.parent)) grew = !!ours.add(p.pid);
  }
  const byProgram = new Map<string, number>();
  for (const p of processes.filter((q) => ours.has(q.pid))) {
    const name = p.pid === process.pid ? ownName : named.get(p.pid)
      // The production server's binary is `server`: counted as Temporal, as the development server's is.
      ?? (p.program === 'node' ? 'worker process' : p.program === 'server' ? 'temporal' : p.program);
    byProgram.set(name, (byProgram.get(name) ?? 0) + p.ticks / 100);
  }
  return byProgram;
}

/** `system` statements as a box's CLI takes them by hand (ConfigStore.handEdit). */
export const systemStatements = (system: string) => elementChildren(parseXml(`<config><configuration><system>${system}</system></configuration></config>`).documentElement!);
