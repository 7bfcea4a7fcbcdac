// `npm start`: the whole product on one machine — Temporal (with its Web UI), PostgreSQL, the
// worker, and the API serving the UI — with data kept under the data directory between runs.
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { bringUpDemoOnFirstStart, keptSecretsKey, metricsUrl, signInLine, simulatorProcess } from './branchline-processes.ts';
import { startPlatform, type Platform } from './platform.ts';
import { answersOk, assertPortFree, ManagedProcess, StartupError, waitFor } from './processes.ts';
import { temporalAccess } from '../runtime/temporal-access.ts';

const say = (line: string) => console.log(`branchline: ${line}`);

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
    children.push(simulatorProcess(config, { phoneHomeUrl: `http://127.0.0.1:${config.PORT}/api/v1/ztp/phone-home`, logs, env }));
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
  console.log(`
  Branchline is running (ready in ${seconds} s). Open:

    UI                ${config.publicUrl}/   sign in as ${signInLine(config)}
    API docs          ${config.publicUrl}/api/docs
    Temporal Web UI   ${config.temporalUiUrl}/
    Metrics           ${metricsUrl(config, metricsPorts.api)} (API), ${metricsUrl(config, metricsPorts.worker)} (worker), for Prometheus
${config.SIMULATOR_DEVICES > 0 ? `    Simulated fleet   ${config.SIMULATOR_DEVICES} devices from ${config.SIMULATOR_BASE_ADDRESS}; control API ${simulatorUrl}/devices\n` : ''}
  Logs are in ${logs}. Press Ctrl-C to stop; your data stays in ${config.dataDir}.
`);

  bringUpDemoOnFirstStart(config, { seeded: platform.seeded, apiUrl: `http://127.0.0.1:${config.PORT}`, simulatorUrl, say, stopping: () => stopping });
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof StartupError;
  console.error(`\nbranchline: ${known ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(1);
});
