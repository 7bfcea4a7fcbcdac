// The production Temporal server for `npm run cluster`: the server and its SQL schema tool at the
// version docker-compose.yml pins, its persistence and visibility on PostgreSQL. Built once from
// the server's Go module (cached under the tools directory), or taken from paths given.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, ManagedProcess, StartupError, portIsOpen, waitFor } from './processes.ts';
import { ensureNamespace } from './search-attributes.ts';
import { isExecutable, onPath } from './temporal-server.ts';

/** The server release docker-compose.yml's temporalio/auto-setup image carries. */
export const temporalServerVersion = '1.29.1';
const serverModule = `go.temporal.io/server@v${temporalServerVersion}`;
/** The Web UI release docker-compose.yml's temporalio/ui image carries. */
export const temporalUiVersion = '2.42.1';
/** History shards: fixed for the life of a cluster's database, and auto-setup's default. */
const historyShards = 4;

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  source: string;
}

function versionOf(binary: string): string {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).pop() ?? '?';
  } catch {
    return '?';
  }
}

const installGo = `Install Go (https://go.dev/dl/; a Go 1.21 or later fetches the newer Go these modules ask for by itself) so it is built once`;

/**
 * Go packages built once with `go install` into `bin` (minutes), each renamed as `names` says;
 * built aside and moved in whole, so a build stopped half-way is never taken for a build. The
 * build runs beside whatever else the caller does meanwhile (npm test's first suites).
 */
async function builtWithGo(options: { what: string; bin: string; packages: string[]; names: Record<string, string>; orSet: string; say: (line: string) => void }): Promise<void> {
  if (Object.values(options.names).every((name) => isExecutable(join(options.bin, name)))) return;
  const go = onPath('go');
  if (!go) throw new StartupError(`Nothing in ${options.bin}, where ${options.what} is built once, and there is no Go to build it. ${installGo}, or ${options.orSet}.`);
  options.say(`building ${options.what} from its Go module into ${options.bin} (minutes, once)…`);
  const partial = `${options.bin}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  try {
    const build = spawn(go, ['install', ...options.packages], { env: { ...process.env, GOBIN: partial }, stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
    let stderr = '';
    build.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => {
      build.once('error', () => resolve(null));
      build.once('close', resolve);
    });
    if (status !== 0) throw new StartupError(`go install of ${options.what} failed:\n${stderr.trim().split('\n').slice(-10).join('\n')}\nOr ${options.orSet}.`);
    for (const [built, name] of Object.entries(options.names)) renameSync(join(partial, built), join(partial, name));
    rmSync(options.bin, { recursive: true, force: true });
    renameSync(partial, options.bin);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** A binary named by a setting: it must be there; a version other than the tested one is said. */
function givenBinary(setting: string, path: string, version: string, say: (line: string) => void): string {
  if (!isExecutable(path)) throw new StartupError(`${setting} is ${path}, which is not an executable file.`);
  const found = versionOf(path);
  if (!found.includes(version)) say(`${setting} is version ${found}; docker-compose.yml and this topology are tested with ${version}.`);
  return path;
}

/**
 * Finds the server and its schema tool, in this order: TEMPORAL_SERVER_BINARY and
 * TEMPORAL_SQL_TOOL; a build cached in `toolsDir`; else a build made now with `go install`
 * (minutes, once). The schema tool carries the server's PostgreSQL schemas inside it.
 */
export async function resolveTemporalServer(options: {
  serverPath?: string | undefined;
  sqlToolPath?: string | undefined;
  toolsDir: string;
  say: (line: string) => void;
}): Promise<TemporalServerBinaries> {
  if (options.serverPath || options.sqlToolPath) {
    for (const [setting, path] of [['TEMPORAL_SERVER_BINARY', options.serverPath], ['TEMPORAL_SQL_TOOL', options.sqlToolPath]] as const) {
      if (!path) throw new StartupError(`${setting} must be set too: the server and its schema tool are given together.`);
    }
    return {
      server: givenBinary('TEMPORAL_SERVER_BINARY', options.serverPath!, temporalServerVersion, options.say),
      sqlTool: givenBinary('TEMPORAL_SQL_TOOL', options.sqlToolPath!, temporalServerVersion, options.say),
      source: 'TEMPORAL_SERVER_BINARY',
    };
  }
  const bin = join(options.toolsDir, `temporal-server-${temporalServerVersion}`, 'bin');
  await builtWithGo({
    what: `the Temporal server ${temporalServerVersion} and its schema tool`,
    bin,
    packages: [`go.temporal.io/server/cmd/server@v${temporalServerVersion}`, `go.temporal.io/server/cmd/tools/sql@v${temporalServerVersion}`],
    names: { server: 'server', sql: 'temporal-sql-tool' },
    orSet: `set TEMPORAL_SERVER_BINARY and TEMPORAL_SQL_TOOL to a Temporal server and temporal-sql-tool ${temporalServerVersion} (the temporalio/server image has both)`,
    say: options.say,
  });
  return { server: join(bin, 'server'), sqlTool: join(bin, 'temporal-sql-tool'), source: `built from ${serverModule}` };
}

/** The Web UI's server at the version docker-compose.yml's temporalio/ui image carries: TEMPORAL_UI_SERVER_BINARY, else built once. */
export async function resolveTemporalUiServer(options: { path?: string | undefined; toolsDir: string; say: (line: string) => void }): Promise<string> {
  if (options.path) return givenBinary('TEMPORAL_UI_SERVER_BINARY', options.path, temporalUiVersion, options.say);
  const bin = join(options.toolsDir, `temporal-ui-server-${temporalUiVersion}`, 'bin');
  await builtWithGo({
    what: `the Temporal Web UI's server ${temporalUiVersion}`,
    bin,
    packages: [`github.com/temporalio/ui-server/v2/cmd/server@v${temporalUiVersion}`],
    names: { server: 'ui-server' },
    orSet: `set TEMPORAL_UI_SERVER_BINARY to a temporalio/ui-server ${temporalUiVersion}`,
    say: options.say,
  });
  return join(bin, 'ui-server');
}

/** The PostgreSQL the cluster keeps its two databases on, as the schema tool and the server are told it. */
interface SqlServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

function sqlServerOf(url: string): SqlServer {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432), user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

export const temporalDatabases = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * Creates the persistence and visibility databases if missing and brings both schemas to the
 * server's version, as auto-setup does on every start: setting up version 0.0 and updating an
 * up-to-date schema change nothing.
 */
export async function migrateTemporalDatabases(binaries: TemporalServerBinaries, databaseUrl: string, say: (line: string) => void): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const name of Object.values(temporalDatabases)) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await admin.end();
  }
  const server = sqlServerOf(databaseUrl);
  // The password goes by the environment, never on a command line others can read.
  const env = { ...process.env, SQL_PASSWORD: server.password };
  const tool = (database: string, args: string[]) => {
    const run = spawnSync(binaries.sqlTool, ['--plugin', 'postgres12', '--endpoint', server.host, '--port', String(server.port), '--user', server.user, '--database', database, ...args], {
      env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (run.status !== 0) throw new StartupError(`temporal-sql-tool ${args[0]} on ${database} failed:\n${(run.stderr || run.stdout).trim().split('\n').slice(-8).join('\n')}`);
  };
  for (const [kind, database] of [['temporal', temporalDatabases.persistence], ['visibility', temporalDatabases.visibility]] as const) {
    tool(database, ['setup-schema', '--version', '0.0']);
    // The schemas the tool carries are the module's schema/postgresql/v12/<kind>/versioned, at its version.
    tool(database, ['update-schema', '--schema-name', `postgresql/v12/${kind}`]);
  }
  say(`Temporal's databases ${Object.values(temporalDatabases).join(' and ')} are at the server's schema`);
}

/** The ports of the server's five services: gRPC and membership each, and the frontend's HTTP API. */
export interface TemporalServerPorts {
  frontend: number;
  frontendMembership: number;
  frontendHttp: number;
  /** The frontend that takes no token, for the server's own system workers and the cluster's set-up. */
  internalFrontend: number;
  internalFrontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/**
 * The server's configuration: docker-compose.yml's (auto-setup's template with DB=postgres12,
 * USE_INTERNAL_FRONTEND, the default authorizer and claim mapper on the identity provider's key
 * set), on loopback. Written as JSON, which is YAML too.
 */
export function temporalServerConfig(databaseUrl: string, host: string, ports: TemporalServerPorts, dynamicConfigFile: string, jwksUrl?: string): object {
  const server = sqlServerOf(databaseUrl);
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12', databaseName, connectAddr: `${server.host}:${server.port}`, connectProtocol: 'tcp',
      user: server.user, password: server.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnIP: host, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: historyShards,
      datastores: { default: store(temporalDatabases.persistence, 20), visibility: store(temporalDatabases.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: host },
      // Every call to the frontend carries a token the identity provider signed, whose permissions claim grants the call.
      ...(jwksUrl && {
        authorization: {
          jwtKeyProvider: { keySourceURIs: [jwksUrl], refreshInterval: '1m' },
          permissionsClaimName: 'permissions', authorizer: 'default', claimMapper: 'default',
        },
      }),
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      'internal-frontend': service(ports.internalFrontend, ports.internalFrontendMembership),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${host}:${ports.frontend}`, httpAddress: `${host}:${ports.frontendHttp}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '60s' },
  };
}

/** auto-setup's dynamic configuration (config/dynamicconfig/docker.yaml), what Branchline relies on. */
const dynamicConfig = {
  'limit.maxIDLength': [{ value: 255, constraints: {} }],
  'frontend.enableExecuteMultiOperation': [{ value: true }],
  'system.enableNexus': [{ value: true }],
};

export interface RunningTemporalServer {
  address: string;
  /** The internal frontend's address: no token, for the cluster's own set-up only. */
  internalAddress: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Temporal's servers (the server, the Web UI's) read `<root>/config/production.yaml`, written here
 * readable by its owner only (the server's holds the database password), and are ready once their
 * port answers.
 */
async function startConfiguredServer(options: {
  name: string; binary: string; root: string; config: object; startFlags?: string[]; logFile: string; host: string; port: number; what: string;
}): Promise<ManagedProcess> {
  const configDir = join(options.root, 'config');
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(configDir, 'production.yaml'), JSON.stringify(options.config, null, 2) + '\n', { mode: 0o600 });
  const child = new ManagedProcess(options.name, options.binary, ['--root', options.root, '--config', 'config', '--env', 'production', 'start', ...(options.startFlags ?? [])], options.logFile);
  await waitFor(options.what, () => portIsOpen(options.port, options.host), { timeoutMs: 120_000, child });
  return child;
}

/** Starts the server (all four services in one process, as auto-setup does) and waits until its frontend answers. */
export async function startTemporalClusterServer(options: {
  binaries: TemporalServerBinaries;
  databaseUrl: string;
  host: string;
  ports: TemporalServerPorts;
  /**
   * The identity provider's key set, which the tokens are checked against. Without it the server
   * checks no token: for benchmarks and tests of what the server does, not of who may ask it.
   */
  jwksUrl?: string;
  root: string;
  logFile: string;
}): Promise<RunningTemporalServer> {
  const dynamicConfigFile = join(options.root, 'dynamicconfig.yaml');
  mkdirSync(options.root, { recursive: true });
  writeFileSync(dynamicConfigFile, JSON.stringify(dynamicConfig, null, 2) + '\n');
  const child = await startConfiguredServer({
    name: 'temporal', binary: options.binaries.server, root: options.root, logFile: options.logFile, host: options.host, port: options.ports.frontend,
    config: temporalServerConfig(options.databaseUrl, options.host, options.ports, dynamicConfigFile, options.jwksUrl),
    // The internal frontend is not among the services started by default.
    startFlags: ['frontend', 'internal-frontend', 'history', 'matching', 'worker'].flatMap((name) => ['--service', name]),
    what: 'The Temporal server',
  });
  return { address: `${options.host}:${options.ports.frontend}`, internalAddress: `${options.host}:${options.ports.internalFrontend}`, process: child, stop: () => child.stop(20_000) };
}

/** The Web UI's client at the identity provider (docker-compose.yml's TEMPORAL_AUTH_*). */
export interface TemporalUiSignIn {
  providerUrl: string;
  clientId: string;
  clientSecret: string;
  callbackUrl: string;
}

/** Eleven distinct free ports on loopback for the server's services, for a server of the tests'. */
export async function freeTemporalServerPorts(): Promise<TemporalServerPorts> {
  const taken = new Set<number>();
  while (taken.size < 11) taken.add(await freePort());
  const [
    frontend, frontendMembership, frontendHttp, internalFrontend, internalFrontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership,
  ] = [...taken] as number[];
  return {
    frontend: frontend!, frontendMembership: frontendMembership!, frontendHttp: frontendHttp!, internalFrontend: internalFrontend!, internalFrontendMembership: internalFrontendMembership!,
    history: history!, historyMembership: historyMembership!, matching: matching!, matchingMembership: matchingMembership!, worker: worker!, workerMembership: workerMembership!,
  };
}

/**
 * The server on a PostgreSQL, from nothing as from a previous run: its two databases brought to
 * its schema, the server started, and `namespace` registered with Branchline's search attributes.
 * A new cluster has no namespace, and a new namespace and its attributes are usable only once the
 * server's namespace cache refreshes: this returns when a query on them works.
 */
export async function startTemporalOnPostgres(options: Parameters<typeof startTemporalClusterServer>[0] & { namespace: string; say: (line: string) => void }): Promise<RunningTemporalServer> {
  await migrateTemporalDatabases(options.binaries, options.databaseUrl, options.say);
  const server = await startTemporalClusterServer(options);
  try {
    // Through the internal frontend, which takes no token, as auto-setup makes its default namespace.
    await ensureNamespace({ address: server.internalAddress }, options.namespace, 120_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * Starts the Web UI's server on the cluster's frontend, answering on CLUSTER_HOST only. It signs
 * people in with OIDC and hands each person's access token on to the server, which decides what
 * they see (README, The Temporal Web UI and who sees it).
 */
export function startTemporalUiServer(options: {
  binary: string;
  temporalAddress: string;
  host: string;
  port: number;
  namespace: string;
  signIn: TemporalUiSignIn;
  root: string;
  logFile: string;
}): Promise<ManagedProcess> {
  const { signIn } = options;
  return startConfiguredServer({
    name: 'temporal-ui', binary: options.binary, root: options.root, logFile: options.logFile, host: options.host, port: options.port,
    config: {
      temporalGrpcAddress: options.temporalAddress, host: options.host, port: options.port, enableUi: true,
      defaultNamespace: options.namespace, notifyOnNewVersion: false,
      auth: {
        enabled: true,
        providers: [{
          label: 'Branchline', type: 'oidc', providerUrl: signIn.providerUrl, clientId: signIn.clientId, clientSecret: signIn.clientSecret,
          callbackUrl: signIn.callbackUrl, scopes: ['openid', 'profile', 'email'], useIdTokenAsBearer: false,
        }],
      },
    },
    what: 'The Temporal Web UI',
  });
}
