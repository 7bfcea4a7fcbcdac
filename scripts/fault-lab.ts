// What the fault tests share: a lab whose workers are processes (to be killed), started from one
// workflow bundle (a restart takes seconds, not a bundling), and the moves of an operator's bad
// day — sites onboarded, upgrades started, every worker killed at an exact point of a device change.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import type { Element } from '../activities/devices/netconf/xml.ts';
import { seedDemo } from '../prisma/seed.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import { upgradeDeviceWorkflowId } from '../workflows/upgrade-device.messages.ts';
import { campaignWorkflowId } from '../workflows/upgrade-campaign.messages.ts';
import { simulatorImage, startLab, type Lab, type LabOptions } from './lab.ts';
import { freePort } from './processes.ts';
import { resolveTemporalCli, startTemporalDevServer, type RunningTemporal } from './temporal-server.ts';
import { createTestDatabase, eventually, testServices, type TestDatabase } from './testing.ts';
import { bundleWorkflows } from './workflow-bundle.ts';

/** The workflows bundled once into `directory`, for every worker a test or benchmark starts. */
export async function bundleWorkflowsInto(directory: string): Promise<string> {
  const bundlePath = join(directory, 'workflow-bundle.js');
  writeFileSync(bundlePath, await bundleWorkflows({ logger: new DefaultLogger('WARN') }));
  return bundlePath;
}

export interface FaultLab {
  database: TestDatabase;
  lab: Lab;
  /** The demo's acme-retail tenant, whose sites the cases onboard. */
  tenantId: string;
  stop(): Promise<void>;
}

export type FaultLabOptions = Pick<LabOptions, 'models' | 'baseAddress' | 'snmpPort' | 'netconfPort'> & Partial<LabOptions> & {
  /** The workers reach PostgreSQL through this port of 127.0.0.1 (a proxy the case cuts). */
  workerDatabasePort?: number;
};

/**
 * A seeded test database and a lab over it with `workers` worker processes, on npm test's Temporal
 * (or `temporalAddress`). `options` names the fleet and anything else the case changes.
 */
export async function startFaultLab(name: string, workers: number, options: FaultLabOptions): Promise<FaultLab> {
  const scratch = mkdtempSync(join(tmpdir(), 'branchline-faults-'));
  const database = await createTestDatabase();
  await seedDemo(database.prisma);
  const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
  const { temporalAddress, namespace } = testServices();
  const { workerDatabasePort, ...labOptions } = options;
  const lab = await startLab({
    databaseUrl: database.url, temporalAddress, namespace, worker: 'process', workflowBundlePath: await bundleWorkflowsInto(scratch),
    logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', name),
    ...(workerDatabasePort ? { workerDatabaseUrl: Object.assign(new URL(database.url), { host: `127.0.0.1:${workerDatabasePort}` }).toString() } : {}),
    ...labOptions,
  });
  for (let started = 1; started < workers; started++) await lab.startWorker();
  return {
    database, lab, tenantId,
    async stop() {
      await lab.stop();
      await database.drop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

const wanLink = { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 };

/** A one-box hub site (three changes: stage 1, stage 2, policies), created and its onboarding started; answers its run's id. */
export async function startHubOnboarding(
  { lab, tenantId }: Pick<FaultLab, 'lab' | 'tenantId'>, name: string, serial: string, model = 'SRX-SIM-4600',
): Promise<{ siteId: string; workflowId: string }> {
  const created = await lab.api<{ id: string; activationCodes: { serial: string | null; code: string }[] }>('POST', '/api/v1/sites', {
    tenantId, timezone: 'Europe/Paris', tags: [], name, role: 'hub', topology: 'hub_and_spoke',
    devices: [{ role: 'primary', model, serial }], wanLinks: [wanLink],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const started = await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {});
  assert.equal(started.status, 202, JSON.stringify(started.body));
  for (const { serial: boxSerial, code } of created.body.activationCodes) lab.fleet.device(boxSerial!)!.setActivationCode(code);
  return { siteId: created.body.id, workflowId: onboardingWorkflowId(created.body.id) };
}

/** Waits until the site's onboarding has ended, and answers its state. */
export async function onboardingEnded(lab: Lab, siteId: string, timeoutMs = 300_000): Promise<{ state: string; error: string | null }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await lab.api<{ state: string; error: string | null }>('GET', `/api/v1/sites/${siteId}/onboarding`);
    if (['completed', 'failed'].includes(body?.state ?? '')) return body;
    if (Date.now() > until) assert.fail(`the onboarding of ${siteId} did not end: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A firmware image for `model` uploaded through the API; answers its id. */
export async function uploadImage(lab: Lab, model: string, version: string): Promise<string> {
  const response = await fetch(`${lab.apiUrl}/api/v1/firmware-images?model=${model}&version=${version}`, {
    method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(simulatorImage(model, version)),
  });
  const body = (await response.json()) as { id: string };
  assert.equal(response.status, 201, JSON.stringify(body));
  return body.id;
}

/** One device's upgrade started through the API; answers its run's id. */
export async function startUpgrade(lab: Lab, serial: string, imageId: string): Promise<string> {
  const { id } = await lab.prisma.device.findFirstOrThrow({ where: { serial }, select: { id: true } });
  const started = await lab.api('POST', `/api/v1/devices/${id}/upgrade`, { imageId });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return upgradeDeviceWorkflowId(id);
}

/** SIGKILLs every worker process at once, as a power cut of the workers' hosts would. */
export async function killAllWorkers(lab: Lab): Promise<number> {
  const pids = lab.workerPids();
  await Promise.all(pids.map((pid) => lab.killWorker(pid)));
  return pids.length;
}

export async function startWorkers(lab: Lab, count: number): Promise<void> {
  for (let started = 0; started < count; started++) await lab.startWorker();
}

/** An RPC as the box receives it (`received`) or once it has run (`executed`, its reply not yet sent). */
export type RpcPoint = (event: { phase: 'received' | 'executed'; operation: Element }) => boolean;

const commitLogOf = (operation: Element) => operation.getElementsByTagName('log')[0]?.textContent ?? '';
const isCommit = (operation: Element) => operation.localName === 'commit-configuration';
const isConfirmedCommit = (operation: Element) => isCommit(operation) && operation.getElementsByTagName('confirmed').length > 0;

/** The kill points of a change and of an upgrade, as the box sees them. */
export const rpcPoints = {
  beforeCommit: ({ phase, operation }) => phase === 'received' && isConfirmedCommit(operation),
  betweenCommitAndConfirm: ({ phase, operation }) => phase === 'executed' && isConfirmedCommit(operation),
  afterConfirm: ({ phase, operation }) => phase === 'executed' && isCommit(operation) && commitLogOf(operation).endsWith(' confirmed'),
  midInstall: ({ phase, operation }) => phase === 'executed' && operation.localName === 'request-package-add',
  midReboot: ({ phase, operation }) => phase === 'executed' && operation.localName === 'request-reboot',
} satisfies Record<string, RpcPoint>;

/**
 * Kills every worker the first time `serial` sees the RPC `point` names, while that RPC waits
 * (before it runs, or before its reply); answers once they are dead. A session the kill ended
 * never runs an RPC held before it, as when the connection drops first.
 */
export function killWorkersAt(lab: Lab, serial: string, point: RpcPoint): Promise<void> {
  const box = lab.fleet.device(serial)!;
  return new Promise((resolve, reject) => {
    box.faults.onRpc = async (event) => {
      if (!point(event)) return;
      delete box.faults.onRpc;
      try {
        await killAllWorkers(lab);
        // The box notices its sessions closed (the kernel closed the dead worker's sockets).
        await new Promise((settle) => setTimeout(settle, 500));
        resolve();
      } catch (error) {
        reject(error as Error);
      }
    };
  });
}

export interface RestartableTemporal {
  address: string;
  /** Stops the server (its history stays on disk). */
  stop(): Promise<void>;
  /** Starts it again, on the same port and history. */
  start(): Promise<void>;
  /** Stops it for good and removes its history. */
  remove(): Promise<void>;
}

/** A Temporal development server of the case's own, kept on disk, to be restarted (npm test's is everyone's). */
export async function startRestartableTemporal(): Promise<RestartableTemporal> {
  const directory = mkdtempSync(join(tmpdir(), 'branchline-temporal-'));
  const cli = resolveTemporalCli({ cliPath: process.env['TEMPORAL_CLI_PATH'] || undefined, toolsDir: join(import.meta.dirname, '..', '.data', 'tools'), say: () => undefined });
  const options = { cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: join(directory, 'temporal.db'), logFile: join(directory, 'temporal.log') };
  let running: RunningTemporal | undefined = await startTemporalDevServer(options);
  return {
    address: running.address,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      running ??= await startTemporalDevServer(options);
    },
    async remove() {
      await running?.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Everything the fleet has done and the database has recorded of it: it grows whenever a run makes progress. */
async function progressMark(lab: Lab): Promise<number> {
  let done = await lab.prisma.configVersion.count();
  for (const box of lab.fleet.devices.values()) done += box.store.journal.length + box.installs + box.reboots;
  return done;
}

/**
 * Seconds from now (the fault just ended) until a run makes progress again — a device changed,
 * installed or rebooted, or a change recorded — for the note F5 and F6 report.
 */
export async function secondsToProgress(lab: Lab, timeoutMs = 300_000): Promise<number> {
  const recovered = Date.now();
  const before = await progressMark(lab);
  while (await progressMark(lab) === before) {
    if (Date.now() - recovered > timeoutMs) assert.fail(`no progress ${timeoutMs / 1000} s after the fault ended`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (Date.now() - recovered) / 1000;
}

/**
 * The boxes of `serials` imported as in service (sites tagged `campaign`), and an upgrade campaign
 * over them to `version`, `concurrency` at a time; answers the campaign's run id once the first
 * box has installed the image, or rebooted into it (where the cases bring their fault).
 */
export async function startCampaignUntil(
  faultLab: FaultLab, serials: string[], version: string, options: { concurrency: number; until: 'first install' | 'first reboot' },
): Promise<string> {
  const { lab, tenantId, database } = faultLab;
  await lab.importFleet(tenantId, () => ({ timezone: 'Europe/Paris', tags: ['campaign'] }), serials);
  const imageId = await uploadImage(lab, lab.fleet.device(serials[0]!)!.model, version);
  const siteIds = (await database.prisma.site.findMany({ where: { tags: { has: 'campaign' } }, select: { id: true } })).map((site) => site.id);
  const launched = await lab.api<{ id: string }>('POST', '/api/v1/upgrade-campaigns', {
    tenantId, name: `To ${version}`, imageId, strategy: 'all_at_once', concurrency: options.concurrency, filter: { siteIds },
  });
  assert.equal(launched.status, 202, JSON.stringify(launched.body));
  const done = (serial: string) => (options.until === 'first install' ? lab.fleet.device(serial)!.installs : lab.fleet.device(serial)!.reboots);
  await eventually(options.until, async () => serials.map(done), (counts) => counts.some((n) => n > 0), 180_000);
  return campaignWorkflowId(launched.body.id);
}
