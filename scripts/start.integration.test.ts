// `npm start` as an operator runs it: ready with everything healthy, Ctrl-C leaves nothing
// behind, a second start comes back with the same data, and DATABASE_URL is honoured.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { relocatedClusterDirectory } from './postgres.ts';
import { freePort } from './processes.ts';
import { alive, createTestDatabase, descendants, eventually, signInAsPrinted, type TestDatabase } from './testing.ts';

const root = join(import.meta.dirname, '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  ports: { api: number; temporalUi: number; apiMetrics: number; workerMetrics: number };
}

async function npmStart(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  const ports = {
    api: await freePort(), temporal: await freePort(), temporalUi: await freePort(), postgres: await freePort(), simulator: await freePort(),
    apiMetrics: await freePort(), workerMetrics: await freePort(),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    detached: true, // its own process group, as a terminal gives it: Ctrl-C goes to the whole group
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(ports.api),
      API_METRICS_PORT: String(ports.apiMetrics),
      WORKER_METRICS_PORT: String(ports.workerMetrics),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.temporalUi),
      EMBEDDED_POSTGRES_PORT: String(ports.postgres),
      SIMULATOR_DEVICES: '3',
      // Boxes of one branch model, all left to the tests: the demo network would take them.
      SIMULATOR_MODELS: 'SRX-SIM-300',
      DEMO_NETWORK: 'false',
      SIMULATOR_BASE_ADDRESS: '127.60.0.1',
      SIMULATOR_SNMP_PORT: String(ports.simulator),
      SIMULATOR_NETCONF_PORT: String(ports.simulator),
      SIMULATOR_CONTROL_PORT: String(await freePort()),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      NODE_ENV: 'development',
      ...extraEnv,
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 180_000;
  while (!output.includes('Branchline is running')) {
    if (child.exitCode !== null) assert.fail(`npm start exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) assert.fail(`npm start was not ready within 3 minutes:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { child, output: () => output, ports };
}

async function simulatedDevices(started: Started): Promise<{ serial: string; hostKeySha256: string }[]> {
  const url = /control API (http:\/\/127\.0\.0\.1:\d+)\/devices/.exec(started.output())![1];
  return (await fetch(`${url}/devices`)).json() as Promise<{ serial: string; hostKeySha256: string }[]>;
}

async function ctrlC(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  process.kill(-started.child.pid!, 'SIGINT');
  return exited;
}

/** Signs in with the credentials npm start printed (the SP admin it created on the first start). */
const signIn = (started: Started) => signInAsPrinted(started.output(), `http://127.0.0.1:${started.ports.api}`);

async function siteIds(started: Started): Promise<string[]> {
  const api = await signIn(started);
  return (await api<{ items: { id: string }[] }>('GET', '/sites?limit=500')).body.items.map((site) => site.id).sort();
}

describe('npm start', () => {
  // The layout npm start has on a fresh clone: a dot-folder (`.data/`) in a directory only its
  // owner may enter (a root user's home, `mktemp -d`).
  const home = mkdtempSync(join(tmpdir(), 'branchline-start-'));
  const dataDir = join(home, '.data');
  let database: TestDatabase | undefined;
  after(async () => {
    rmSync(home, { recursive: true, force: true });
    rmSync(relocatedClusterDirectory(join(dataDir, 'postgres')), { recursive: true, force: true });
    await database?.drop();
  });

  let firstSites: string[] = [];
  let firstDevices: { serial: string; hostKeySha256: string }[] = [];

  it('serves a ready API, the UI, the Temporal Web UI and a simulated fleet, with the demo seeded', async () => {
    const started = await npmStart(dataDir);
    try {
      assert.match(started.output(), /UI\s+http:\/\/localhost:\d+\//);
      assert.match(started.output(), /API docs\s+http:\/\/localhost:\d+\/api\/docs/);
      assert.match(started.output(), /Temporal Web UI\s+http:\/\/localhost:\d+\//);
      assert.match(started.output(), new RegExp(`Metrics\\s+http://127\\.0\\.0\\.1:${started.ports.apiMetrics}/metrics \\(API\\), http://127\\.0\\.0\\.1:${started.ports.workerMetrics}/metrics \\(worker\\)`));
      assert.match(await (await fetch(`http://127.0.0.1:${started.ports.apiMetrics}/metrics`)).text(), /^# TYPE branchline_api_request_duration_seconds histogram$/m);
      // The SDK counts the worker's start once it polls, a moment after the API is ready.
      await eventually('the worker metrics name the worker', async () => (await fetch(`http://127.0.0.1:${started.ports.workerMetrics}/metrics`)).text(), (text) => /^temporal_worker_start_total\b/m.test(text), 60_000);
      assert.doesNotMatch(started.output(), /error|warn/i);
      const ready = (await (await fetch(`http://127.0.0.1:${started.ports.api}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
      assert.equal(ready.checks['postgres']?.ok, true);
      assert.equal(ready.checks['temporal']?.ok, true);
      assert.equal((await fetch(`http://127.0.0.1:${started.ports.temporalUi}/`)).status, 200);
      assert.match(await (await fetch(`http://127.0.0.1:${started.ports.api}/`)).text(), /<div id="app">/);
      firstSites = await siteIds(started);
      assert.equal(firstSites.length, 7);
      firstDevices = await simulatedDevices(started);
      assert.deepEqual(firstDevices.map((d) => d.serial), ['BLS0000001', 'BLS0000002', 'BLS0000003']);
    } finally {
      const children = descendants(started.child.pid!);
      assert.ok(children.length >= 5, 'temporal, postgres, worker, api and simulator run below npm start');
      assert.equal(await ctrlC(started), 0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(children.filter(alive), [], 'Ctrl-C leaves no child process behind');
    }
  });

  it('comes back after Ctrl-C with the same data', async () => {
    const started = await npmStart(dataDir);
    try {
      assert.doesNotMatch(started.output(), /seeded/);
      assert.deepEqual(await siteIds(started), firstSites);
      assert.deepEqual(await simulatedDevices(started), firstDevices, 'the same simulated boxes, host keys included');
    } finally {
      assert.equal(await ctrlC(started), 0);
    }
  });

  // The README's journeys with the images stored where npm start keeps them (`.data/images`):
  // every download of a device went through the dot-folder.
  it('upgrades a device, runs a campaign and replaces a box to the tenant\'s target image', async () => {
    const started = await npmStart(dataDir);
    try {
      const api = await signIn(started);
      const control = /control API (http:\/\/127\.0\.0\.1:\d+)\/devices/.exec(started.output())![1]!;
      const boxes = (await (await fetch(`${control}/devices`)).json()) as { serial: string; model: string; softwareVersion: string }[];
      const [box, spare] = boxes.filter((b) => b.model === boxes[0]!.model);
      assert.ok(box && spare, 'two simulated boxes of one model');
      const model = box.model;
      const softwareOf = async (serial: string) => ((await (await fetch(`${control}/devices/${serial}`)).json()) as { softwareVersion: string }).softwareVersion;
      const typeCode = (serial: string, code: string) => fetch(`${control}/devices/${serial}/activation-code`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }),
      });
      const upload = async (version: string) => {
        const image = Buffer.from(await (await fetch(`${control}/images/${model}/${version}`)).arrayBuffer());
        const uploaded = await api<{ id: string; downloadUrl: string }>('POST', `/firmware-images?model=${model}&version=${version}`, image);
        assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
        const download = await fetch(`http://127.0.0.1:${started.ports.api}${uploaded.body.downloadUrl}`);
        assert.equal(download.status, 200, 'a device can download the image');
        return uploaded.body.id;
      };

      const { body: tenants } = await api<{ items: { id: string; slug: string }[] }>('GET', '/tenants?limit=100');
      const tenantId = tenants.items.find((t) => t.slug === 'globex-logistics')!.id;
      const created = await api<{ id: string; activationCodes: { code: string }[] }>('POST', '/sites', {
        tenantId, name: 'Ghent depot', timezone: 'Europe/Brussels', tags: [], topology: 'full_mesh',
        devices: [{ role: 'primary', model, serial: box.serial }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const siteId = created.body.id;
      assert.equal((await api('POST', `/sites/${siteId}/onboarding`, {})).status, 202);
      await typeCode(box.serial, created.body.activationCodes[0]!.code);
      await eventually('the site did not become active', async () => (await api<{ status: string }>('GET', `/sites/${siteId}`)).body, (site) => site.status === 'active', 180_000);
      const { body: devices } = await api<{ items: { id: string }[] }>('GET', `/devices?siteId=${siteId}`);
      const deviceId = devices.items[0]!.id;

      const upgrade = await api('POST', `/devices/${deviceId}/upgrade`, { imageId: await upload('23.4R1') });
      assert.equal(upgrade.status, 202, JSON.stringify(upgrade.body));
      const upgraded = await eventually('the upgrade did not end', async () => (await api<{ execution: string; state: string; error: string | null }>('GET', `/devices/${deviceId}/upgrade`)).body, (u) => u.execution !== 'RUNNING', 180_000);
      assert.equal(upgraded.state, 'completed', upgraded.error ?? '');
      assert.equal(await softwareOf(box.serial), '23.4R1');

      const launched = await api<{ id: string }>('POST', '/upgrade-campaigns', {
        tenantId, name: 'Ghent to 24.1R1', imageId: await upload('24.1R1'), filter: { siteIds: [siteId] }, strategy: 'all_at_once',
      });
      assert.equal(launched.status, 202, JSON.stringify(launched.body));
      const campaign = await eventually('the campaign did not end', async () => (await api<{ execution: string; status: string }>('GET', `/upgrade-campaigns/${launched.body.id}`)).body, (c) => c.execution !== 'RUNNING' && c.execution !== 'UNKNOWN', 180_000);
      assert.deepEqual([campaign.execution, campaign.status], ['COMPLETED', 'completed'], JSON.stringify(campaign));
      assert.equal(await softwareOf(box.serial), '24.1R1');

      assert.equal((await api('PUT', `/tenants/${tenantId}/target-images/${model}`, { imageId: await upload('24.2R1') })).status, 200);
      await fetch(`${control}/devices/${box.serial}/power`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: false }) });
      const replaced = await api<{ activationCode: string }>('POST', `/devices/${deviceId}/rma`, { newSerial: spare.serial, reason: 'power supply failed' });
      assert.equal(replaced.status, 202, JSON.stringify(replaced.body));
      await typeCode(spare.serial, replaced.body.activationCode);
      const rma = await eventually('the replacement did not end', async () => (await api<{ execution: string; state: string; error: string | null }>('GET', `/devices/${deviceId}/rma`)).body, (r) => r.execution !== 'RUNNING', 180_000);
      assert.equal(rma.state, 'completed', rma.error ?? '');
      assert.equal(await softwareOf(spare.serial), '24.2R1', 'the new box runs the tenant\'s target');
    } finally {
      assert.equal(await ctrlC(started), 0);
    }
  });

  it('uses the PostgreSQL in DATABASE_URL instead of its own', async () => {
    database = await createTestDatabase({ migrate: false });
    const otherDataDir = join(dataDir, 'other');
    const started = await npmStart(otherDataDir, { DATABASE_URL: database.url });
    try {
      const postgresChildren = descendants(started.child.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres'));
      assert.deepEqual(postgresChildren, [], 'no embedded PostgreSQL is started');
      assert.equal(await database.prisma.site.count(), 7);
      assert.equal((await siteIds(started)).length, 7);
    } finally {
      assert.equal(await ctrlC(started), 0);
    }
  });

  it('says which port is taken and what to do', async () => {
    const blocker = await freePort();
    const { createServer } = await import('node:net');
    const server = createServer().listen(blocker, '127.0.0.1');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DATA_DIR: join(dataDir, 'blocked'), PORT: String(blocker) },
      });
      let output = '';
      child.stderr!.on('data', (chunk) => (output += chunk));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 1);
      assert.match(output, new RegExp(`Port ${blocker}, needed for the API and UI, is already in use.*set PORT`, 's'));
    } finally {
      server.close();
    }
  });
});
