// What every benchmark that brings its own Temporal and PostgreSQL shares: a scratch directory
// cleaned up on any exit (Ctrl-C included), a throwaway platform on free ports, the workflows
// bundled once, and the machine's CPU counters.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elementChildren, parseXml } from '../activities/devices/netconf/xml.ts';
import { bundleWorkflowsInto } from '../scripts/fault-lab.ts';
import { startPlatform, type Platform } from '../scripts/platform.ts';
import { freePort } from '../scripts/processes.ts';

const root = join(import.meta.dirname, '..');

export const say = (line: string) => process.stderr.write(`${line}\n`);

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

/** Temporal's development server and an embedded PostgreSQL, seeded, on free ports, gone with the scratch. */
export async function throwawayPlatform(scratch: Scratch, options: { postgresSettings?: string[] } = {}): Promise<Platform> {
  say('starting Temporal and PostgreSQL');
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

/** `system` statements as a box's CLI takes them by hand (ConfigStore.handEdit). */
export const systemStatements = (system: string) => elementChildren(parseXml(`<config><configuration><system>${system}</system></configuration></config>`).documentElement!);
