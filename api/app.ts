import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import express, { type Express } from 'express';
import { z } from 'zod';
import { prismaStatements, type PrismaClient, type Statements } from '../prisma/client.ts';
import type { Logger } from '../runtime/logger.ts';
import { problemMiddleware } from './errors.ts';
import type { ApiMetrics } from './metrics.ts';
import { requestSpans } from './tracing.ts';
import { ApiDefinition, unmatchedRoute } from './openapi.ts';
import { problems } from './problems.ts';
import type { ImageStore } from '../inventory/images.ts';
import { WebhookDestinations } from '../runtime/webhook-destinations.ts';
import { alarmsRouter } from './routes/alarms.ts';
import { overviewRouter } from './routes/overview.ts';
import { healthRouter } from './routes/health.ts';
import { imagesRouter } from './routes/images.ts';
import { onboardingRouter } from './routes/onboarding.ts';
import { organisationRouter } from './routes/organisation.ts';
import { policiesRouter } from './routes/policies.ts';
import { slaPoliciesRouter } from './routes/sla-policies.ts';
import { policyIntentRouter } from './routes/policy-intent.ts';
import { siteSlaRouter } from './routes/site-sla.ts';
import { slaSteeringRouter } from './routes/sla-steering.ts';
import { linkMetricsRouter } from './routes/link-metrics.ts';
import { slaReportsRouter } from './routes/sla-reports.ts';
import { runsRouter } from './routes/runs.ts';
import { sitePreviewRouter } from './routes/site-preview.ts';
import { siteNetworkRouter } from './routes/site-network.ts';
import { sitesRouter } from './routes/sites.ts';
import { ztpRouter } from './routes/ztp.ts';
import { createAuthenticator } from './access/authenticate.ts';
import { newSignInThrottle } from './access/sign-in.ts';
import { FailureThrottle, RateLimiter } from './access/throttle.ts';
import type { EventHub } from './event-hub.ts';
import { IdempotencyKeys } from './idempotency.ts';
import { apiTokensRouter } from './routes/api-tokens.ts';
import { auditRouter } from './routes/audit.ts';
import { campaignsRouter } from './routes/campaigns.ts';
import { devicesRouter } from './routes/devices.ts';
import { credentialsRouter } from './routes/credentials.ts';
import { configurationRouter } from './routes/configuration.ts';
import { credentialRotationRouter } from './routes/credential-rotation.ts';
import { firmwareRouter } from './routes/firmware.ts';
import { vnfCatalogueRouter } from './routes/vnf-catalogue.ts';
import { vnfInstancesRouter } from './routes/vnf-instances.ts';
import { networkServicesRouter } from './routes/network-services.ts';
import { networkServiceCampaignsRouter } from './routes/network-service-campaigns.ts';
import { itsmRouter } from './routes/itsm.ts';
import { rolesRouter } from './routes/roles.ts';
import { sessionRouter } from './routes/session.ts';
import { streamsRouter } from './routes/streams.ts';
import { upgradesRouter } from './routes/upgrades.ts';
import { rmaRouter } from './routes/rma.ts';
import { createRunRegistry } from './runs/registry.ts';
import { usersRouter } from './routes/users.ts';
import { webhooksRouter } from './routes/webhooks.ts';

export interface AppDependencies {
  prisma: PrismaClient;
  temporal: Client;
  namespace: string;
  log: Logger;
  /** Where the built UI is; the API serves it when it exists. */
  uiDirectory?: string;
  images: ImageStore;
  temporalUiUrl: string;
  /** How long a request waits for Temporal before it answers 503; thirty seconds unless said otherwise. */
  temporalDeadlineMs?: number;
  /** How often a run's live progress is read for its streams (one reader per run, however many follow it). */
  runPollIntervalMs?: number;
  /** The process's listener for live streams. */
  events: EventHub;
  /** Requests per second per caller (token, person or address), and the burst allowed above it. */
  rateLimit?: { perSecond: number; burst: number };
  /** Where webhook subscriptions may point; by default public addresses only (no network allowed). */
  webhookDestinations?: WebhookDestinations;
  /**
   * Which reverse proxies to believe about the client (X-Forwarded-For, X-Forwarded-Proto): their
   * addresses or ranges, or how many stand in front; none by default (TRUST_PROXY).
   */
  trustProxy?: TrustProxy;
  /** The deployment's key: device credentials are sealed with it as they arrive; without it, they are refused. */
  secretsKey?: Buffer;
  /**
   * A pool of its own for what every start and every POST with an Idempotency-Key sends (the key's
   * claim, the site, the answer with its audit entry), so a start never queues behind reads in
   * Prisma's pool; on Prisma's pool when absent.
   */
  startStatements?: Statements;
  /** Request latency is measured into these (served apart, on API_METRICS_PORT); none when absent. */
  metrics?: ApiMetrics;
  /** A span per request, when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT); none when absent. */
  tracer?: Tracer;
}

export type TrustProxy = false | number | string[];

export const defaultRateLimit = { perSecond: 50, burst: 100 };
export const defaultTemporalDeadlineMs = 30_000;

const here = dirname(fileURLToPath(import.meta.url));
export const defaultUiDirectory = join(here, '..', 'ui', 'dist');
const swaggerUiDirectory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Builds the Express application without listening, so tests can drive it directly. */
export function createApp(given: AppDependencies): Express & { api: ApiDefinition } {
  const deps = { ...given, startStatements: given.startStatements ?? prismaStatements(given.prisma) };
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // Behind a reverse proxy, the client's address and scheme are the proxy's to say (rate limits,
  // throttles, the session cookie's Secure flag); only the proxies named are believed.
  app.set('trust proxy', deps.trustProxy ?? false);
  if (deps.tracer) app.use(requestSpans(deps.tracer));
  if (deps.metrics) app.use(deps.metrics.requestTimer());
  // No other site may frame these pages (clickjacking), and browsers take every answer as the type it says.
  app.use((_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(healthRouter(deps));

  const { perSecond, burst } = deps.rateLimit ?? defaultRateLimit;
  const authenticate = createAuthenticator(deps.prisma);
  const api = new ApiDefinition('/api/v1', {
    authenticate,
    limiter: new RateLimiter(perSecond, burst),
    // Thirty refused tokens, session cookies or signatures a minute from one network, then wait.
    authFailures: new FailureThrottle(30, 60_000),
    idempotency: new IdempotencyKeys(deps.prisma, deps.startStatements),
  });
  const v1 = express.Router();
  // Answers carry tokens, activation codes and secrets, and every one is the caller's own: no
  // cache, the browser's or a proxy's, keeps any (a route may say otherwise, as images do).
  v1.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Every call a request makes to Temporal shares one deadline: a Temporal that does not answer is
  // a 503 (temporal-unavailable) within it, not a request that hangs. A live stream gives each of
  // its polls a deadline of its own.
  const temporalDeadlineMs = deps.temporalDeadlineMs ?? defaultTemporalDeadlineMs;
  v1.use((_req, _res, next) => {
    void deps.temporal.withDeadline(Date.now() + temporalDeadlineMs, async () => next());
  });
  // The bytes as they came are kept: signatures and idempotency keys are computed over them.
  v1.use(express.json({ limit: '1mb', verify: (req, _res, buffer) => { (req as unknown as { rawBody: Buffer }).rawBody = buffer; } }));
  v1.use(sessionRouter(api, { prisma: deps.prisma, signInThrottle: newSignInThrottle() }));
  v1.use(usersRouter(api, deps));
  v1.use(rolesRouter(api, deps));
  v1.use(apiTokensRouter(api, { prisma: deps.prisma, forgetToken: authenticate.forgetToken }));
  v1.use(organisationRouter(api, deps));
  v1.use(sitesRouter(api, deps));
  v1.use(sitePreviewRouter(api, deps));
  v1.use(siteNetworkRouter(api, deps));
  v1.use(policiesRouter(api, deps));
  v1.use(slaPoliciesRouter(api, deps));
  // The one place runs are started and steered, for the REST routes and ITSM alike.
  const runs = createRunRegistry(deps);
  v1.use(onboardingRouter(api, deps, runs));
  v1.use(siteSlaRouter(api, deps, runs));
  v1.use(policyIntentRouter(api, deps, runs));
  v1.use(slaSteeringRouter(api, deps));
  v1.use(linkMetricsRouter(api, deps));
  v1.use(slaReportsRouter(api, deps));
  v1.use(ztpRouter(api, deps));
  v1.use(devicesRouter(api, deps));
  v1.use(credentialsRouter(api, deps));
  v1.use(runsRouter(api, deps));
  v1.use(alarmsRouter(api, deps));
  v1.use(overviewRouter(api, deps));
  v1.use(imagesRouter(api, deps));
  v1.use(firmwareRouter(api, deps));
  v1.use(vnfCatalogueRouter(api, deps));
  v1.use(upgradesRouter(api, deps, runs));
  v1.use(rmaRouter(api, deps, runs));
  v1.use(credentialRotationRouter(api, deps, runs));
  v1.use(configurationRouter(api, deps, runs));
  v1.use(campaignsRouter(api, deps, runs));
  v1.use(vnfInstancesRouter(api, deps, runs));
  v1.use(networkServicesRouter(api, deps, runs));
  v1.use(networkServiceCampaignsRouter(api, deps, runs));
  v1.use(itsmRouter(api, deps, runs));
  v1.use(webhooksRouter(api, { prisma: deps.prisma, webhookDestinations: deps.webhookDestinations ?? new WebhookDestinations() }));
  v1.use(auditRouter(api, deps));
  v1.use(streamsRouter(api, { ...deps, temporalDeadlineMs }));
  api.route(v1, {
    method: 'get',
    path: '/config',
    summary: "What the UI needs to know of its surroundings: the Temporal namespace, and the Temporal Web UI for those who may open it",
    tags: ['Platform'],
    access: 'signed-in',
    response: z.object({
      namespace: z.string(),
      temporalUiUrl: z.string().optional().describe("The Temporal Web UI; only for those who read every tenant's runs (SP admins)"),
    }),
    handler: async ({ principal }) => ({
      namespace: deps.namespace,
      ...(deps.temporalUiUrl && principal.opensTemporalWebUi ? { temporalUiUrl: deps.temporalUiUrl } : {}),
    }),
  });
  const document = api.document({
    title: 'Branchline API',
    version: '1',
    description: 'Orchestrates enterprise branch networks: sites, devices, overlays, upgrades and device replacement.',
  });
  v1.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  v1.use(unmatchedRoute(document));
  app.use('/api/v1', v1);

  app.use('/api/docs/assets', express.static(swaggerUiDirectory, { index: false }));
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(docsPage);
  });

  const uiDirectory = deps.uiDirectory ?? defaultUiDirectory;
  if (existsSync(uiDirectory)) {
    app.use(express.static(uiDirectory, { index: 'index.html', maxAge: '1h' }));
    // The UI routes in the browser: every other GET outside the API gets its page.
    app.get(/^\/(?!api\/).*/, (_req, res) => res.sendFile(join(uiDirectory, 'index.html'), { maxAge: 0 }));
  }
  app.use((req, _res, next) => next(problems.notFound(`Route ${req.method} ${req.path}`)));
  app.use(problemMiddleware(deps.log));
  return Object.assign(app, { api });
}

const docsPage = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Branchline API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <!-- Tags start closed: Swagger UI stops rendering, silently, when it opens more than about 135 operations at once. -->
  <script>SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#docs', docExpansion: 'none' });</script>
</body>
</html>`;
