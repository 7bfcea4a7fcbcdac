// The environment, read once and parsed by a schema. Every process (supervisor, API, worker)
// calls loadConfig() at start-up and passes the values down; nothing else reads process.env.
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseNetwork, parseNetworks } from './address-kinds.ts';

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
/** A port, or unset (empty is unset): for listeners that are off unless asked for. */
const optionalPort = z.preprocess((v) => (v === '' ? undefined : v), port.optional());

/** CIDR networks, comma-separated; each wrong entry is named. */
const networks = z.string().default('').transform((text, context) => {
  const parsed = parseNetworks(text);
  if ('networks' in parsed) return parsed.networks;
  for (const problem of parsed.problems) context.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

/** The ranges Express names, besides addresses and subnets. */
const namedProxyRanges = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: none (unset or
 * `false`), how many stand in front (a number), or their addresses, subnets and named ranges.
 * "Every address" is refused: any client could then choose the address its limits count against.
 */
const trustProxy = optionalText.transform((value, context): false | number | string[] => {
  if (value === undefined || value === 'false') return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const wrong = entries.filter((entry) => !namedProxyRanges.includes(entry) && typeof parseNetwork(entry) === 'string');
  if (entries.length === 0 || wrong.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `must be the number of proxies in front, or their addresses, subnets or ${namedProxyRanges.join('/')}, comma-separated` +
        (wrong.length > 0 ? ` (not ${wrong.join(', ')})` : '') + (value === 'true' ? '; trusting every address would let any client pick its own' : ''),
    });
    return z.NEVER;
  }
  return entries;
});

/**
 * The deployment's key that secrets shared by two devices are derived from (an IKE tunnel's
 * pre-shared key): 32 random bytes, hex or base64. `npm start` keeps one in DATA_DIR/secrets-key.
 */
const secretsKey = optionalText.transform((value, context): Buffer | undefined => {
  if (value === undefined) return undefined;
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (bytes?.length === 32) return bytes;
  context.addIssue({ code: 'custom', message: 'must be 32 random bytes, as 64 hex digits or in base64 (for example: openssl rand -hex 32)' });
  return z.NEVER;
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  PUBLIC_URL: optionalText.pipe(z.url().optional()),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: optionalText.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgresql:// (for example postgresql://user:password@host:5432/branchline)').optional(),
  ),
  EMBEDDED_POSTGRES_PORT: port.default(54320),
  TEMPORAL_ADDRESS: optionalText.pipe(
    z.string().regex(/^[^:\s/]+:\d+$/, 'must be host:port (for example temporal.example.net:7233)').optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalText.pipe(z.url().optional()),
  TEMPORAL_CLI_PATH: optionalText,
  /** `npm run cluster`: the first of the fifty ports its processes listen on (README, Running the production topology). */
  CLUSTER_PORT_BASE: port.max(65485).default(7300),
  /** `npm run cluster`: the address its servers and processes listen on (the UI and API's front listens on HOST). */
  CLUSTER_HOST: z.string().min(1).default('127.0.0.1'),
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(9).default(3),
  CLUSTER_APIS: z.coerce.number().int().min(1).max(9).default(2),
  /** A Temporal server and its temporal-sql-tool for `npm run cluster`, instead of building them. */
  TEMPORAL_SERVER_BINARY: optionalText,
  TEMPORAL_SQL_TOOL: optionalText,
  /** The Temporal Web UI's server (temporalio/ui-server) for `npm run cluster`, instead of building it. */
  TEMPORAL_UI_SERVER_BINARY: optionalText,
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  OIDC_ISSUER_URL: optionalText.pipe(z.url().optional()),
  TEMPORAL_OAUTH_CLIENT_ID: optionalText,
  TEMPORAL_OAUTH_CLIENT_SECRET: optionalText,
  TEMPORAL_OAUTH_SCOPE: optionalText,
  WORKFLOW_BUNDLE_PATH: optionalText,
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  /** The SDK's stack trace of every promise of a run, for the `__stack_trace` query (scripts/workflow-thread.cjs). */
  WORKER_WORKFLOW_STACK_TRACES: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).default(20),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(50),
  WORKER_MAX_CONCURRENT_DEVICE_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  /**
   * NETCONF sessions a worker keeps open (idle ones close after a minute). A policy deployment
   * reads every device in its dry run, then changes each: with fewer sessions than devices, the
   * oldest go first and every change opens its session again (SSH's key exchange, both ends).
   */
  WORKER_MAX_NETCONF_SESSIONS: z.coerce.number().int().min(1).default(2500),
  /** Telemetry shards of the deployment; 0: the worker starts no pollers (tests start their own). */
  TELEMETRY_SHARDS: z.coerce.number().int().min(0).max(1024).default(0),
  TELEMETRY_PROBE_INTERVAL_MS: z.coerce.number().int().min(1000).default(5000),
  TELEMETRY_WINDOW_SAMPLES: z.coerce.number().int().min(1).max(60).default(3),
  /** Shards one worker runs at most: with several workers, the shards spread over them. */
  TELEMETRY_MAX_SHARDS_PER_WORKER: z.coerce.number().int().min(1).default(4),
  /** Device reads and signals in flight at once per worker, over all its shards. */
  TELEMETRY_CONCURRENCY: z.coerce.number().int().min(1).default(256),
  /** Seconds between drift reconciliations (a Temporal Schedule the first worker up creates); 0: none (tests make their own). */
  DRIFT_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  ADMIN_EMAIL: z.email().default('admin@branchline.local'),
  ADMIN_PASSWORD: optionalText.pipe(z.string().min(12, 'is at least 12 characters').optional()),
  API_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  /** Private, loopback and link-local networks webhooks may reach all the same (metadata services never). */
  WEBHOOK_ALLOWED_NETWORKS: networks,
  TRUST_PROXY: trustProxy,
  SECRETS_KEY: secretsKey,
  DEVICE_USERNAME: z.string().min(1).default('branchline'),
  DEVICE_PASSWORD: z.string().min(8, 'is at least 8 characters').default('branchline-lab'),
  DEVICE_SNMP_COMMUNITY: z.string().min(1).default('branchline'),
  SIMULATOR_DEVICES: z.coerce.number().int().min(0).max(100_000).default(10),
  /** Whether the first `npm start` brings the demo network up (scripts/demo.ts). */
  DEMO_NETWORK: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  /** The simulated boxes' models, dealt in turn: the demo's two hubs first, branch boxes, one universal CPE. */
  SIMULATOR_MODELS: z.string().regex(/^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/, 'is a comma-separated list of models').default(
    'SRX-SIM-4600,SRX-SIM-4600,SRX-SIM-300,SRX-SIM-300,SRX-SIM-300,SRX-SIM-300,SRX-SIM-100,SRX-SIM-300,NFX250,SRX-SIM-100',
  ),
  SIMULATOR_BASE_ADDRESS: z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'must be a loopback address (127.x.y.z)').default('127.16.0.1'),
  SIMULATOR_SNMP_PORT: port.default(10161),
  SIMULATOR_NETCONF_PORT: port.default(10830),
  SIMULATOR_CONTROL_PORT: port.default(8240),
  /** The address the metrics listeners bind: loopback unless an operator's Prometheus scrapes from elsewhere. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The API's /metrics, on a port of its own (never the public one); unset: none. */
  API_METRICS_PORT: optionalPort,
  /** The worker's /metrics (the Temporal SDK's exporter, Branchline's series beside its own); unset: none. */
  WORKER_METRICS_PORT: optionalPort,
  /** An OTLP/HTTP collector (`http://collector:4318`): traces go to <endpoint>/v1/traces; unset: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(z.url().optional()),
}).superRefine((config, context) => {
  // Branchline's client at the identity provider, for a Temporal server that checks tokens: all or nothing.
  if (!config.TEMPORAL_OAUTH_CLIENT_ID && !config.TEMPORAL_OAUTH_CLIENT_SECRET) return;
  const missing = (['TEMPORAL_OAUTH_CLIENT_ID', 'TEMPORAL_OAUTH_CLIENT_SECRET', 'OIDC_ISSUER_URL'] as const).filter((key) => !config[key]);
  for (const key of missing) {
    context.addIssue({ code: 'custom', path: [key], message: 'must be set too: Branchline gets its token for Temporal from OIDC_ISSUER_URL with TEMPORAL_OAUTH_CLIENT_ID and TEMPORAL_OAUTH_CLIENT_SECRET' });
  }
});

export type Config = z.infer<typeof configSchema> & {
  dataDir: string;
  /** Where the first administrator's generated password is kept. */
  adminPasswordFile: string;
  /** Where `npm start` keeps the generated SECRETS_KEY. */
  secretsKeyFile: string;
  publicUrl: string;
  temporalUiUrl: string;
};

/** The configuration of a process that needs the database and Temporal already running. */
export type ServiceConfig = Config & { DATABASE_URL: string; TEMPORAL_ADDRESS: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`The environment is not a valid Branchline configuration:\n${problems.join('\n')}\nSee the configuration table in README.md.`);
  }
  const config = parsed.data;
  return {
    ...config,
    dataDir: resolve(config.DATA_DIR),
    adminPasswordFile: resolve(config.DATA_DIR, 'admin-password'),
    secretsKeyFile: resolve(config.DATA_DIR, 'secrets-key'),
    publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
    temporalUiUrl: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`,
  };
}

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const config = loadConfig(env);
  const missing = (['DATABASE_URL', 'TEMPORAL_ADDRESS'] as const).filter((key) => !config[key]);
  if (missing.length > 0) {
    throw new ConfigError(`${missing.join(' and ')} must be set for this process (npm start sets them for the processes it runs).`);
  }
  return config as ServiceConfig;
}

/** The deployment's key, which the API (sealing credentials) and the workers (opening them, deriving IKE keys) cannot do without. */
export function requireSecretsKey(config: Pick<Config, 'SECRETS_KEY'>): Buffer {
  if (!config.SECRETS_KEY) {
    throw new ConfigError('SECRETS_KEY must be set for this process: 32 random bytes, hex or base64 (npm start generates one and keeps it in DATA_DIR/secrets-key).');
  }
  return config.SECRETS_KEY;
}
