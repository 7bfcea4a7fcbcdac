// Bulk upgrades against 200 simulated boxes over NETCONF: a canary campaign to the end, one that
// halts on its failure budget before the next phase (with an alarm saying why), pause, resume and
// abort mid-phase, and a device that waits for its site's maintenance window.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, simulatorImage, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, recordHistory, testServices, type TestDatabase } from '../scripts/testing.ts';
import type { CampaignProgress } from './upgrade-campaign.messages.ts';

const model = 'SRX-SIM-300';
const deviceCount = 200;

interface Campaign { id: string; execution: string; status: string; progress: CampaignProgress | null }
interface CampaignDevice { deviceId: string; hostname: string; phase: number; status: string; error: string | null; attempts: number }
interface Alarm { type: string; severity: string; state: string; message: string; siteId: string | null; deviceId: string | null }

describe('upgrade campaigns', { timeout: 1_500_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  const images = new Map<string, string>();
  /** Devices in id order, as a campaign freezes them. */
  let devices: { id: string; serial: string; siteId: string }[] = [];

  const box = (s: string) => lab.fleet.device(s)!;
  const faults = (s: string, change: object) => fetch(`${lab.fleet.controlUrl}/devices/${s}/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change),
  });

  async function launch(body: object): Promise<string> {
    const { status, body: created } = await lab.api<{ id: string }>('POST', '/api/v1/upgrade-campaigns', { tenantId, ...body });
    assert.equal(status, 202, JSON.stringify(created));
    return created.id;
  }

  const campaign = async (id: string) => {
    const { status, body } = await lab.api<Campaign>('GET', `/api/v1/upgrade-campaigns/${id}`);
    assert.equal(status, 200, JSON.stringify(body));
    return body;
  };
  const campaignDevices = async (id: string, query = '') =>
    (await lab.api<{ items: CampaignDevice[] }>('GET', `/api/v1/upgrade-campaigns/${id}/devices?limit=1000${query}`)).body.items;

  async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean, what: string, timeoutMs = 240_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (holds(value)) return value;
      if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(value).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  /** What the campaign's upgrades still running wait for: said when a campaign does not end. */
  async function stillRunning(id: string): Promise<string> {
    const lines: string[] = [];
    for await (const run of lab.client.workflow.list({ query: `WorkflowType = 'upgradeDevice' AND ExecutionStatus = 'Running'` })) {
      if (!run.workflowId.startsWith(`upgrade/${id}/`)) continue;
      const handle = lab.client.workflow.getHandle(run.workflowId);
      const pending = ((await handle.describe()).raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt} (${a.state}) ${a.lastFailure?.message ?? ''}`);
      const events = (await handle.fetchHistory()).events ?? [];
      lines.push(`${run.workflowId}: pending [${pending.join('; ')}], last events ${events.slice(-4).map((e) => e.eventType).join(', ')}`);
    }
    return lines.join('\n');
  }
  const ended = (id: string, timeoutMs?: number) => until(() => campaign(id), (c) => c.execution !== 'RUNNING' && c.execution !== 'UNKNOWN', `campaign ${id} did not end`, timeoutMs)
    .catch(async (error: Error) => assert.fail(`${error.message}\nstill running:\n${await stillRunning(id)}`));

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const prisma = database.prisma;
    tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: Array.from({ length: deviceCount }, () => model),
      // The worker in its own process, so that a test can kill it.
      baseAddress: '127.47.0.1', snmpPort: 31162, netconfPort: 31831, worker: 'process', phoneHome: false,
      logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs'),
    });
    for (const version of ['23.2R1', '23.4R1', '24.1R1', '24.2R1', '24.3R1']) {
      const image = await lab.images.add(simulatorImage(model, version));
      images.set(version, (await prisma.firmwareImage.create({ data: { model, version, sha256: image.sha256, sizeBytes: image.sizeBytes, fileName: `${version}.img` } })).id);
    }
    await lab.importFleet(tenantId, (site) => ({ timezone: site % 2 ? 'Europe/Paris' : 'America/New_York', tags: site < 5 ? ['pilot'] : [] }));
    devices = (await prisma.device.findMany({ where: { site: { tenantId }, serial: { not: null } }, orderBy: { id: 'asc' }, select: { id: true, serial: true, siteId: true } }))
      .map((d) => ({ id: d.id, serial: d.serial!, siteId: d.siteId }));
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('upgrades 200 devices through the canary phases, each device once', async () => {
    const id = await launch({ name: 'To 23.2R1', imageId: images.get('23.2R1'), concurrency: 25 });
    // Two hundred upgrades take about four minutes on a busy two-core machine, on either Temporal server: twice that before giving up.
    const done = await ended(id, 480_000);
    assert.equal(done.execution, 'COMPLETED');
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.progress!.phases.map((p) => [p.size, p.upgraded, p.failed]), [[2, 2, 0], [18, 18, 0], [80, 80, 0], [100, 100, 0]]);
    const rows = await campaignDevices(id);
    assert.equal(rows.filter((r) => r.status === 'upgraded' && r.attempts === 1).length, deviceCount);
    for (const d of devices) {
      assert.equal(box(d.serial).softwareVersion(), '23.2R1');
      assert.equal(box(d.serial).installs, 1, `${d.serial} was installed once`);
    }
  });

  it('halts on its failure budget in phase 2, before any device of phase 3 starts, with the failed devices rolled back and an alarm saying why', async () => {
    // Phase 2 is devices 3 to 20 in id order; two of them misbehave on the new software.
    const bad = [devices[4]!, devices[9]!];
    for (const d of bad) await faults(d.serial, { wanDownOnVersion: '23.4R1' });
    try {
      const id = await launch({ name: 'To 23.4R1', imageId: images.get('23.4R1'), concurrency: 25 });
      const done = await ended(id);
      await recordHistory(lab.client, `upgrade-campaign/${id}`, 'upgrade-campaign-halted');
      assert.equal(done.status, 'halted');
      assert.match(done.progress!.haltedBecause!, /^1 of 1\d devices failed \(\d+\.\d %\), over the 5 % budget\.$/);
      assert.deepEqual(done.progress!.failures.map((f) => f.hostname).sort(), (await hostnames(bad)).sort());
      assert.ok(done.progress!.failures.every((f) => f.rolledBack && /ge-0\/0\/0 is down/.test(f.error)), JSON.stringify(done.progress!.failures));
      const rows = await campaignDevices(id);
      assert.ok(rows.filter((r) => r.phase >= 2).every((r) => r.status === 'skipped' && r.attempts === 0), 'no device of phase 3 or 4 started');
      for (const d of bad) assert.equal(box(d.serial).softwareVersion(), '23.2R1', `${d.serial} is back on its previous image`);
      assert.deepEqual(rows.filter((r) => r.status === 'rolled_back').map((r) => r.phase), [1, 1]);
      // The halted campaign is an alarm of the tenant, naming the campaign, why it halted and which devices failed; the completed one raised none.
      const alarms = (await lab.api<{ items: Alarm[] }>('GET', `/api/v1/alarms?tenantId=${tenantId}&state=active&limit=200`)).body.items
        .filter((a) => a.type.startsWith('upgrade.'));
      assert.deepEqual(alarms.map((a) => [a.type, a.severity, a.siteId, a.deviceId]), [['upgrade.campaign-halted', 'major', null, null]]);
      assert.match(alarms[0]!.message, /^Campaign “To 23\.4R1” halted: 1 of 1\d devices failed \(\d+\.\d %\), over the 5 % budget\./);
      for (const hostname of await hostnames(bad)) assert.ok(alarms[0]!.message.includes(hostname), alarms[0]!.message);
    } finally {
      for (const d of bad) await faults(d.serial, { wanDownOnVersion: null });
    }
  });

  it('pauses mid-phase (what is under way finishes, nothing new starts), resumes, then aborts', async () => {
    const id = await launch({ name: 'To 24.1R1', imageId: images.get('24.1R1'), strategy: 'all_at_once', concurrency: 4 });
    await until(() => campaign(id), (c) => (c.progress?.phases[0]?.upgraded ?? 0) >= 8, 'eight devices upgraded');
    const paused = await lab.api<CampaignProgress>('POST', `/api/v1/upgrade-campaigns/${id}/pause`, {});
    assert.equal(paused.status, 200);
    assert.equal(paused.body.state, 'paused');
    assert.equal((await lab.api('POST', `/api/v1/upgrade-campaigns/${id}/pause`, {})).status, 409, 'a paused campaign cannot be paused again');
    const settled = await until(() => campaign(id), (c) => c.progress!.inFlight === 0, 'the upgrades under way finish');
    const upgradedWhilePaused = settled.progress!.phases[0]!.upgraded;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.equal((await campaign(id)).progress!.phases[0]!.upgraded, upgradedWhilePaused, 'nothing new started while paused');
    assert.equal((await campaignDevices(id, '&status=upgrading')).length, 0);

    assert.equal((await lab.api('POST', `/api/v1/upgrade-campaigns/${id}/resume`, {})).status, 200);
    await until(() => campaign(id), (c) => c.progress!.phases[0]!.upgraded >= upgradedWhilePaused + 4, 'the campaign goes on after resuming');
    const aborted = await lab.api<CampaignProgress>('POST', `/api/v1/upgrade-campaigns/${id}/abort`, { reason: 'change freeze' });
    assert.equal(aborted.status, 200);
    const done = await ended(id);
    assert.equal(done.status, 'aborted');
    const rows = await campaignDevices(id);
    const upgraded = rows.filter((r) => r.status === 'upgraded');
    assert.ok(upgraded.length < deviceCount && upgraded.length >= upgradedWhilePaused + 4);
    assert.equal(rows.filter((r) => r.status === 'skipped').length + upgraded.length, deviceCount);
    // Every box is whole: on the old or the new software, never in between, and answering.
    for (const d of devices) assert.ok(['23.2R1', '23.4R1', '24.1R1'].includes(box(d.serial).softwareVersion()));
    assert.equal((await lab.api('POST', `/api/v1/upgrade-campaigns/${id}/resume`, {})).status, 409);
  });

  it("waits for the sites' maintenance window, in the site's time zone, then upgrades", async () => {
    const pilot = await database.prisma.site.findMany({ where: { tenantId, tags: { has: 'pilot' } }, select: { id: true, timezone: true } });
    const paris = pilot.filter((s) => s.timezone === 'Europe/Paris').map((s) => s.id);
    // The window opens at the next full minute, Paris time.
    const opens = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const start = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(opens);
    const id = await launch({
      name: 'Pilot to 24.2R1', imageId: images.get('24.2R1'), strategy: 'all_at_once', filter: { siteIds: paris },
      maintenanceWindow: { start, durationMinutes: 15 },
    });
    const waiting = await until(() => campaignDevices(id), (rows) => rows.every((r) => r.status === 'waiting_window'), 'devices wait for the window', 30_000);
    assert.equal(waiting.length, paris.length * 2);
    assert.ok(Date.now() < opens.getTime(), 'still before the window');
    const done = await ended(id);
    assert.equal(done.status, 'completed');
    const rows = await campaignDevices(id);
    assert.ok(rows.every((r) => r.status === 'upgraded'));
    const started = await database.prisma.runSummary.findMany({ where: { kind: 'device_upgrade' } });
    assert.equal(started.length, 0, 'campaign upgrades keep the campaign as their one run summary');
    await recordHistory(lab.client, `upgrade-campaign/${id}`, 'upgrade-campaign-with-window');
  });

  it('does not wait for a window that opens only after its deadline: those devices are skipped, saying why', async () => {
    const pilot = await database.prisma.site.findMany({ where: { tenantId, tags: { has: 'pilot' }, timezone: 'America/New_York' }, select: { id: true } });
    // The window opens in three hours, New York time; the campaign ends in one.
    const start = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now() + 3 * 3_600_000);
    const id = await launch({
      name: 'Window after the deadline', imageId: images.get('24.2R1'), strategy: 'all_at_once', filter: { siteIds: pilot.map((s) => s.id) },
      maintenanceWindow: { start, durationMinutes: 30 }, deadlineHours: 1,
    });
    const done = await ended(id);
    assert.equal(done.status, 'completed');
    const rows = await campaignDevices(id);
    assert.equal(rows.length, pilot.length * 2);
    for (const row of rows) {
      assert.equal(row.status, 'skipped');
      assert.match(row.error ?? '', /window opens after the campaign's deadline/);
    }
  });

  it('loses nothing and upgrades nothing twice when the worker is killed mid-campaign', async () => {
    const sites = [...new Set(devices.map((d) => d.siteId))].slice(20, 40);
    const chosen = devices.filter((d) => sites.includes(d.siteId));
    const installsBefore = new Map(chosen.map((d) => [d.serial, box(d.serial).installs]));
    const id = await launch({ name: 'To 24.3R1', imageId: images.get('24.3R1'), strategy: 'all_at_once', concurrency: 8, filter: { siteIds: sites } });
    await until(() => campaign(id), (c) => (c.progress?.phases[0]?.upgraded ?? 0) >= 8 && (c.progress?.inFlight ?? 0) > 0, 'eight devices upgraded, more under way');
    await lab.killWorker();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await lab.startWorker();
    // What the dead worker held comes back after its timeouts and retries' backoff: minutes, at worst.
    const done = await ended(id, 600_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.progress));
    assert.equal(done.progress!.phases[0]!.upgraded, chosen.length);
    for (const d of chosen) {
      assert.equal(box(d.serial).softwareVersion(), '24.3R1');
      assert.equal(box(d.serial).installs, installsBefore.get(d.serial)! + 1, `${d.serial} installed the image once`);
    }
  });

  async function hostnames(list: { id: string }[]): Promise<string[]> {
    return (await database.prisma.device.findMany({ where: { id: { in: list.map((d) => d.id) } }, select: { hostname: true } })).map((d) => d.hostname);
  }
});
