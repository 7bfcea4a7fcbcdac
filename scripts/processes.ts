// Small process-supervision helpers shared by `npm start`, `npm test` and the benchmarks.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';

export class StartupError extends Error {
  override name = 'StartupError';
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when something already accepts TCP connections on host:port. */
export function portIsOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

/** Fails with a sentence naming the setting to change when a port we need is taken. */
export async function assertPortFree(port: number, what: string, setting: string, host = '127.0.0.1'): Promise<void> {
  if (await portIsOpen(port, host)) {
    throw new StartupError(`Port ${port}, needed for ${what}, is already in use. Stop whatever listens there (\`ss -ltnp | grep :${port}\` shows it), or set ${setting} to another port.`);
  }
}

/**
 * A free TCP port on loopback, below Linux's ephemeral range (32768 and up): a port the kernel
 * hands out for listening is one it may also give to an outgoing connection before our server
 * binds it, and a service starting up opens many (PostgreSQL pools, Temporal clients).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 7_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 27000 on 127.0.0.1');
}

export async function waitFor(what: string, probe: () => Promise<boolean>, options: { timeoutMs: number; child?: ManagedProcess }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.child?.exited) {
      throw new StartupError(`${what} exited during start-up (code ${options.child.exitCode}).\n${options.child.logTail()}`);
    }
    if (await probe()) return;
    await sleep(200);
  }
  throw new StartupError(`${what} did not become ready within ${Math.round(options.timeoutMs / 1000)} s.\n${options.child?.logTail() ?? ''}`);
}

/** True when `url` answers 2xx; false when it answers otherwise or not at all. */
export async function answersOk(url: string): Promise<boolean> {
  return (await fetch(url).catch(() => undefined))?.ok ?? false;
}

/**
 * Installs Debian packages when this is a Debian or Ubuntu machine and we are root; says so first.
 * Returns whether it could try (the caller checks what it needed is there).
 */
export function aptInstall(packages: string[], say: (line: string) => void): boolean {
  if (userInfo().uid !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  say(`installing ${packages.join(', ')} from the distribution (apt-get), once…`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return true;
}

/** How Branchline's TypeScript processes run: with tsx, and scripts/workflow-thread.cjs in every thread. */
export const nodeOptions = ['--require', join(import.meta.dirname, 'workflow-thread.cjs'), '--import', 'tsx'];

/** A child process whose output goes to a log file, stopped by SIGTERM then SIGKILL. */
export class ManagedProcess {
  readonly child: ChildProcess;
  exited = false;
  exitCode: number | null = null;
  /** Settles when the process has ended, however it ended. */
  readonly whenExited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    readonly logFile: string,
    options: SpawnOptions = {},
  ) {
    mkdirSync(dirname(logFile), { recursive: true });
    const log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.whenExited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code ?? (signal ? 128 : null);
        resolve();
      });
      this.child.once('error', (error) => {
        log.write(`\n${name} could not be started: ${error.message}\n`);
        this.exited = true;
        resolve();
      });
    });
  }

  /** The last lines of the log, to show when something went wrong. */
  logTail(lines = 20): string {
    try {
      const text = readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      return `Last lines of ${this.logFile}:\n${text}`;
    } catch {
      return '';
    }
  }

  /** One of Branchline's TypeScript processes (worker, API, simulator), run with tsx. */
  static node(name: string, script: string, args: string[], logDirectory: string, env: NodeJS.ProcessEnv): ManagedProcess {
    return new ManagedProcess(name, process.execPath, [...nodeOptions, script, ...args], join(logDirectory, `${name}.log`), {
      env,
      cwd: join(import.meta.dirname, '..'),
    });
  }

  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return;
    this.child.kill(signal);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.whenExited;
    clearTimeout(killer);
  }
}
