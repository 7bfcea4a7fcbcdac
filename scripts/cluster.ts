// `npm run cluster`: the production topology on one machine, without Docker — docker-compose.yml's
// Temporal server (persistence and visibility on PostgreSQL) with its Web UI, three workers and two
// API processes behind one address, and the simulated fleet; the Web UI and the server behind
// Branchline's own sign-in (Branchline as their identity provider). Its data is kept in DATA_DIR/cluster,
// apart from npm start's, and its ports are CLUSTER_PORT_BASE and the 49 after it.
import { join } from 'node:path';
import { ensureAdministrator } from '../api/access/administrator.ts';
import { createPrismaClient } from '../prisma/client.ts';
import { ConfigError, loadConfig, type Config } from '../runtime/config.ts';
import { ServiceToken } from '../runtime/temporal-access.ts';
import { startClusterIdentityProvider } from './cluster-identity.ts';
import { bringUpDemoOnFirstStart, keptSecretsKey, metricsUrl, signInLine, simulatorProcess } from './branchline-processes.ts';
import { startPlatform } from './platform.ts';
import { startEmbeddedPostgres } from './postgres.ts';
import { answersOk, assertPortFree, ManagedProcess, StartupError, waitFor } from './processes.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import {
  resolveTemporalServer, resolveTemporalUiServer, startTemporalOnPostgres, startTemporalUiServer, temporalServerVersion, temporalUiVersion, type TemporalServerPorts,
} from './temporal-cluster.ts';

const say = (line: string) => console.log(`branchline cluster: ${line}`);

/**
 * Temporal keeps its services' membership ports in a SMALLINT column: above 32767 the server cannot
 * start. Those ports move 20000 down when the base is that high (tests use such ports).
 */
const membershipPort = (port: number) => (port > 32_767 ? port - 20_000 : port);

/** Where everything listens, from the base port: nothing here is one of npm start's defaults. */
export function clusterPorts(base: number, counts: { workers: number; apis: number }) {
  const temporal: TemporalServerPorts = {
    frontend: base + 10, frontendMembership: membershipPort(base + 11), frontendHttp: base + 12, history: base + 13, historyMembership: membershipPort(base + 14),
    matching: base + 15, matchingMembership: membershipPort(base + 16), worker: base + 17, workerMembership: membershipPort(base + 18),
    internalFrontend: base + 25, internalFrontendMembership: membershipPort(base + 26),
  };
  return {
    /** The one address of the UI and API: a round robin over the API processes. */
    front: base,
    apis: Array.from({ length: counts.apis }, (_, index) => base + 1 + index),
    temporal,
    temporalUi: base + 20,
    postgres: base + 21,
    simulatorControl: base + 22,
    /** UDP for SNMP and TCP for NETCONF, on each simulated box's own address. */
    simulatorDevices: base + 23,
    identityProvider: base + 24,
    apiMetrics: Array.from({ length: counts.apis }, (_, index) => base + 30 + index),
    workerMetrics: Array.from({ length: counts.workers }, (_, index) => base + 40 + index),
  };
}

/** Where the cluster's simulated boxes are, unless SIMULATOR_BASE_ADDRESS says, and their VNFs: beside npm start's (127.16.0.1, 127.18.0.1). */
const defaultSimulatorBaseAddress = '127.17.0.1';
const simulatorVnfBaseAddress = '127.19.0.1';

/**
 * One of Branchline's processes, started again when it exits, as a container with `restart:
 * unless-stopped` is: a killed worker or API process is named and replaced while the others carry
 * on. One that keeps exiting within seconds of its start stops the cluster.
 */
class Supervised {
  current: ManagedProcess;
  private stopped = false;
  private quickExits = 0;

  constructor(
    readonly name: string,
    private readonly launch: () => ManagedProcess,
    private readonly events: { exited(process: Supervised): void; restarted(process: Supervised): void; keepsExiting(process: Supervised): void },
  ) {
    this.current = this.run();
  }

  private run(): ManagedProcess {
    const startedAt = Date.now();
    const child = this.launch();
    void child.whenExited.then(() => {
      if (this.stopped) return;
      this.quickExits = Date.now() - startedAt < 10_000 ? this.quickExits + 1 : 0;
      if (this.quickExits >= 3) return this.events.keepsExiting(this);
      this.events.exited(this);
      setTimeout(() => {
        if (this.stopped) return;
        this.current = this.run();
        this.events.restarted(this);
      }, 2000);
    });
    return child;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.current.stop();
  }
}

/** Builds the workflow bundle every worker loads, so three workers do not bundle three times and all run the same code. */
async function buildWorkflowBundle(path: string, logs: string): Promise<void> {
  const build = ManagedProcess.node('workflow-bundle', 'scripts/build-workflows.ts', [path], logs, process.env);
  await build.whenExited;
  if (build.exitCode !== 0) throw new StartupError(`The workflow bundle could not be built.\n${build.logTail()}`);
}

async function main() {
  const started = Date.now();
  const outer = loadConfig();
  const ports = clusterPorts(outer.CLUSTER_PORT_BASE, { workers: outer.CLUSTER_WORKERS, apis: outer.CLUSTER_APIS });
  const host = outer.CLUSTER_HOST;
  // Branchline's processes see the cluster's data directory and ports as their own.
  const seenAs = (address: string) => (['127.0.0.1', '0.0.0.0', '::'].includes(address) ? 'localhost' : address.includes(':') ? `[${address}]` : address);
  const env: NodeJS.ProcessEnv = {
    PUBLIC_URL: `http://${seenAs(outer.HOST)}:${ports.front}`,
    // As npm start: the telemetry pollers (spread over the workers) and drift reconciliation every five minutes.
    TELEMETRY_SHARDS: '4',
    DRIFT_RECONCILE_INTERVAL_SECONDS: '300',
    SIMULATOR_BASE_ADDRESS: defaultSimulatorBaseAddress,
    TEMPORAL_UI_URL: `http://${seenAs(host)}:${ports.temporalUi}`,
    ...process.env,
    DATA_DIR: join(outer.dataDir, 'cluster'),
    PORT: String(ports.front),
    METRICS_HOST: process.env['METRICS_HOST'] || host,
    SIMULATOR_CONTROL_PORT: String(ports.simulatorControl),
    SIMULATOR_SNMP_PORT: String(ports.simulatorDevices),
    SIMULATOR_NETCONF_PORT: String(ports.simulatorDevices),
  };
  const config: Config = loadConfig(env);
  const needed: [number, string][] = [
    [ports.front, 'the UI and API'], ...ports.apis.map((port, index): [number, string] => [port, `API process ${index + 1}`]),
    ...Object.values(ports.temporal).map((port): [number, string] => [port, 'the Temporal server']), [ports.temporalUi, 'the Temporal Web UI'],
    [ports.identityProvider, 'the identity provider'],
    ...(config.DATABASE_URL ? [] : [[ports.postgres, 'the embedded PostgreSQL'] as [number, string]]),
    ...(config.SIMULATOR_DEVICES > 0 ? [[ports.simulatorControl, "the simulator's control API"] as [number, string]] : []),
    ...[...ports.apiMetrics, ...ports.workerMetrics].map((port): [number, string] => [port, 'metrics']),
  ];
  for (const [port, what] of needed) await assertPortFree(port, what, 'CLUSTER_PORT_BASE', port === ports.front ? config.HOST : host);

  const toolsDir = join(outer.dataDir, 'tools');
  const binaries = await resolveTemporalServer({ serverPath: config.TEMPORAL_SERVER_BINARY, sqlToolPath: config.TEMPORAL_SQL_TOOL, toolsDir, say });
  say(`Temporal server ${temporalServerVersion} (${binaries.source})`);
  let uiServer: string | undefined;
  try {
    uiServer = await resolveTemporalUiServer({ path: config.TEMPORAL_UI_SERVER_BINARY, toolsDir, say });
  } catch (error) {
    say(`no Temporal Web UI: ${(error as Error).message}`);
  }

  const logs = join(config.dataDir, 'logs');
  const stops: (() => Promise<unknown>)[] = [];
  const supervised: Supervised[] = [];
  let front: TcpProxy | undefined;
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`${reason}: stopping…`);
    await front?.stop();
    await Promise.allSettled(supervised.map((child) => child.stop()));
    for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
    say('stopped; data kept in ' + config.dataDir);
    process.exit(reason.startsWith('SIG') ? 0 : 1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  // The servers are not replaced when they exit: everything stops, and the log says why.
  const essential = (child: ManagedProcess) => {
    void child.whenExited.then(() => {
      if (stopping) return;
      console.error(`\nbranchline cluster: ${child.name} exited (code ${child.exitCode}).\n${child.logTail()}\n`);
      void stop(`${child.name} exited`);
    });
  };

  try {
    const postgres = config.DATABASE_URL
      ? { url: config.DATABASE_URL, stop: async () => undefined }
      : await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), port: ports.postgres, host, database: 'branchline', logFile: join(logs, 'postgres.log'), durable: true }, say);
    stops.push(postgres.stop);
    // Branchline's accounts, for the identity provider (and the first administrator, below).
    const prisma = createPrismaClient(postgres.url, { poolSize: 2 });
    stops.push(() => prisma.$disconnect());
    const identity = await startClusterIdentityProvider({
      prisma, dir: join(config.dataDir, 'identity-provider'), host, port: ports.identityProvider, hostInUrls: seenAs(host),
      namespace: config.TEMPORAL_NAMESPACE, webUiCallback: `${config.temporalUiUrl}/auth/sso/callback`,
    });
    stops.push(identity.stop);
    const temporal = await startTemporalOnPostgres({
      binaries, databaseUrl: postgres.url, host, ports: ports.temporal, jwksUrl: identity.jwksUrl, root: join(config.dataDir, 'temporal'), logFile: join(logs, 'temporal.log'), namespace: config.TEMPORAL_NAMESPACE, say,
    });
    stops.push(temporal.stop);
    essential(temporal.process);
    // Branchline's processes show the token of their client at the identity provider, as in docker-compose.yml.
    const serviceClient = { OIDC_ISSUER_URL: identity.issuer, TEMPORAL_OAUTH_CLIENT_ID: identity.serviceClient.id, TEMPORAL_OAUTH_CLIENT_SECRET: identity.serviceClient.secret };
    const token = await ServiceToken.obtain({ issuerUrl: identity.issuer, clientId: identity.serviceClient.id, clientSecret: identity.serviceClient.secret }, { warn: (_details, message) => say(message) });
    stops.push(async () => token.close());
    let ui: ManagedProcess | undefined;
    if (uiServer) {
      ui = await startTemporalUiServer({
        binary: uiServer, temporalAddress: temporal.address, host, port: ports.temporalUi, namespace: config.TEMPORAL_NAMESPACE,
        signIn: { providerUrl: identity.issuer, clientId: identity.webUiClient.id, clientSecret: identity.webUiClient.secret, callbackUrl: `${config.temporalUiUrl}/auth/sso/callback` },
        root: join(config.dataDir, 'temporal-ui'), logFile: join(logs, 'temporal-ui.log'),
      });
      stops.push(() => ui!.stop());
      essential(ui);
    }
    const platform = await startPlatform({
      dataDir: config.dataDir, toolsDir, databaseUrl: postgres.url, temporalAddress: temporal.address, temporalAccess: { tls: false, token }, namespace: config.TEMPORAL_NAMESPACE,
      ports: { postgres: ports.postgres, temporal: ports.temporal.frontend, temporalUi: ports.temporalUi }, durable: true, seed: true, say,
    });
    // The first administrator is made here, once: two API processes starting on an empty database would each make one.
    await ensureAdministrator(prisma, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, passwordFile: config.adminPasswordFile });
    const bundle = join(config.dataDir, 'workflow-bundle.js');
    await buildWorkflowBundle(bundle, logs);

    // Where this machine's processes reach the front (the simulated boxes phone home there).
    const frontUrl = `http://${['0.0.0.0', '::'].includes(config.HOST) ? '127.0.0.1' : seenAs(config.HOST)}:${ports.front}`;
    const serviceEnv = {
      ...env, ...serviceClient, DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: temporal.address, WORKFLOW_BUNDLE_PATH: bundle,
      ...(config.SECRETS_KEY ? {} : { SECRETS_KEY: keptSecretsKey(config.secretsKeyFile) }),
    };
    const events = {
      exited: (child: Supervised) => say(`${child.name} exited (code ${child.current.exitCode}); starting it again (its log: ${child.current.logFile})`),
      restarted: (child: Supervised) => say(`${child.name} started again (pid ${child.current.child.pid})`),
      keepsExiting: (child: Supervised) => {
        console.error(`\nbranchline cluster: ${child.name} keeps exiting.\n${child.current.logTail()}\n`);
        void stop(`${child.name} keeps exiting`);
      },
    };
    ports.workerMetrics.forEach((metricsPort, index) => {
      const name = `worker-${index + 1}`;
      supervised.push(new Supervised(name, () => ManagedProcess.node(name, 'scripts/worker.ts', [], logs, { ...serviceEnv, WORKER_METRICS_PORT: String(metricsPort) }), events));
    });
    ports.apis.forEach((port, index) => {
      const name = `api-${index + 1}`;
      const apiEnv = { ...serviceEnv, HOST: host, PORT: String(port), API_METRICS_PORT: String(ports.apiMetrics[index]) };
      supervised.push(new Supervised(name, () => ManagedProcess.node(name, 'api/server.ts', [], logs, apiEnv), events));
    });
    const simulatorUrl = `http://${seenAs(host) === 'localhost' ? '127.0.0.1' : seenAs(host)}:${ports.simulatorControl}`;
    if (config.SIMULATOR_DEVICES > 0) {
      const phoneHomeUrl = `${frontUrl}/api/v1/ztp/phone-home`;
      supervised.push(new Supervised('simulator', () => simulatorProcess(config, { phoneHomeUrl, controlHost: host, vnfBaseAddress: simulatorVnfBaseAddress, logs, env: serviceEnv }), events));
    }
    front = await startTcpProxy(ports.apis.map((port) => ({ host, port })), { host: config.HOST, port: ports.front });

    for (const [index, port] of ports.apis.entries()) {
      const api = supervised[ports.workerMetrics.length + index]!;
      await waitFor(`The ${api.name} process`, () => answersOk(`http://${host}:${port}/readyz`), { timeoutMs: 180_000, child: api.current });
    }
    const simulator = supervised.find((child) => child.name === 'simulator');
    if (simulator) await waitFor('The simulator', () => answersOk(`${simulatorUrl}/devices`), { timeoutMs: 120_000, child: simulator.current });

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const processes = [
      `temporal ${temporal.process.child.pid}`,
      ...(ui ? [`temporal-ui ${ui.child.pid}`] : []),
      ...supervised.map((child) => `${child.name} ${child.current.child.pid}`),
    ];
    console.log(`
  Branchline's production topology is running (ready in ${seconds} s). Open:

    UI                ${config.publicUrl}/   sign in as ${signInLine(config)}
    API docs          ${config.publicUrl}/api/docs
    Temporal Web UI   ${uiServer ? `${config.temporalUiUrl}/   sign in with a Branchline account: SP admins see every run` : '(none: see above)'}
    Identity provider ${identity.issuer} (Branchline's accounts, for the Temporal Web UI and server)
    Temporal          ${temporal.address} (server ${temporalServerVersion}${uiServer ? `, Web UI ${temporalUiVersion}` : ''}), on PostgreSQL
    Metrics           ${ports.apiMetrics.map((port) => metricsUrl(config, port)).join(', ')} (API processes)
                      ${ports.workerMetrics.map((port) => metricsUrl(config, port)).join(', ')} (workers)
${config.SIMULATOR_DEVICES > 0 ? `    Simulated fleet   ${config.SIMULATOR_DEVICES} devices from ${config.SIMULATOR_BASE_ADDRESS}; control API ${simulatorUrl}/devices\n` : ''}    Processes         ${processes.join(', ')} (pid)

  ${ports.apis.length} API processes answer on ${config.publicUrl} in turn; ${ports.workerMetrics.length} workers share the task queues.
  Logs are in ${logs}. Press Ctrl-C to stop; your data stays in ${config.dataDir}.
`);
    bringUpDemoOnFirstStart(config, { seeded: platform.seeded, apiUrl: frontUrl, simulatorUrl, say, stopping: () => stopping });
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof StartupError;
    console.error(`\nbranchline cluster: ${known ? (error as Error).message : (error as Error).stack}\n`);
    await stop('start-up failed');
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof StartupError;
  console.error(`\nbranchline cluster: ${known ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(1);
});
