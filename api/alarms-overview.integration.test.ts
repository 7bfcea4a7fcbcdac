// Alarms with a lifecycle, the home dashboard's counts and the overlay topology, through the API on
// PostgreSQL and Temporal: who may read and act on what, bad input as problem details, and a
// simulated box that stops answering and comes back, found by drift reconciliation's reading (its
// activity run as a worker would), raising one alarm and clearing it, each change an event queued
// for the tenant's subscribers.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { alarmTypes } from '../domain/alarm-types.ts';
import { createDriftActivities, type DriftTally } from '../activities/devices/drift.ts';
import { NetconfSessionPool } from '../activities/devices/netconf/pool.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import { labCredentials, startSeededLab, type Lab } from '../scripts/lab.ts';
import { signInAs, type TestDatabase } from '../scripts/testing.ts';

interface Problem { type: string; title: string; status: number; detail: string; errors?: { path: string; message: string }[] }
interface Alarm { id: string; state: string; severity: string; type: string; acknowledgedBy: string | null; acknowledgeNote: string | null; clearedBy: string | null; clearedAt: string | null; siteName: string | null; deviceHostname: string | null }

describe('alarms, dashboard and topology', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let acmeId: string;
  let globexId: string;
  let globexOperator: string;
  let globexAdmin: string;
  const adminEmail = `noc-${randomUUID().slice(0, 8)}@globex.example`;
  const transports = { netconf: new NetconfSessionPool({ maxSessions: 2, idleMs: 2000 }), snmp: new SnmpClient({ timeoutMs: 1000, retries: 0 }) };

  const call = async <T = Record<string, unknown>>(method: string, path: string, options: { cookie?: string; body?: unknown } = {}) => {
    const response = await fetch(lab.apiUrl + path, {
      method,
      headers: { cookie: options.cookie ?? lab.adminCookie, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : {}) as T };
  };
  const alarm = async (tenantId: string, severity: 'critical' | 'major' = 'major') => (await database.prisma.alarm.create({
    data: { tenantId, type: 'test.alarm', severity, message: `a ${severity} test alarm`, dedupeKey: `test:${randomUUID()}` },
  })).id;

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-300'], baseAddress: '127.201.0.1', snmpPort: 42761, netconfPort: 42731, phoneHome: false }));
    const { prisma } = database;
    acmeId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    globexId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    globexOperator = (await signInAs(prisma, { role: 'Tenant operator', tenantId: globexId })).cookie;
    globexAdmin = (await signInAs(prisma, { role: 'Tenant admin', tenantId: globexId, email: adminEmail })).cookie;
  });

  after(async () => {
    await transports.netconf.close();
    transports.snmp.close();
    await lab?.stop();
    await database?.drop();
  });

  describe('the dashboard', () => {
    it("counts every tenant's sites, devices and alarms for an SP admin, one tenant's when asked", async () => {
      const all = await call<{ sites: Record<string, number>; devices: Record<string, number>; alarms: { bySeverity: Record<string, number> }; runs: { running: number }; sla: { steeredSites: number } }>('GET', '/api/v1/dashboard');
      assert.equal(all.status, 200);
      assert.equal(all.body.sites['planned'], await database.prisma.site.count({ where: { status: 'planned' } }));
      const acme = await call<{ sites: Record<string, number>; tenantId: string }>('GET', `/api/v1/dashboard?tenantId=${acmeId}`);
      assert.equal(acme.body.tenantId, acmeId);
      assert.equal(acme.body.sites['planned'], await database.prisma.site.count({ where: { tenantId: acmeId, status: 'planned' } }));
      assert.ok(acme.body.sites['planned']! < all.body.sites['planned']!);
      assert.equal(all.body.runs.running, 0);
    });

    it("shows a tenant's people their tenant only: another tenant's is not found", async () => {
      const own = await call<{ sites: Record<string, number> }>('GET', '/api/v1/dashboard', { cookie: globexOperator });
      assert.equal(own.status, 200);
      assert.equal(own.body.sites['planned'], await database.prisma.site.count({ where: { tenantId: globexId, status: 'planned' } }));
      const other = await call<Problem>('GET', `/api/v1/dashboard?tenantId=${acmeId}`, { cookie: globexOperator });
      assert.equal(other.status, 404);
      assert.match(other.type, /^application\/problem\+json/);
      assert.equal((await call('GET', '/api/v1/dashboard', { cookie: 'branchline_session=nope' })).status, 401);
    });

    it('refuses a tenant id that is not one, as problem details', async () => {
      const bad = await call<Problem>('GET', '/api/v1/dashboard?tenantId=acme');
      assert.equal(bad.status, 400);
      assert.match(bad.type, /^application\/problem\+json/);
      assert.equal(bad.body.errors?.[0]?.path, 'tenantId');
    });
  });

  describe('the topology', () => {
    it("draws a tenant's hubs and spokes, a spoke joined to its two hubs, tunnels not built yet pending", async () => {
      const answer = await call<{ nodes: { siteId: string; name: string; role: string; health: string }[]; edges: { from: string; to: string; kind: string; priority: string | null; state: string }[]; truncated: boolean }>('GET', `/api/v1/topology?tenantId=${acmeId}`);
      assert.equal(answer.status, 200);
      const hubs = answer.body.nodes.filter((n) => n.role === 'hub');
      assert.deepEqual(hubs.map((h) => h.name).sort(), ['Amsterdam hub', 'Frankfurt hub']);
      assert.deepEqual(answer.body.nodes.slice(0, 2).map((n) => n.role), ['hub', 'hub'], 'hubs first');
      const lyon = answer.body.nodes.find((n) => n.name === 'Lyon store')!;
      const lyonTunnels = answer.body.edges.filter((e) => e.from === lyon.siteId || e.to === lyon.siteId);
      assert.deepEqual(lyonTunnels.map((e) => [e.kind, e.priority, e.state]).sort(), [['hub', 'primary', 'pending'], ['hub', 'secondary', 'pending']]);
      assert.equal(lyon.health, 'not-in-service');
      assert.equal(answer.body.truncated, false);
    });

    it('colours a built tunnel by its ends: up while both are online, down once one is offline', async () => {
      const { prisma } = database;
      const [frankfurt, munich] = await Promise.all(['Frankfurt hub', 'Munich store'].map((name) => prisma.site.findFirstOrThrow({ where: { tenantId: acmeId, name } })));
      const onlineSite = (siteId: string, hostname: string) => prisma.site.update({
        where: { id: siteId }, data: { status: 'active', devices: { create: { role: 'primary', hostname, model: 'SRX-SIM-300', platform: 'junos', status: 'online' } } },
      });
      await prisma.device.deleteMany({ where: { siteId: { in: [frankfurt!.id, munich!.id] } } });
      await onlineSite(frankfurt!.id, 'fra-hub-topology');
      await onlineSite(munich!.id, 'munich-topology');
      await prisma.allocation.create({ data: { kind: 'tunnel_subnet', value: '172.31.255.0/30', siteId: munich!.id, peerSiteId: frankfurt!.id } });
      const edge = async () => (await call<{ edges: { from: string; to: string; state: string }[] }>('GET', `/api/v1/topology?tenantId=${acmeId}`)).body.edges
        .find((e) => e.from === munich!.id && e.to === frankfurt!.id)!.state;
      assert.equal(await edge(), 'up');
      await prisma.device.updateMany({ where: { siteId: munich!.id }, data: { status: 'offline' } });
      assert.equal(await edge(), 'down');
      // Another tenant's people see none of it.
      assert.equal((await call('GET', `/api/v1/topology?tenantId=${acmeId}`, { cookie: globexOperator })).status, 404);
      const theirs = await call<{ nodes: { tenantId: string }[] }>('GET', '/api/v1/topology', { cookie: globexOperator });
      assert.ok(theirs.body.nodes.length > 0 && theirs.body.nodes.every((n) => n.tenantId === globexId));
      assert.equal((await call<Problem>('GET', '/api/v1/topology?limit=0')).status, 400);
    });
  });

  describe('acknowledging and clearing by hand', () => {
    it('acknowledges several alarms at once with who and a note; a second time changes nothing', async () => {
      const ids = [await alarm(globexId), await alarm(globexId, 'critical')];
      const answer = await call<{ changed: string[]; unchanged: string[] }>('POST', '/api/v1/alarms/acknowledge', { cookie: globexAdmin, body: { ids, note: 'On it: ticket INC0042' } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.changed.sort(), [...ids].sort());
      const listed = await call<{ items: Alarm[] }>('GET', `/api/v1/alarms?tenantId=${globexId}&state=acknowledged`, { cookie: globexOperator });
      const acknowledged = listed.body.items.filter((a) => ids.includes(a.id));
      assert.equal(acknowledged.length, 2);
      assert.ok(acknowledged.every((a) => a.acknowledgedBy === adminEmail && a.acknowledgeNote === 'On it: ticket INC0042'));
      const again = await call<{ changed: string[]; unchanged: string[] }>('POST', '/api/v1/alarms/acknowledge', { cookie: globexAdmin, body: { ids } });
      assert.deepEqual([again.body.changed, again.body.unchanged.length], [[], 2]);
      // Each acknowledgement is an event, with who and the note.
      const events = await database.prisma.domainEvent.findMany({ where: { type: 'alarm.acknowledged', tenantId: globexId } });
      assert.deepEqual(events.map((e) => (e.data as { alarmId: string }).alarmId).sort(), [...ids].sort());
      assert.equal((events[0]!.data as { note: string }).note, 'On it: ticket INC0042');
      // Filters: by severity, and open (active or acknowledged).
      const critical = await call<{ items: Alarm[] }>('GET', `/api/v1/alarms?tenantId=${globexId}&severity=critical&state=open`);
      assert.ok(critical.body.items.some((a) => a.id === ids[1]) && critical.body.items.every((a) => a.severity === 'critical' && a.state !== 'cleared'));
    });

    it('clears by hand, keeping the alarm as history with who cleared it', async () => {
      const id = await alarm(globexId);
      const answer = await call<{ changed: string[] }>('POST', '/api/v1/alarms/clear', { cookie: globexAdmin, body: { ids: [id], note: 'Fixed at the box' } });
      assert.deepEqual(answer.body.changed, [id]);
      const cleared = (await call<{ items: Alarm[] }>('GET', `/api/v1/alarms?state=cleared&tenantId=${globexId}`)).body.items.find((a) => a.id === id)!;
      assert.equal(cleared.clearedBy, adminEmail);
      assert.ok(cleared.clearedAt);
      assert.equal((await database.prisma.auditEntry.count({ where: { action: 'alarm.clear', objectId: id } })), 1);
    });

    it("refuses a read-only operator (403), another tenant's alarm (404) and bad input (400), changing nothing", async () => {
      const ours = await alarm(globexId);
      const theirs = await alarm(acmeId);
      const operator = await call<Problem>('POST', '/api/v1/alarms/acknowledge', { cookie: globexOperator, body: { ids: [ours] } });
      assert.equal(operator.status, 403);
      const other = await call<Problem>('POST', '/api/v1/alarms/clear', { cookie: globexAdmin, body: { ids: [ours, theirs] } });
      assert.equal(other.status, 404);
      assert.match(other.type, /^application\/problem\+json/);
      for (const body of [{ ids: [] }, { ids: ['not-an-id'] }, { ids: [ours], note: 'x'.repeat(1001) }, {}]) {
        const bad = await call<Problem>('POST', '/api/v1/alarms/acknowledge', { cookie: globexAdmin, body });
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.match(bad.type, /^application\/problem\+json/);
        assert.ok(bad.body.errors && bad.body.errors.length > 0);
      }
      const rows = await database.prisma.alarm.findMany({ where: { id: { in: [ours, theirs] } } });
      assert.ok(rows.every((row) => row.state === 'active'));
      assert.equal((await call<Problem>('GET', '/api/v1/alarms?state=sleeping')).status, 400);
    });
  });

  describe('a device that stops answering', () => {
    it('goes offline with one alarm, and back online with the alarm cleared by its cause; each change an event for subscribers', async () => {
      const { prisma } = database;
      await lab.importFleet(globexId, () => ({ timezone: 'Europe/Amsterdam', tags: [] }));
      const device = await prisma.device.findFirstOrThrow({ where: { serial: 'BLS0000001' } });
      // In service means a version on record: drift reconciliation reads only such devices.
      const content = 'system { host-name depot-1-01; }';
      await prisma.configVersion.create({ data: { deviceId: device.id, version: 1, source: 'manual', content, sha256: createHash('sha256').update(content).digest('hex') } });
      const subscription = await prisma.webhookSubscription.create({ data: { tenantId: globexId, url: 'https://hooks.example.com/branchline', events: ['alarm.*'], secret: 'whsec_dGVzdA==' } });
      const drift = createDriftActivities({ prisma, client: lab.client, transports, credentials: labCredentials, secretsKey: lab.secretsKey, imageBaseUrl: lab.apiUrl });
      const reconcile = () => new MockActivityEnvironment().run(() => drift.reconcileDevices({ deviceIds: [device.id] })) as Promise<DriftTally>;
      const unreachable = () => prisma.alarm.findMany({ where: { deviceId: device.id, type: alarmTypes.deviceUnreachable } });

      await reconcile();
      assert.equal((await prisma.device.findUniqueOrThrow({ where: { id: device.id } })).status, 'online');
      assert.deepEqual(await unreachable(), []);

      await lab.fleet.device('BLS0000001')!.powerOff();
      const tally = await reconcile();
      assert.equal(tally.readings.unreachable, 1);
      await reconcile();
      assert.equal((await prisma.device.findUniqueOrThrow({ where: { id: device.id } })).status, 'offline');
      const [raised, ...more] = await unreachable();
      assert.deepEqual(more, [], 'raised once however many rounds find it silent');
      assert.equal(raised!.severity, 'critical');
      assert.equal(raised!.state, 'active');
      // The dashboard counts it.
      const dashboard = await call<{ devices: Record<string, number>; alarms: { bySeverity: Record<string, number> } }>('GET', `/api/v1/dashboard?tenantId=${globexId}`);
      assert.equal(dashboard.body.devices['offline'], 1);
      assert.ok(dashboard.body.alarms.bySeverity['critical']! >= 1);
      assert.equal((await call('POST', '/api/v1/alarms/acknowledge', { cookie: globexAdmin, body: { ids: [raised!.id], note: 'Power cut at the depot' } })).status, 200);

      await lab.fleet.device('BLS0000001')!.powerOn();
      const back = await reconcile();
      assert.equal(back.readings.unreachable, 0);
      assert.equal((await prisma.device.findUniqueOrThrow({ where: { id: device.id } })).status, 'online');
      const [cleared] = await unreachable();
      assert.equal(cleared!.state, 'cleared');
      assert.equal(cleared!.clearedBy, null, 'cleared by its cause, not by hand');
      assert.equal(cleared!.acknowledgeNote, 'Power cut at the depot', 'its history kept');

      const events = await prisma.domainEvent.findMany({ where: { tenantId: globexId, OR: [{ type: { startsWith: 'alarm.' } }, { type: 'device.status_changed' }] }, orderBy: { id: 'asc' } });
      const about = events.filter((e) => (e.data as { alarmId?: string }).alarmId === raised!.id || (e.type === 'device.status_changed' && (e.data as { deviceId?: string }).deviceId === device.id));
      assert.deepEqual(about.map((e) => e.type), ['device.status_changed', 'alarm.raised', 'alarm.acknowledged', 'device.status_changed', 'alarm.cleared']);
      const delivered = await prisma.webhookDelivery.findMany({ where: { subscriptionId: subscription.id }, include: { event: true } });
      const deliveredTypes = delivered.filter((d) => (d.event.data as { alarmId?: string }).alarmId === raised!.id).map((d) => d.event.type).sort();
      assert.deepEqual(deliveredTypes, ['alarm.acknowledged', 'alarm.cleared', 'alarm.raised']);
    });
  });
});
