// The worker process: the one place that wires activity implementations. Stateless; run as many
// as you like. It polls the orchestration queue (workflows and database activities), the device
// queue (device I/O, with its own concurrency cap so a slow fleet cannot starve the rest) and the
// telemetry queue (long-running pollers, a few shards per worker).
import { existsSync } from 'node:fs';
import { setEnvironmentData } from 'node:worker_threads';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { createTelemetryActivities } from '../activities/telemetry/activities.ts';
import { NetconfSessionPool } from '../activities/devices/netconf/pool.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import { WebhookDestinations } from '../runtime/webhook-destinations.ts';
import { createPrismaClient } from '../prisma/client.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { telemetryDefaults, telemetryWorkflowId, type RunTelemetryInput } from '../workflows/run-telemetry.messages.ts';
import type { runTelemetry } from '../workflows/run-telemetry.ts';
import { ensureDriftSchedule } from './drift-schedule.ts';
import { ConfigError, loadServiceConfig, requireSecretsKey, type ServiceConfig } from '../runtime/config.ts';
import { createLogger, type Logger } from '../runtime/logger.ts';
import { clientConnectionOptions, temporalAccess } from '../runtime/temporal-access.ts';
import { startTracing, type Tracing } from '../runtime/tracing.ts';
import { deviceOperationMetrics, prometheusExporter, tracingOptions } from './worker-observability.ts';
import { workflowBundlerOptions, workflowsPath } from './workflow-bundle.ts';

/**
 * Temporal's own logs (with workflow and activity context in their metadata) go through pino; with
 * WORKER_METRICS_PORT, the SDK's Prometheus exporter serves /metrics there, Branchline's series
 * (made on the runtime's meter) among the SDK's.
 */
function installRuntime(config: Pick<ServiceConfig, 'METRICS_HOST' | 'WORKER_METRICS_PORT'>, log: Logger) {
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
  };
  const port = config.WORKER_METRICS_PORT;
  Runtime.install({
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => log[levels[level]]((meta ?? {}) as LogMetadata, message)),
    ...(port === undefined ? {} : { telemetryOptions: { metrics: prometheusExporter(config.METRICS_HOST, port) } }),
  });
  if (port !== undefined) log.info({ url: `http://${config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST}:${port}/metrics` }, 'worker metrics served');
}

/** Production workers load the prebuilt bundle (`npm run build:workflows`); development bundles at start. */
export function workflowSource(config: Pick<ServiceConfig, 'NODE_ENV' | 'WORKFLOW_BUNDLE_PATH'>): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  const bundlePath = config.WORKFLOW_BUNDLE_PATH;
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new ConfigError(`WORKFLOW_BUNDLE_PATH is ${bundlePath}, which does not exist; run npm run build:workflows.`);
    return { workflowBundle: { codePath: bundlePath } };
  }
  if (config.NODE_ENV === 'production') throw new ConfigError('In production, set WORKFLOW_BUNDLE_PATH to the bundle npm run build:workflows writes.');
  return { workflowsPath, bundlerOptions: workflowBundlerOptions() };
}

/** The pollers' supervisor, started once by whichever worker comes first (TELEMETRY_SHARDS > 0). */
async function ensureTelemetry(client: Client, config: ServiceConfig, log: Logger) {
  if (config.TELEMETRY_SHARDS === 0) return;
  const input: RunTelemetryInput = {
    ...telemetryDefaults, shards: config.TELEMETRY_SHARDS, probeIntervalMs: config.TELEMETRY_PROBE_INTERVAL_MS, windowSamples: config.TELEMETRY_WINDOW_SAMPLES,
  };
  try {
    await client.workflow.start<typeof runTelemetry>('runTelemetry', { workflowId: telemetryWorkflowId, taskQueue: taskQueues.orchestration, args: [input] });
    log.info({ shards: input.shards, workflowId: telemetryWorkflowId }, 'telemetry pollers started');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

export async function createWorkers(config: ServiceConfig, log: Logger, tracing?: Tracing) {
  const access = await temporalAccess(config, log);
  const { token } = access;
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS, tls: access.tls ? {} : false, ...(token ? { apiKey: token.current } : {}) });
  // The native connection holds a copy of the key: each renewed token is handed to it.
  token?.onRenewal((value) => {
    connection.setApiKey(value).catch((error: unknown) => log.warn({ err: error }, 'could not hand the renewed token to the worker connection'));
  });
  const clientConnection = await Connection.connect(clientConnectionOptions(config.TEMPORAL_ADDRESS, access));
  // Runs and signals the activities start carry the trace of the activity that starts them.
  const client = new Client({
    connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE,
    interceptors: { workflow: tracing ? [new OpenTelemetryWorkflowClientInterceptor()] : [] },
  });
  const metrics = Runtime.instance().metricMeter;
  const prisma = createPrismaClient(config.DATABASE_URL);
  const transports = { netconf: new NetconfSessionPool({ maxSessions: config.WORKER_MAX_NETCONF_SESSIONS, idleMs: 60_000 }), snmp: new SnmpClient() };
  const activities = createActivities({
    prisma, client, transports, secretsKey: requireSecretsKey(config),
    credentials: { username: config.DEVICE_USERNAME, password: config.DEVICE_PASSWORD, community: config.DEVICE_SNMP_COMMUNITY },
    imageBaseUrl: config.publicUrl,
    webhookDestinations: new WebhookDestinations({ allowed: config.WEBHOOK_ALLOWED_NETWORKS }),
    metrics,
  });
  const common = { connection, namespace: config.TEMPORAL_NAMESPACE, shutdownGraceTime: '20 seconds' } as const;
  // The pollers hold a session per device of their shards: a cap of their own, well above the device activities'.
  const telemetrySnmp = new SnmpClient({ timeoutMs: 1500, retries: 1, maxSessions: 16_384 });
  const telemetryActivities = createTelemetryActivities({
    prisma, client, transports: { netconf: transports.netconf, snmp: telemetrySnmp }, secretsKey: requireSecretsKey(config),
    credentials: { username: config.DEVICE_USERNAME, password: config.DEVICE_PASSWORD, community: config.DEVICE_SNMP_COMMUNITY },
    concurrency: config.TELEMETRY_CONCURRENCY,
  });

  // Read by scripts/workflow-thread.cjs in the thread the orchestration worker starts for its workflows.
  setEnvironmentData('branchline:workflow-promise-stacks', config.WORKER_WORKFLOW_STACK_TRACES ? 'on' : 'off');
  const orchestration = await Worker.create({
    ...common,
    taskQueue: taskQueues.orchestration,
    ...workflowSource(config),
    ...tracingOptions(tracing, { bundled: !!config.WORKFLOW_BUNDLE_PATH, workflows: true }),
    activities,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
  const devices = await Worker.create({
    ...common,
    taskQueue: taskQueues.devices,
    ...tracingOptions(tracing, { bundled: false, workflows: false, activities: [deviceOperationMetrics(metrics)] }),
    activities,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_DEVICE_ACTIVITIES,
  });
  const telemetry = await Worker.create({
    ...common,
    taskQueue: taskQueues.telemetry,
    ...tracingOptions(tracing, { bundled: false, workflows: false }),
    activities: telemetryActivities,
    maxConcurrentActivityTaskExecutions: config.TELEMETRY_MAX_SHARDS_PER_WORKER,
    // A shard's heartbeat is what it resumes from: sent within a second of a signal, not the SDK's
    // default of up to 80 % of the heartbeat timeout later, so a crash can repeat a signal only
    // from that last second.
    maxHeartbeatThrottleInterval: '1 second',
  });
  await ensureTelemetry(client, config, log);
  if (config.DRIFT_RECONCILE_INTERVAL_SECONDS > 0) {
    const { created } = await ensureDriftSchedule(client, config.DRIFT_RECONCILE_INTERVAL_SECONDS);
    log.info({ intervalSeconds: config.DRIFT_RECONCILE_INTERVAL_SECONDS, created }, 'drift reconciliation scheduled');
  }
  log.info({ taskQueues: [taskQueues.orchestration, taskQueues.devices, taskQueues.telemetry] }, 'worker ready');

  return {
    /** Runs until shutdown() and then closes every connection. */
    async run() {
      try {
        await Promise.all([orchestration.run(), devices.run(), telemetry.run()]);
      } finally {
        transports.snmp.close();
        telemetrySnmp.close();
        token?.close();
        await Promise.allSettled([transports.netconf.close(), prisma.$disconnect(), clientConnection.close(), connection.close()]);
      }
    },
    shutdown() {
      for (const worker of [orchestration, devices, telemetry]) if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  };
}

async function main() {
  const config = loadServiceConfig();
  const log = createLogger('worker', config.LOG_LEVEL);
  const tracing = startTracing({ serviceName: 'branchline-worker', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  if (tracing) log.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'traces exported over OTLP');
  installRuntime(config, log);
  const workers = await createWorkers(config, log, tracing);
  // The SDK already shuts workers down on SIGINT and SIGTERM; this says so in the log.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => log.info({ signal }, 'worker stopping'));
  await workers.run();
  await tracing?.shutdown();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
