// `npm start`: the whole product on one machine — Temporal (with its Web UI), PostgreSQL, the
// worker, and the API serving the UI — with data kept under the data directory between runs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readPasswordFile } from '../api/access/administrator.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { bringUpDemo, demoMarker } from './demo.ts';
import { startPlatform, type Platform } from './platform.ts';
import { answersOk, assertPortFree, ManagedProcess, StartupError, waitFor } from './processes.ts';
import { temporalAccess } from '../runtime/temporal-access.ts';

const say = (line: string) => console.log(`branchline: ${line}`);

/** The deployment's SECRETS_KEY when none is set: generated once, then kept under the data directory like the admin password. */
function keptSecretsKey(path: string): string {
  const kept = readPasswordFile(path);
  if (kept) return kept;
  const key = randomBytes(32).toString('hex');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, key + '\n', { mode: 0o600 });
  return key;
}

async function main() {
  const started = Date.now();
  const config = loadConfig();
  await assertPortFree(config.PORT, 'the API and UI', 'PORT');
  // npm start serves both processes' metrics (a deployment chooses its own ports, or none).
  const metricsPorts = { api: config.API_METRICS_PORT ?? 9464, worker: config.WORKER_METRICS_PORT ?? 9465 };
  await assertPortFree(metricsPorts.api, "the API's metrics", 'API_METRICS_PORT');
  await assertPortFree(metricsPorts.worker, "the worker's metrics", 'WORKER_METRICS_PORT');
  if (config.SIMULATOR_DEVICES > 0) await assertPortFree(config.SIMULATOR_CONTROL_PORT, "the simulator's control API", 'SIMULATOR_CONTROL_PORT');

  // A Temporal cluster named in TEMPORAL_ADDRESS may check tokens: the search attributes are registered with Branchline's.
  const access = config.TEMPORAL_ADDRESS ? await temporalAccess(config, { warn: (_details, message) => say(message) }) : undefined;
  const platform: Platform = await startPlatform({
    dataDir: config.dataDir,
    toolsDir: join(config.dataDir, 'tools'),
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    temporalAccess: access,
    temporalCliPath: config.TEMPORAL_CLI_PATH,
    namespace: config.TEMPORAL_NAMESPACE,
    ports: { postgres: config.EMBEDDED_POSTGRES_PORT, temporal: config.TEMPORAL_PORT, temporalUi: config.TEMPORAL_UI_PORT },
    durable: true,
    seed: true,
    say,
  });
  // The API and the worker get tokens of their own.
  access?.token?.close();

  const env = {
    // npm start runs the telemetry pollers (a deployment sets TELEMETRY_SHARDS itself).
    TELEMETRY_SHARDS: '4',
    // …and reconciles the fleet's configurations every five minutes.
    DRIFT_RECONCILE_INTERVAL_SECONDS: '300',
    ...process.env, DATABASE_URL: platform.databaseUrl, TEMPORAL_ADDRESS: platform.temporalAddress,
    API_METRICS_PORT: String(metricsPorts.api), WORKER_METRICS_PORT: String(metricsPorts.worker),
    ...(config.SECRETS_KEY ? {} : { SECRETS_KEY: keptSecretsKey(config.secretsKeyFile) }),
  };
  const logs = join(config.dataDir, 'logs');
  const children = [ManagedProcess.node('worker', 'scripts/worker.ts', [], logs, env), ManagedProcess.node('api', 'api/server.ts', [], logs, env)];
  const simulatorUrl = `http://127.0.0.1:${config.SIMULATOR_CONTROL_PORT}`;
  if (config.SIMULATOR_DEVICES > 0) {
    children.push(ManagedProcess.node('simulator', 'simulator/main.ts', [
      '--json',
      '--devices', String(config.SIMULATOR_DEVICES),
      '--base-address', config.SIMULATOR_BASE_ADDRESS,
      '--models', config.SIMULATOR_MODELS,
      '--snmp-port', String(config.SIMULATOR_SNMP_PORT),
      '--netconf-port', String(config.SIMULATOR_NETCONF_PORT),
      '--control-port', String(config.SIMULATOR_CONTROL_PORT),
      '--state-file', join(config.dataDir, 'simulator', 'fleet.json'),
      '--phone-home-url', `http://127.0.0.1:${config.PORT}/api/v1/ztp/phone-home`,
      '--phone-home-interval-seconds', '5',
      // The lab's boxes take the fleet's management credentials, as an SP's staging would set them.
      '--username', config.DEVICE_USERNAME,
      '--password', config.DEVICE_PASSWORD,
      '--community', config.DEVICE_SNMP_COMMUNITY,
    ], logs, env));
  }

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`${reason}: stopping…`);
    await Promise.allSettled(children.map((child) => child.stop()));
    await platform.stop();
    say('stopped; data kept in ' + config.dataDir);
    process.exit(reason.startsWith('SIG') ? 0 : 1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  for (const child of children) {
    void child.whenExited.then(() => {
      if (stopping) return;
      console.error(`\nbranchline: the ${child.name} process exited (code ${child.exitCode}).\n${child.logTail()}\n`);
      void stop(`${child.name} exited`);
    });
  }

  const readyUrl = `http://127.0.0.1:${config.PORT}/readyz`;
  await waitFor('The API', () => answersOk(readyUrl), { timeoutMs: 120_000, child: children[1] });
  if (children[2]) {
    await waitFor('The simulator', () => answersOk(`${simulatorUrl}/devices`), { timeoutMs: 120_000, child: children[2] });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const metricsHost = config.METRICS_HOST === '0.0.0.0' || config.METRICS_HOST === '::' ? 'localhost' : config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST;
  const metricsUrl = (port: number) => `http://${metricsHost}:${port}/metrics`;
  const generated = readPasswordFile(config.adminPasswordFile);
  const signIn = config.ADMIN_PASSWORD
    ? `${config.ADMIN_EMAIL} with ADMIN_PASSWORD`
    : generated ? `${config.ADMIN_EMAIL}, password ${generated} (kept in ${config.adminPasswordFile})` : 'an account you created';
  console.log(`
  Branchline is running (ready in ${seconds} s). Open:

    UI                ${config.publicUrl}/   sign in as ${signIn}
    API docs          ${config.publicUrl}/api/docs
    Temporal Web UI   ${config.temporalUiUrl}/
    Metrics           ${metricsUrl(metricsPorts.api)} (API), ${metricsUrl(metricsPorts.worker)} (worker), for Prometheus
${config.SIMULATOR_DEVICES > 0 ? `    Simulated fleet   ${config.SIMULATOR_DEVICES} devices from ${config.SIMULATOR_BASE_ADDRESS}; control API ${simulatorUrl}/devices\n` : ''}
  Logs are in ${logs}. Press Ctrl-C to stop; your data stays in ${config.dataDir}.
`);

  // The first start brings the demo network up (a start stopped half-way resumes it).
  const marker = join(config.dataDir, 'demo-pending');
  if (platform.seeded && config.SIMULATOR_DEVICES > 0 && config.DEMO_NETWORK) demoMarker.set(marker);
  const password = config.ADMIN_PASSWORD ?? generated;
  if (demoMarker.pending(marker) && password) {
    say('bringing the demo network up: its hubs, then four branches, through the real onboarding');
    bringUpDemo({ apiUrl: `http://127.0.0.1:${config.PORT}`, simulatorUrl, email: config.ADMIN_EMAIL, password, say })
      .catch((error: unknown) => say(`the demo network could not be brought up: ${(error as Error).message}`))
      .finally(() => {
        if (!stopping) demoMarker.clear(marker);
      });
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof StartupError;
  console.error(`\nbranchline: ${known ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(1);
});
