// The API process: listens, and shuts down gracefully (in-flight requests finish, then the
// database pool and the Temporal connection close).
import { join } from 'node:path';
import { ImageStore } from '../inventory/images.ts';
import { WebhookDestinations } from '../runtime/webhook-destinations.ts';
import { createPrismaClient, createStatementPool } from '../prisma/client.ts';
import { ConfigError, loadServiceConfig, requireSecretsKey } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { startTracing } from '../runtime/tracing.ts';
import { clientConnectionOptions, temporalAccess } from '../runtime/temporal-access.ts';
import { ensureAdministrator } from './access/administrator.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';
import { ApiMetrics, serveMetrics } from './metrics.ts';
import { apiClientInterceptors, connectTemporal } from './temporal.ts';

async function main() {
  const config = loadServiceConfig();
  const log = createLogger('api', config.LOG_LEVEL);
  // Before anything else, so every span and log line after it knows its trace.
  const tracing = startTracing({ serviceName: 'branchline-api', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const metrics = config.API_METRICS_PORT === undefined ? undefined : new ApiMetrics({ process: true });
  const prisma = createPrismaClient(config.DATABASE_URL);
  // Starts claim their idempotency keys, read their sites and keep their answers here, beside the reads' pool.
  const startStatements = createStatementPool(config.DATABASE_URL, { poolSize: 4 });
  const access = await temporalAccess(config, log);
  const { client, connection } = await connectTemporal(
    clientConnectionOptions(config.TEMPORAL_ADDRESS, access), config.TEMPORAL_NAMESPACE, apiClientInterceptors({ metrics, tracing: !!tracing }),
  );
  const images = new ImageStore(join(config.dataDir, 'images'));
  const administrator = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, passwordFile: config.adminPasswordFile };
  if ((await ensureAdministrator(prisma, administrator)).created) log.info({ email: config.ADMIN_EMAIL }, 'no account existed: SP admin created');
  const events = new EventHub(config.DATABASE_URL, log);
  const app = createApp({
    prisma, startStatements, temporal: client, namespace: config.TEMPORAL_NAMESPACE, log, temporalUiUrl: config.temporalUiUrl, images, events,
    rateLimit: { perSecond: config.API_RATE_LIMIT_PER_SECOND, burst: config.API_RATE_LIMIT_BURST },
    webhookDestinations: new WebhookDestinations({ allowed: config.WEBHOOK_ALLOWED_NETWORKS }),
    trustProxy: config.TRUST_PROXY,
    secretsKey: requireSecretsKey(config),
    ...(metrics ? { metrics } : {}),
    ...(tracing ? { tracer: tracing.tracer } : {}),
  });
  const metricsServer = metrics && config.API_METRICS_PORT !== undefined
    ? await serveMetrics(metrics.registry, config.METRICS_HOST, config.API_METRICS_PORT).catch((error: unknown) => {
      log.fatal({ err: error, host: config.METRICS_HOST, port: config.API_METRICS_PORT }, 'API metrics cannot listen (API_METRICS_PORT)');
      process.exit(1);
    })
    : undefined;
  if (metricsServer) log.info({ url: metricsServer.url }, 'API metrics served');
  if (tracing) log.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'traces exported over OTLP');

  const server = app.listen(config.PORT, config.HOST, () => {
    log.info({ host: config.HOST, port: config.PORT }, 'API listening');
  });
  server.on('error', (error) => {
    log.fatal({ err: error }, 'API cannot listen');
    process.exit(1);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API stopping');
    server.closeIdleConnections();
    // Long-lived streams would hold close() open: give in-flight requests five seconds.
    setTimeout(() => server.closeAllConnections(), 5000).unref();
    await new Promise((resolve) => server.close(resolve));
    access.token?.close();
    metricsServer?.close();
    await Promise.allSettled([events.close(), prisma.$disconnect(), startStatements.close(), connection.close(), tracing?.shutdown()]);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
