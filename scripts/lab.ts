// A whole Branchline in one place, for the onboarding tests and the onboarding benchmark: the API
// (in this process, on a free port), workers (in this process, or as a separate process that a
// test can kill), and a simulated fleet whose boxes phone home to that API. Temporal and
// PostgreSQL are given (npm test's, or the benchmark's own).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ImageStore } from '../inventory/images.ts';
import { createApp } from '../api/app.ts';
import { EventHub } from '../api/event-hub.ts';
import type { ApiMetrics } from '../api/metrics.ts';
import { apiClientInterceptors } from '../api/temporal.ts';
import type { Tracer } from '@opentelemetry/api';
import { createPrismaClient, createStatementPool, type PrismaClient } from '../prisma/client.ts';
import { Fleet } from '../simulator/fleet.ts';
import { simulatorVnfImage } from '../simulator/vnf-host.ts';
export { simulatorImage } from '../simulator/device.ts';
import { loadServiceConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { ManagedProcess } from './processes.ts';
import { seedDemo } from '../prisma/seed.ts';
import { createTestDatabase, installQuietRuntime, signInAs, testServices, type TestDatabase } from './testing.ts';
import { createWorkers } from './worker.ts';

export const labCredentials = { username: 'branchline', password: 'lab-password', community: 'branchline-lab' };

export interface LabOptions {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  /** The fleet: one model per device, in serial order (BLS0000001 first, or `firstSerial`'s). */
  models: string[];
  /** The fleet's first serial number (1), when other boxes, elsewhere, hold the first ones. */
  firstSerial?: number;
  /** Tunnels to boxes outside the lab's fleet (another simulator process's) are up. */
  outsidePeersUp?: boolean;
  baseAddress: string;
  snmpPort: number;
  netconfPort: number;
  /** 'process': the worker runs as `scripts/worker.ts` in a child process, which tests may kill. */
  worker: 'in-process' | 'process';
  /** Workflow bundle built once (bench), or bundled from source at start. */
  workflowBundlePath?: string;
  logDirectory: string;
  rebootMs?: number;
  /** false: the boxes do not phone home (a fleet imported as in service, for upgrades). */
  phoneHome?: boolean;
  /** How often a box with no activation code yet phones home (1 s); one given its code calls at once. */
  phoneHomeIntervalMs?: number;
  /** Where the worker finds PostgreSQL, when not at `databaseUrl` (through a proxy a fault test cuts). */
  workerDatabaseUrl?: string;
  /** Universal CPEs' guests (their first address, boot time), for fleets with NFX models. */
  vnfGuests?: { baseAddress: string; bootMs?: number };
  /** The API's metrics and tracer, as api/server.ts gives them (its client counts and traces its starts too). */
  apiObservability?: { metrics?: ApiMetrics; tracer?: Tracer };
  /** More of the worker process's environment (WORKER_METRICS_PORT, OTEL_EXPORTER_OTLP_ENDPOINT). */
  workerEnv?: Record<string, string>;
}

export interface Lab {
  apiUrl: string;
  /** The lab's SP admin session, for requests lab.api does not make (uploads). */
  adminCookie: string;
  importFleet(tenantId: string, siteOptions: (site: number) => { timezone: string; tags: string[] }, serials?: string[]): Promise<void>;
  prisma: PrismaClient;
  client: Client;
  fleet: Fleet;
  images: ImageStore;
  /** The deployment key the lab's API and worker share (to open what they sealed). */
  secretsKey: Buffer;
  /** Calls the API; answers its status and JSON body. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Kills a worker process at once (SIGKILL), as a crash would: the one with this pid, else the last started. */
  killWorker(pid?: number): Promise<void>;
  /** Stops a worker process as a deployment does (SIGTERM: it finishes what it holds, up to its grace time). */
  stopWorker(pid: number): Promise<void>;
  /** Starts a worker (in process mode, one more beside those running). */
  startWorker(): Promise<void>;
  /** The pids of the worker processes running. */
  workerPids(): number[];
  stop(): Promise<void>;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const stops: (() => Promise<unknown>)[] = [];
  const prisma = createPrismaClient(options.databaseUrl, { poolSize: 20 });
  stops.push(() => prisma.$disconnect());
  const startStatements = createStatementPool(options.databaseUrl, { poolSize: 4 });
  stops.push(() => startStatements.close());
  const connection = await Connection.connect({ address: options.temporalAddress });
  stops.push(() => connection.close());
  const observability = options.apiObservability ?? {};
  const client = new Client({
    connection, namespace: options.namespace,
    interceptors: { workflow: apiClientInterceptors({ metrics: observability.metrics, tracing: !!observability.tracer }) },
  });
  const imageDirectory = mkdtempSync(join(tmpdir(), 'branchline-images-'));
  stops.push(async () => rmSync(imageDirectory, { recursive: true, force: true }));
  const images = new ImageStore(imageDirectory);

  // One deployment key for the lab's API and worker, as one deployment has.
  const secretsKey = randomBytes(32);
  const log = createLogger('lab-api', 'warn');
  const events = new EventHub(options.databaseUrl, log);
  stops.push(() => events.close());
  const app = createApp({
    prisma, startStatements, temporal: client, namespace: options.namespace, log, temporalUiUrl: 'http://localhost:8233', images, events, uiDirectory: '/nonexistent',
    // The lab's callers are few and fast (one SP admin, a fleet behind one address): no limit to speak of.
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    secretsKey,
    ...(observability.metrics ? { metrics: observability.metrics } : {}),
    ...(observability.tracer ? { tracer: observability.tracer } : {}),
  });
  const admin = await signInAs(prisma, { role: 'SP admin' });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  stops.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fleet = await Fleet.start({
    devices: options.models.length, models: options.models, baseAddress: options.baseAddress,
    ...(options.firstSerial ? { firstSerial: options.firstSerial } : {}), ...(options.outsidePeersUp ? { outsidePeersUp: true } : {}),
    snmpPort: options.snmpPort, netconfPort: options.netconfPort, controlPort: 0,
    credentials: labCredentials, ...(options.phoneHome === false ? {} : { phoneHomeUrl: `${apiUrl}/api/v1/ztp/phone-home` }), phoneHomeIntervalMs: options.phoneHomeIntervalMs ?? 1000, rebootMs: options.rebootMs ?? 300,
    ...(options.vnfGuests ? { vnfGuests: options.vnfGuests } : {}),
  });
  stops.push(() => fleet.stop());

  let stopWorker: (() => Promise<void>) | undefined;
  const workerProcesses: ManagedProcess[] = [];
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: options.workerDatabaseUrl ?? options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace,
    PUBLIC_URL: apiUrl,
    DEVICE_USERNAME: labCredentials.username,
    DEVICE_PASSWORD: labCredentials.password,
    DEVICE_SNMP_COMMUNITY: labCredentials.community,
    SECRETS_KEY: secretsKey.toString('hex'),
    ...(options.workflowBundlePath ? { WORKFLOW_BUNDLE_PATH: options.workflowBundlePath } : {}),
    ...options.workerEnv,
  };

  async function startWorker() {
    if (options.worker === 'process') {
      const child = ManagedProcess.node(workerProcesses.length === 0 ? 'worker' : `worker-${workerProcesses.length + 1}`, 'scripts/worker.ts', [], options.logDirectory, env);
      workerProcesses.push(child);
      stopWorker = async () => {
        await Promise.all(workerProcesses.map((worker) => worker.stop()));
      };
      return;
    }
    // The same workers as the worker process, with more slots: the lab runs everything at once.
    installQuietRuntime();
    const workers = await createWorkers(loadServiceConfig({
      ...env,
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '100',
      WORKER_MAX_CONCURRENT_DEVICE_ACTIVITIES: '200',
    }), createLogger('lab-worker', 'warn'));
    const running = workers.run();
    stopWorker = async () => {
      workers.shutdown();
      await running;
    };
  }
  await startWorker();

  /**
   * The whole fleet (or the boxes of `serials`) imported as in service: one active site per two
   * boxes, each box reachable where the simulator serves it (for upgrades, which start from devices in service).
   */
  async function importFleet(tenantId: string, siteOptions: (site: number) => { timezone: string; tags: string[] }, serials?: string[]): Promise<void> {
    const boxes = [...fleet.devices.values()].filter((box) => !serials || serials.includes(box.serial));
    for (let site = 0; site * 2 < boxes.length; site++) {
      const pair = boxes.slice(site * 2, site * 2 + 2);
      await prisma.site.create({
        data: {
          tenantId, name: `Depot ${site + 1}`, status: 'active', ...siteOptions(site),
          devices: {
            create: pair.map((box, role) => ({
              role: role ? 'secondary' as const : 'primary' as const, hostname: `depot-${site + 1}-0${role + 1}`, model: box.model, platform: 'junos',
              serial: box.serial, managementAddress: box.identity.address, netconfPort: options.netconfPort, snmpPort: options.snmpPort,
              hostKeySha256: box.hostKeySha256, softwareVersion: box.softwareVersion(), status: 'online' as const,
            })),
          },
        },
      });
    }
  }

  async function endWorker(pid: number | undefined, end: (worker: ManagedProcess) => Promise<void>) {
    const workerProcess = pid === undefined ? workerProcesses.at(-1) : workerProcesses.find((worker) => worker.child.pid === pid);
    if (!workerProcess) throw new Error(options.worker === 'process' ? `no worker process ${pid}` : 'the worker runs in this process: start the lab with worker: "process" to stop it');
    await end(workerProcess);
    workerProcesses.splice(workerProcesses.indexOf(workerProcess), 1);
  }

  return {
    apiUrl, prisma, client, fleet, images, secretsKey, adminCookie: admin.cookie, importFleet,
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(apiUrl + path, {
        method,
        headers: { cookie: admin.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    killWorker: (pid?: number) => endWorker(pid, (worker) => {
      worker.child.kill('SIGKILL');
      return worker.whenExited;
    }),
    stopWorker: (pid: number) => endWorker(pid, (worker) => worker.stop(30_000)),
    workerPids: () => workerProcesses.map((worker) => worker.child.pid!),
    startWorker,
    async stop() {
      await stopWorker?.();
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

/**
 * A fresh test database seeded with the demo, and a lab over it with its worker in this process
 * (or, with `workerProcess`, as a process of its own a test may kill, its logs under that name):
 * where the end-to-end tests of a tenant's sites start. The caller stops the lab and drops the database.
 */
export async function startSeededLab(
  fleet: Pick<LabOptions, 'models' | 'baseAddress' | 'snmpPort' | 'netconfPort' | 'phoneHome' | 'vnfGuests'> & { workerProcess?: string },
): Promise<{ database: TestDatabase; lab: Lab }> {
  const database = await createTestDatabase();
  await seedDemo(database.prisma);
  const { temporalAddress, namespace } = testServices();
  const { workerProcess, ...options } = fleet;
  const logs = join(import.meta.dirname, '..', '.data', 'test-logs');
  const lab = await startLab({
    ...options, databaseUrl: database.url, temporalAddress, namespace,
    ...(workerProcess ? { worker: 'process', logDirectory: join(logs, workerProcess) } : { worker: 'in-process', logDirectory: logs }),
  });
  return { database, lab };
}

/**
 * A vSRX 22.4R1 image uploaded through the API and its package in the VNF catalogue: one small
 * flavour, `hostName` for day 1, healthy while it answers sysUpTime (read every `checkSeconds`,
 * given `timeoutSeconds`).
 * Answers the package's id.
 */
export async function catalogueVsrx(lab: Lab, health: { checkSeconds?: number; timeoutSeconds?: number } = {}): Promise<string> {
  return catalogueVnf(lab, { product: 'vsrx', version: '22.4R1', type: 'firewall', ...health });
}

const labVnfFlavours = {
  small: { name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 },
  medium: { name: 'medium', vcpus: 1, memoryMiB: 2048, diskGiB: 4 },
};

/**
 * A VNF image uploaded through the API and its package in the VNF catalogue, as `catalogueVsrx`
 * makes one, of any product, version and flavours (small by default); `chained` gives it a left and a right interface for a
 * network service's chain. Answers the package's id.
 */
export async function catalogueVnf(lab: Lab, vnf: {
  product: string; version: string; type: string; flavours?: (keyof typeof labVnfFlavours)[]; chained?: boolean; checkSeconds?: number; timeoutSeconds?: number;
}): Promise<string> {
  const image = simulatorVnfImage(vnf.product, vnf.version, 2);
  const uploaded = await fetch(`${lab.apiUrl}/api/v1/vnf-images`, { method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image) });
  if (uploaded.status !== 201) throw new Error(`the ${vnf.product} image upload answered ${uploaded.status}: ${await uploaded.text()}`);
  const created = await lab.api<{ id: string }>('POST', '/api/v1/vnf-packages', {
    vendor: 'Juniper Networks', product: vnf.product, version: vnf.version, type: vnf.type, imageSha256: createHash('sha256').update(image).digest('hex'),
    flavours: (vnf.flavours ?? ['small']).map((name) => labVnfFlavours[name]),
    ...(vnf.chained ? { interfaces: [{ name: 'eth2', role: 'left' }, { name: 'eth3', role: 'right' }] } : {}),
    day1: { template: '<configuration><system><host-name>{{hostName}}</host-name></system></configuration>', parameters: [{ name: 'hostName', type: 'string' }] },
    healthCheck: { oid: '1.3.6.1.2.1.1.3.0', intervalSeconds: vnf.checkSeconds ?? 5, timeoutSeconds: vnf.timeoutSeconds ?? 2, failuresBeforeUnhealthy: 1 },
  });
  if (created.status !== 201) throw new Error(`the ${vnf.product} package answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.id;
}
