// What test files share: the services `npm test` started (from the environment it sets) and
// throwaway databases and workers on top of them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import proto from '@temporalio/proto';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type AppDependencies } from '../api/app.ts';
import { EventHub } from '../api/event-hub.ts';
import { ImageStore } from '../inventory/images.ts';
import { createLeaseActivities, type LeaseActivities } from '../activities/leases.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { ensureBuiltinRoles } from '../inventory/roles.ts';
import { sessionCookie } from '../api/access/authenticate.ts';
import { newApiToken, newSessionToken } from '../api/access/secrets.ts';
import { WebhookDestinations, type Resolve } from '../runtime/webhook-destinations.ts';
import { createPrismaClient, createStatementPool, type PrismaClient } from '../prisma/client.ts';
import { applyMigrations } from '../prisma/migrate.ts';
import { loadConfig } from '../runtime/config.ts';
import { workflowBundlerOptions, workflowsPath } from './workflow-bundle.ts';

export interface TestServices {
  /** A database URL on the test cluster whose user may create databases. */
  adminDatabaseUrl: string;
  temporalAddress: string;
  namespace: string;
}

export function testServices(): TestServices {
  const adminDatabaseUrl = process.env['BRANCHLINE_TEST_DATABASE_URL'];
  const temporalAddress = process.env['TEMPORAL_ADDRESS'];
  if (!adminDatabaseUrl || !temporalAddress) {
    throw new Error('This test needs the services npm test starts: run it through `npm test` (or `npm run test:integration`).');
  }
  return { adminDatabaseUrl, temporalAddress, namespace: process.env['TEMPORAL_NAMESPACE'] ?? 'default' };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** Creates a database beside the one `adminDatabaseUrl` names, migrated unless told otherwise; returns its URL. */
export async function createDatabase(adminDatabaseUrl: string, name: string, options: { migrate?: boolean } = {}): Promise<string> {
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminDatabaseUrl, name);
  if (options.migrate ?? true) await applyMigrations(url);
  return url;
}

export async function dropDatabase(adminDatabaseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A new database of its own for one test file. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const { adminDatabaseUrl } = testServices();
  const name = `test_${randomBytes(6).toString('hex')}`;
  const url = await createDatabase(adminDatabaseUrl, name, options);
  const prisma = createPrismaClient(url, { poolSize: 5 });
  return {
    url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await dropDatabase(adminDatabaseUrl, name);
    },
  };
}

export async function connectTestClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const { temporalAddress, namespace } = testServices();
  const connection = await Connection.connect({ address: temporalAddress });
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}

let runtimeInstalled = false;

/**
 * The SDK's runtime for workers in a test or benchmark process, once: warnings and errors only,
 * the core's own as well, all to standard error (a benchmark's standard output is its JSON).
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } } });
  runtimeInstalled = true;
}

/** Runs a worker in this process until stop() is called. The SDK logs warnings and errors only. */
export async function startTestWorker(options: Omit<WorkerOptions, 'connection' | 'namespace'>): Promise<{ stop(): Promise<void> }> {
  const { temporalAddress, namespace } = testServices();
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({ ...options, connection, namespace });
  const running = worker.run();
  return {
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * The workers of a workflow test whose inventory and devices are stood in for: the workflows, the
 * device leases (real, on the test's Temporal) and `orchestration` on the orchestration queue, and
 * `devices` on the devices queue.
 */
export async function startStandInWorkers(client: Client, activities: { orchestration: object; devices: object }): Promise<{ stop(): Promise<void> }> {
  const leases = await createTestLeases(client);
  const workers = [
    await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath,
      bundlerOptions: workflowBundlerOptions(),
      activities: { ...leases.activities, ...activities.orchestration },
    }),
    await startTestWorker({ taskQueue: taskQueues.devices, activities: withChangesInTurn(activities.devices) }),
  ];
  return {
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await leases.drop();
    },
  };
}

/** The device leases of a workflow test, real: rows in a database of its own, grants on the test's Temporal. */
export async function createTestLeases(client: Client): Promise<{ activities: LeaseActivities; prisma: PrismaClient; drop(): Promise<void> }> {
  const database = await createTestDatabase();
  return { activities: createLeaseActivities({ prisma: database.prisma, client }), prisma: database.prisma, drop: database.drop };
}

type StandIn = (input: unknown) => Promise<unknown>;

/**
 * Stood-in devices with applyConfigurationsInTurn (how a workflow changes a device and records it)
 * made of their own applyConfiguration and recordConfiguration: the changes in turn, then their
 * records. Devices that stand in for it themselves, or change nothing, are left as they are.
 */
export function withChangesInTurn<T extends object>(devices: T): T {
  const { applyConfiguration, recordConfiguration } = devices as { applyConfiguration?: StandIn; recordConfiguration?: StandIn };
  if (!applyConfiguration || 'applyConfigurationsInTurn' in devices) return devices;
  return {
    ...devices,
    async applyConfigurationsInTurn({ changes, records }: { changes: unknown[]; records?: unknown[] }) {
      const applied: unknown[] = [];
      for (const change of changes) applied.push(await applyConfiguration.call(devices, change));
      if (!records || !recordConfiguration) return { applied };
      const versions = [];
      for (const record of records) versions.push(((await recordConfiguration.call(devices, record)) as { version: number }).version);
      return { applied, versions };
    },
  };
}

/** A stand-in activity's step that lasts as long as the test wants: it heartbeats until cancelled. */
export async function untilCancelled(): Promise<void> {
  const context = Context.current();
  const beating = setInterval(() => context.heartbeat(), 200);
  try {
    await context.cancelled;
  } finally {
    clearInterval(beating);
  }
}

const historiesDirectory = join(import.meta.dirname, '..', 'workflows', 'histories');

/**
 * With RECORD_HISTORIES set, keeps a run's history in workflows/histories/<name>.json, which the
 * workflow suite replays against the workflows as they are now (so a change that would break a
 * run in flight fails the tests).
 */
export async function recordHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<void> {
  if (!process.env['RECORD_HISTORIES']) return;
  const { History } = proto.temporal.api.history.v1;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  writeFileSync(join(historiesDirectory, `${name}.json`), JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }), null, 1));
}

/**
 * Someone signed in with a role, for tests and the lab: the account and its session are written
 * straight to the database (the sign-in route itself is tested on its own). Send `cookie`.
 */
export async function signInAs(
  prisma: PrismaClient,
  options: { role: string; tenantId?: string; opcoId?: string; email?: string },
): Promise<{ userId: string; cookie: string }> {
  await ensureBuiltinRoles(prisma);
  const role = await prisma.role.findUniqueOrThrow({ where: { name: options.role } });
  const { token, hash } = newSessionToken();
  const user = await prisma.user.create({
    data: {
      email: options.email ?? `${randomBytes(6).toString('hex')}@test.branchline.local`,
      displayName: options.role,
      passwordHash: 'not-a-password',
      roleBindings: { create: { roleId: role.id, tenantId: options.tenantId ?? null, opcoId: options.opcoId ?? null } },
      sessions: { create: { tokenHash: hash, expiresAt: new Date(Date.now() + 86_400_000) } },
    },
  });
  return { userId: user.id, cookie: `${sessionCookie}=${token}` };
}

/** An API token of a tenant with one of the built-in (or custom) tenant roles. Send as Bearer. */
export async function apiTokenFor(prisma: PrismaClient, options: { tenantId: string; role: string }): Promise<string> {
  await ensureBuiltinRoles(prisma);
  const role = await prisma.role.findUniqueOrThrow({ where: { name: options.role } });
  const { token, prefix, hash } = newApiToken();
  await prisma.apiToken.create({
    data: { name: `test ${options.role}`, prefix, tokenHash: hash, tenantId: options.tenantId, roleId: role.id, expiresAt: new Date(Date.now() + 86_400_000) },
  });
  return token;
}

/**
 * The tests' webhook receivers listen on 127.0.0.1, which webhooks may not reach unless allowed:
 * the tests allow that one address the way an SP admin would, through WEBHOOK_ALLOWED_NETWORKS.
 */
export const testWebhookNetworks = '127.0.0.1/32';

export function testWebhookDestinations(options: { resolve?: Resolve } = {}): WebhookDestinations {
  return new WebhookDestinations({ allowed: loadConfig({ WEBHOOK_ALLOWED_NETWORKS: testWebhookNetworks }).WEBHOOK_ALLOWED_NETWORKS, ...options });
}

/** Reads until `holds` is true of the answer; fails saying `what`, with the last answer, after `timeoutMs`. */
export async function eventually<T>(what: string, read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The runs of a workflow type Temporal started since `since` (its visibility lags: read until two reads agree). */
export async function runsStartedSince(client: Client, workflowType: string, since: Date): Promise<string[]> {
  const read = async () => {
    const found: string[] = [];
    for await (const run of client.workflow.list({ query: `WorkflowType = '${workflowType}' AND StartTime >= '${since.toISOString()}'` })) found.push(run.workflowId);
    return found.sort();
  };
  let last = await read();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await read();
    if (now.length > 0 && JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

/**
 * The API listening on a free loopback port, against a test database and a Temporal client, with
 * its own events listener, its pool for starts (as api/server.ts has) and a rate limit no test
 * reaches; `close` stops them all.
 */
export async function listenTestApi(
  database: TestDatabase, temporal: Client, options: Partial<AppDependencies> = {},
): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  const log = pino({ level: 'silent' });
  const events = new EventHub(database.url, log);
  const startStatements = createStatementPool(database.url, { poolSize: 2 });
  const app = createApp({
    prisma: database.prisma, startStatements, temporal, namespace: 'default', log, temporalUiUrl: '', events, rateLimit: { perSecond: 1000, burst: 1000 },
    images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), ...options,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server, port, url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([events.close(), startStatements.close()]);
    },
  };
}

/** Every process below `pid`, read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** The first administrator's email and password, as the start-up prints them. */
export function printedSignIn(output: string): { email: string; password: string } {
  const [, email, password] = /sign in as (\S+), password (\S+)/.exec(output) ?? [];
  assert.ok(email && password, 'the start-up prints how to sign in');
  return { email, password };
}

/** Signs in at `baseUrl` with the credentials `npm start` or `npm run cluster` printed (the SP admin made on the first start). */
export async function signInAsPrinted(output: string, baseUrl: string): Promise<Api> {
  const { email, password } = printedSignIn(output);
  const base = `${baseUrl}/api/v1`;
  const signedIn = await fetch(`${base}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  assert.equal(signedIn.status, 201);
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  return async <T,>(method: string, path: string, body?: unknown) => {
    const file = body instanceof Buffer;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': file ? 'application/octet-stream' : 'application/json' }) },
      body: file ? new Uint8Array(body) : body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
}
