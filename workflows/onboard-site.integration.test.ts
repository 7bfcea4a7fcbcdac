// Site onboarding end to end: the API, the workflows and the simulated fleet phoning home, over
// real NETCONF and SNMP, against the Temporal server and PostgreSQL `npm test` runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { revealNine } from '../domain/junos-nine.ts';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, simulatorImage, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, recordHistory, testServices, type TestDatabase } from '../scripts/testing.ts';
import { onboardSite } from './onboard-site.ts';
import { onboardingWorkflowId, type OnboardingProgress } from './onboard-site.messages.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { configurationContent } from '../inventory/config-history.ts';

const hubModel = 'SRX-SIM-4600';
const branchModel = 'SRX-SIM-300';
/** BLS0000001 and 2 are hubs; the rest are branch boxes. */
const models = [hubModel, hubModel, ...Array.from({ length: 23 }, () => branchModel)];
const serial = (n: number) => `BLS${String(n).padStart(7, '0')}`;

interface Created { id: string; activationCodes: { role: string; serial: string | null; code: string }[] }
type Progress = OnboardingProgress & { execution: string; devices: { serial: string | null; steps: { name: string; status: string }[] }[] };

describe('site onboarding', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let meshTenantId: string;
  const hubs: string[] = [];
  let lanNumber = 0;

  const link = (name: string, interfaceName: string, extra: Record<string, unknown> = {}) =>
    ({ name, type: interfaceName === 'dl0' ? 'lte' : 'broadband', interfaceName, bandwidthMbps: 100, monthlyCost: 40, ...extra });

  function spoke(name: string, serials: string[], overlay: Record<string, unknown> = { topology: 'hub_and_spoke', primaryHubId: hubs[0], secondaryHubId: hubs[1] }) {
    lanNumber += 1;
    return {
      tenantId, name, timezone: 'Europe/Paris', tags: [],
      devices: serials.map((s, i) => ({ role: i === 0 ? 'primary' : 'secondary', model: branchModel, serial: s })),
      wanLinks: [
        link('internet', 'ge-0/0/0'), link('lte', 'dl0', { backupOnly: true }),
        ...(serials.length > 1 ? [link('mpls', 'ge-0/0/0', { type: 'mpls', deviceRole: 'secondary' })] : []),
      ],
      departments: ['Staff', 'Guests'],
      lanSegments: [
        { name: 'staff', vlanId: 10, prefix: `10.${lanNumber}.10.0/24`, department: 'Staff' },
        { name: 'guests', vlanId: 20, prefix: `10.${lanNumber}.20.0/24`, department: 'Guests' },
      ],
      ...overlay,
    };
  }

  async function createSite(aggregate: object): Promise<Created> {
    const { status, body } = await lab.api<Created>('POST', '/api/v1/sites', aggregate);
    assert.equal(status, 201, JSON.stringify(body));
    return body;
  }

  /** Starts onboarding and, as an installer would, types each box's activation code into it. */
  async function onboard(site: Created, options: { codes?: boolean } = {}) {
    const { status, body } = await lab.api<{ workflowId: string }>('POST', `/api/v1/sites/${site.id}/onboarding`, {});
    assert.equal(status, 202, JSON.stringify(body));
    if (options.codes ?? true) for (const { serial: s, code } of site.activationCodes) lab.fleet.device(s!)!.setActivationCode(code);
    return body;
  }

  const progress = async (siteId: string) => (await lab.api<Progress>('GET', `/api/v1/sites/${siteId}/onboarding`)).body;

  async function settled(siteId: string, timeoutMs = 120_000): Promise<Progress> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const current = await progress(siteId).catch(() => undefined);
      if (current && ['completed', 'failed', 'aborted'].includes(current.state)) return current;
      if (Date.now() > until) assert.fail(`onboarding of ${siteId} did not settle: ${JSON.stringify(current)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (holds(value) || Date.now() > until) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const runningConfig = (s: string) => lab.fleet.device(s)!.store.datastore('running').toString();
  const lastVersionOf = (s: string) => database.prisma.configVersion.findFirstOrThrow({ where: { device: { serial: s } }, orderBy: { version: 'desc' } });
  const journal = (s: string) => lab.fleet.device(s)!.store.journal.map((entry) => entry.kind);
  const upInterfaces = (s: string, prefix: string) => lab.fleet.device(s)!.interfaces().filter((i) => i.name.startsWith(prefix) && i.operUp).map((i) => i.name);

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    meshTenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models, baseAddress: '127.42.0.1', snmpPort: 27161, netconfPort: 27830,
      worker: 'in-process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs'),
    });
    // The tenant's target software for branch boxes is newer than what they ship with.
    const image = await lab.images.add(simulatorImage(branchModel, '23.2R1'));
    const firmware = await database.prisma.firmwareImage.create({ data: { model: branchModel, version: '23.2R1', sha256: image.sha256, sizeBytes: image.sizeBytes, fileName: 'branch-23.2R1.img' } });
    await database.prisma.tenantTargetImage.create({ data: { tenantId, model: branchModel, imageId: firmware.id } });

    for (const [index, name] of ['Paris hub', 'Madrid hub'].entries()) {
      const hub = await createSite({
        tenantId, name, role: 'hub', timezone: 'Europe/Paris', tags: [], topology: 'hub_and_spoke',
        devices: [{ role: 'primary', model: hubModel, serial: serial(index + 1) }],
        wanLinks: [link('internet', 'ge-0/0/0'), link('mpls', 'ge-0/0/1', { type: 'mpls' })],
      });
      await onboard(hub);
      hubs.push(hub.id);
    }
    for (const hub of hubs) assert.equal((await settled(hub)).state, 'completed');
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('brings a hub-and-spoke site up with tunnels to both hubs, its firmware upgraded first', async () => {
    const site = await createSite(spoke('Grenoble store', [serial(3)]));
    const started = await onboard(site);
    const done = await settled(site.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.deepEqual(done.steps.map((s) => s.status), Array(9).fill('completed'));
    assert.deepEqual(done.devices[0]!.steps.map((s) => s.status), ['completed', 'completed', 'completed', 'completed']);

    const stored = await database.prisma.site.findUniqueOrThrow({ where: { id: site.id }, include: { devices: true } });
    assert.equal(stored.status, 'active');
    assert.deepEqual([stored.devices[0]!.status, stored.devices[0]!.softwareVersion, stored.devices[0]!.activationCodeHash], ['online', '23.2R1', null]);
    assert.equal(lab.fleet.device(serial(3))!.softwareVersion(), '23.2R1');
    assert.equal(stored.devices[0]!.hostKeySha256, lab.fleet.device(serial(3))!.hostKeySha256);

    // Stage 1, stage 2 and the policies: three changes, each committed and confirmed once.
    assert.deepEqual(journal(serial(3)), ['confirmed-commit', 'confirm', 'confirmed-commit', 'confirm', 'confirmed-commit', 'confirm']);
    assert.equal(upInterfaces(serial(3), 'st0').length, 2);
    assert.deepEqual(upInterfaces(serial(3), 'irb'), ['irb.10', 'irb.20']);
    assert.match(runningConfig(serial(3)), /<policy><from-zone-name>Guests<\/from-zone-name><to-zone-name>vpn<\/to-zone-name><policy><name>guest-wi-fi-to-internet-only-guests-no-corporate<\/name>/);
    // Its paths to both hubs (central breakout's): each a forwarding instance into its tunnel, with its RPM probe.
    for (const hub of ['paris-hub-01', 'madrid-hub-01']) {
      assert.match(runningConfig(serial(3)), new RegExp(`<instance><name>hub-${hub}</name><instance-type>forwarding</instance-type>`));
      assert.match(runningConfig(serial(3)), new RegExp(`<probe><name>hub-${hub}</name><test><name>sla</name>`));
    }
    // Each tunnel's pre-shared key: the same at both ends, on the devices only.
    const keys = (config: string) => [...config.matchAll(/<ascii-text>([^<]*)<\/ascii-text>/g)].map((m) => revealNine(m[1]!)!);
    assert.equal(keys(runningConfig(serial(3))).length, 2);
    for (const key of keys(runningConfig(serial(3)))) {
      assert.ok(!key.includes('$secret'), 'the device holds the key itself');
      assert.ok([serial(1), serial(2)].some((hub) => keys(runningConfig(hub)).includes(key)), 'a hub holds the same key');
    }
    for (const hub of [serial(1), serial(2)]) {
      assert.match(runningConfig(hub), /<description>tunnel to grenoble-store-01<\/description>/);
      assert.ok(upInterfaces(hub, 'st0.').length >= 1);
      assert.equal((await lastVersionOf(hub)).source, 'onboarding', `${hub}'s tunnels to the site are the onboarding's change`);
    }
    const versions = await database.prisma.configVersion.findMany({ where: { deviceId: stored.devices[0]!.id }, orderBy: { version: 'asc' } });
    assert.deepEqual(versions.map((v) => v.source), ['ztp', 'ztp', 'policy']);
    const keysNamed = (await configurationContent(database.prisma, stored.devices[0]!.id, versions.at(-1)!.version))!;
    assert.equal(keysNamed.match(/<ascii-text>\$secret\{ike-psk\/[\d./]+\}<\/ascii-text>/g)?.length, 2, 'the version names the tunnel keys, never writes them');
    const withoutKeys = (config: string) => config.replace(/<ascii-text>[^<]*<\/ascii-text>/g, '<ascii-text/>');
    assert.equal(withoutKeys(keysNamed), withoutKeys(runningConfig(serial(3))));

    const run = await database.prisma.runSummary.findUniqueOrThrow({ where: { workflowId: started.workflowId } });
    assert.deepEqual([run.kind, run.status, run.tenantId, run.siteId], ['site_onboarding', 'completed', tenantId, site.id]);
    const listed = await lab.api<{ items: { workflowId: string }[] }>('GET', `/api/v1/runs?tenantId=${tenantId}&kind=site_onboarding`);
    assert.ok(listed.body.items.some((r) => r.workflowId === started.workflowId));
    const visible = lab.client.workflow.list({ query: `BranchlineSite = "${site.id}" AND BranchlineDeviceSerials = "${serial(3)}"` });
    const ids: string[] = [];
    for await (const execution of visible) ids.push(execution.workflowId);
    assert.ok(ids.includes(started.workflowId), `the Web UI can find the run by site and serial (found ${ids.join(', ')})`);

    // `RECORD_HISTORIES=1 npm test -- --only integration --files onboard-site` keeps these runs for the replay test.
    await recordHistory(lab.client, started.workflowId, 'onboard-site-record-apart');

    const again = await lab.api<{ started: boolean }>('POST', `/api/v1/sites/${site.id}/onboarding`, {});
    assert.equal(again.status, 409, 'an active site is not onboarded again');
  });

  it('brings a dual-CPE site up: each device provisioned, each with its own tunnels to the hubs', async () => {
    const site = await createSite(spoke('Nantes store', [serial(4), serial(5)]));
    const first = await lab.api<{ workflowId: string; started: boolean }>('POST', `/api/v1/sites/${site.id}/onboarding`, { ticket: 'CHG0030001' });
    const again = await lab.api<{ workflowId: string; started: boolean }>('POST', `/api/v1/sites/${site.id}/onboarding`, { ticket: 'CHG0030001' });
    assert.deepEqual([first.status, first.body.started, again.status, again.body.started], [202, true, 202, false], 'one ticket, one run');
    assert.equal(again.body.workflowId, first.body.workflowId);
    for (const { serial: s, code } of site.activationCodes) lab.fleet.device(s!)!.setActivationCode(code);
    const done = await settled(site.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.equal(done.devices.length, 2);
    for (const s of [serial(4), serial(5)]) assert.equal(upInterfaces(s, 'st0.').length, 2, `${s} has two tunnels up`);
    assert.deepEqual(upInterfaces(serial(4), 'irb'), ['irb.10', 'irb.20']);
    assert.deepEqual(upInterfaces(serial(5), 'irb'), [], 'the LAN gateways stay on the primary');
    for (const hub of [serial(1), serial(2)]) {
      assert.match(runningConfig(hub), /tunnel to nantes-store-01/);
      assert.match(runningConfig(hub), /tunnel to nantes-store-02/);
    }
    const resent = await lab.api<{ workflowId: string; started: boolean }>('POST', `/api/v1/sites/${site.id}/onboarding`, { ticket: 'CHG0030001' });
    assert.deepEqual([resent.status, resent.body.started, resent.body.workflowId], [202, false, first.body.workflowId], 'a ticket sent again after its run completed');
    const byTicket = lab.client.workflow.list({ query: 'BranchlineTicket = "CHG0030001"' });
    const ids: string[] = [];
    for await (const execution of byTicket) ids.push(execution.workflowId);
    assert.deepEqual(ids, [first.body.workflowId]);
    assert.equal((await database.prisma.runSummary.findUniqueOrThrow({ where: { workflowId: first.body.workflowId } })).ticket, 'CHG0030001');
    const loopbacks = await database.prisma.allocation.findMany({ where: { siteId: site.id, kind: 'loopback' } });
    assert.equal(new Set(loopbacks.map((l) => l.value)).size, 2);
  });

  it('refuses a wrong activation code (alarm, nothing else changes) and lists an unknown serial once as unclaimed', async () => {
    const site = await createSite(spoke('Brest store', [serial(6)]));
    await onboard(site, { codes: false });
    const box = lab.fleet.device(serial(6))!;
    const call = (body: object) => lab.api<{ status: number; detail?: string }>('POST', '/api/v1/ztp/phone-home', {
      serial: serial(6), model: branchModel, softwareVersion: '22.4R1', address: box.identity.address, netconfPort: 27830, snmpPort: 27161, hostKeySha256: box.hostKeySha256, ...body,
    });
    const wrong = await call({ activationCode: 'not-the-code' });
    assert.equal(wrong.status, 403);
    const alarms = await database.prisma.alarm.findMany({ where: { siteId: site.id, type: 'ztp.activation-refused' } });
    assert.equal(alarms.length, 1);
    const device = await database.prisma.device.findFirstOrThrow({ where: { siteId: site.id } });
    assert.deepEqual([device.status, device.managementAddress], ['planned', null]);
    const waiting = await eventually(() => progress(site.id), (p) => p.devices[0]?.steps[0]?.status === 'running');
    assert.equal(waiting.devices[0]!.steps[0]!.status, 'running', 'ZTP still waits for the box');
    assert.deepEqual(journal(serial(6)), []);

    for (let i = 0; i < 3; i++) {
      const unknown = await call({ serial: 'NOBODY-EXPECTS-1', activationCode: 'x' });
      assert.deepEqual([unknown.status, unknown.body.detail?.replace('NOBODY-EXPECTS-1', serial(6))], [403, wrong.body.detail], 'answered as the wrong code is');
    }
    const unclaimed = await lab.api<{ items: { serial: string; attempts: number }[] }>('GET', '/api/v1/unclaimed-devices');
    assert.deepEqual(unclaimed.body.items.filter((d) => d.serial === 'NOBODY-EXPECTS-1').map((d) => d.attempts), [3]);

    // The right code (typed in at last) admits the box and the site comes up.
    box.setActivationCode(site.activationCodes[0]!.code);
    assert.equal((await settled(site.id)).state, 'completed');
  });

  it('when a box never phones home: site failed at the deadline, an alarm, every hub as it was, allocations released', async () => {
    const site = await createSite(spoke('Lille store', [serial(7)]));
    await lab.fleet.device(serial(7))!.powerOff();
    const hubsBefore = [runningConfig(serial(1)), runningConfig(serial(2))];
    // Started with a short deadline, as the API would with a long one.
    await lab.client.workflow.start(onboardSite, {
      workflowId: onboardingWorkflowId(site.id), taskQueue: taskQueues.orchestration,
      args: [{ siteId: site.id, tenantId, phoneHomeWithin: '3 seconds' }],
    });
    const failed = await settled(site.id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.failedStep, 'ztp');
    assert.match(failed.error!, /did not phone home/);
    assert.equal(failed.steps.find((s) => s.name === 'allocate')!.status, 'compensated');
    const stored = await database.prisma.site.findUniqueOrThrow({ where: { id: site.id } });
    assert.equal(stored.status, 'failed');
    assert.match(stored.statusReason!, /did not phone home/);
    assert.equal(await database.prisma.allocation.count({ where: { siteId: site.id } }), 0);
    assert.equal(await database.prisma.alarm.count({ where: { siteId: site.id, type: 'ztp.deadline', state: 'active' } }), 1);
    assert.deepEqual([runningConfig(serial(1)), runningConfig(serial(2))], hubsBefore);

    const aborted = await lab.api('POST', `/api/v1/sites/${site.id}/onboarding/abort`, { reason: 'box lost in shipping' });
    assert.equal(aborted.status, 200);
    const closed = await settled(site.id);
    assert.equal(closed.state, 'aborted');
    const refused = await lab.api<{ status: number }>('POST', `/api/v1/sites/${site.id}/onboarding/retry`);
    assert.equal(refused.status, 409, 'a closed run takes no decision');
    await recordHistory(lab.client, onboardingWorkflowId(site.id), 'onboard-site-aborted-record-apart');
  });

  it('a failed onboarding cancelled while it waits for the operator ends cancelled, its summary closed', async () => {
    const site = await createSite(spoke('Metz store', [serial(25)]));
    await lab.fleet.device(serial(25))!.powerOff();
    const handle = await lab.client.workflow.start(onboardSite, {
      workflowId: onboardingWorkflowId(site.id), taskQueue: taskQueues.orchestration,
      args: [{ siteId: site.id, tenantId, phoneHomeWithin: '2 seconds' }],
    });
    assert.equal((await settled(site.id)).state, 'failed');
    await handle.cancel();
    await assert.rejects(handle.result(), /cancel/i);
    const run = await database.prisma.runSummary.findUniqueOrThrow({ where: { workflowId: handle.workflowId } });
    assert.deepEqual([run.status, run.closedAt !== null], ['cancelled', true]);
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: site.id } })).status, 'failed');
  });

  it('when a hub rejects the commit mid-overlay: the other hub restored, allocations kept for the box using them; a retry then completes', async () => {
    const site = await createSite(spoke('Dijon store', [serial(8)]));
    const hubsBefore = [runningConfig(serial(1)), runningConfig(serial(2))];
    lab.fleet.device(serial(2))!.store.failNextCommit = 'commit check failed: tunnel table is full';
    await onboard(site);
    const failed = await settled(site.id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.failedStep, 'overlay');
    assert.match(failed.error!, /tunnel table is full/);
    assert.deepEqual([runningConfig(serial(1)), runningConfig(serial(2))], hubsBefore, 'both hubs are as they were');
    // The site's box runs its stage 2, with its loopback and tunnel addresses: they are not released.
    const kept = await database.prisma.allocation.findMany({ where: { siteId: site.id } });
    assert.ok(kept.length > 0, 'the allocations the box uses are kept');
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: site.id } })).status, 'failed');

    const retried = await lab.api<{ attempt: number }>('POST', `/api/v1/sites/${site.id}/onboarding/retry`);
    assert.deepEqual(retried.body, { attempt: 2 });
    const done = await settled(site.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.equal(done.attempt, 2);
    await recordHistory(lab.client, onboardingWorkflowId(site.id), 'onboard-site-retried-record-apart');
    assert.equal(upInterfaces(serial(8), 'st0.').length, 2);
  });

  it("merges the hubs' tunnel changes of sites onboarding at once into fewer commits", async () => {
    const serials = [serial(9), serial(10), serial(21), serial(22)];
    const before = [serial(1), serial(2)].map((hub) => journal(hub).length);
    // Slow hubs: while one commit runs, the other sites' changes queue and go in together.
    for (const hub of [serial(1), serial(2)]) lab.fleet.device(hub)!.faults.replyDelayMs = 150;
    try {
      const sites = [];
      for (const [index, s] of serials.entries()) sites.push(await createSite(spoke(`Batch store ${index + 1}`, [s])));
      await Promise.all(sites.map((site) => onboard(site)));
      for (const site of sites) assert.equal((await settled(site.id)).state, 'completed');
    } finally {
      for (const hub of [serial(1), serial(2)]) lab.fleet.device(hub)!.faults.replyDelayMs = 0;
    }
    for (const [index, hub] of [serial(1), serial(2)].entries()) {
      const commits = journal(hub).slice(before[index]).filter((kind) => kind === 'confirmed-commit').length;
      assert.ok(commits < serials.length, `${hub}: ${commits} commits for ${serials.length} sites`);
      for (const n of [1, 2, 3, 4]) assert.match(runningConfig(hub), new RegExp(`tunnel to batch-store-${n}-01`));
    }
  });

  it('builds a ten-site full mesh, each new site changing its peers', async () => {
    const meshSerials = Array.from({ length: 10 }, (_, i) => serial(11 + i));
    const sites: Created[] = [];
    for (const [index, s] of meshSerials.entries()) {
      sites.push(await createSite({ ...spoke(`Depot ${index + 1}`, [s], { topology: 'full_mesh' }), tenantId: meshTenantId }));
    }
    // All at once: mesh sites of a tenant take turns, each seeing the ones before it.
    await Promise.all(sites.map((site) => onboard(site)));
    for (const site of sites) assert.equal((await settled(site.id, 300_000)).state, 'completed');
    for (const s of meshSerials) assert.equal(upInterfaces(s, 'st0.').length, 9, `${s} has a tunnel up to each of the nine others`);
    const subnets = await database.prisma.allocation.findMany({ where: { kind: 'tunnel_subnet', site: { tenantId: meshTenantId } } });
    assert.equal(subnets.length, 45, 'one tunnel per pair');
  });

  it('joins a partial-mesh site only to the mesh sites carrying one of its mesh tags', async () => {
    const north = await createSite({ ...spoke('Depot north', [serial(23)], { topology: 'full_mesh' }), tenantId: meshTenantId, tags: ['north'] });
    await onboard(north);
    assert.equal((await settled(north.id)).state, 'completed');
    assert.equal(upInterfaces(serial(23), 'st0.').length, 10, 'a full-mesh site meshes with all ten depots');
    const outpost = await createSite({ ...spoke('Outpost', [serial(24)], { topology: 'partial_mesh', meshTags: ['north'] }), tenantId: meshTenantId });
    await onboard(outpost);
    assert.equal((await settled(outpost.id)).state, 'completed');
    assert.deepEqual(upInterfaces(serial(24), 'st0.'), ['st0.1']);
    assert.match(runningConfig(serial(24)), /tunnel to depot-north-01/);
    assert.match(runningConfig(serial(23)), /tunnel to outpost-01/);
    assert.doesNotMatch(runningConfig(serial(11)), /outpost-01/);
  });

  it('decommissions a site: its tunnels off the hubs, its box back to factory defaults, its addresses released', async () => {
    const site = await database.prisma.site.findFirstOrThrow({ where: { name: 'Grenoble store' } });
    const started = await lab.api<{ workflowId: string }>('POST', `/api/v1/sites/${site.id}/decommission`, {});
    assert.equal(started.status, 202);
    await lab.client.workflow.getHandle(started.body.workflowId).result();
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: site.id } })).status, 'decommissioned');
    for (const hub of [serial(1), serial(2)]) {
      assert.doesNotMatch(runningConfig(hub), /grenoble-store-01/);
      assert.equal((await lastVersionOf(hub)).source, 'decommission', `${hub}'s tunnels to the site were removed by the decommissioning`);
    }
    assert.equal(lab.fleet.device(serial(3))!.factoryDefault, true);
    assert.equal(await database.prisma.allocation.count({ where: { OR: [{ siteId: site.id }, { peerSiteId: site.id }] } }), 0);
    const device = await database.prisma.device.findFirstOrThrow({ where: { siteId: site.id } });
    assert.deepEqual([device.status, device.serial], ['retired', null]);
  });
});
