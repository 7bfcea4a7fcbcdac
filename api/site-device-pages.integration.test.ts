// What the site and device pages read: a site's network, a device's detail and what it reports
// now (through a read-only run on the devices queue), and runs named by what they act on and
// filtered by site, device and ticket. Each answers another tenant as it answers an unknown id,
// and bad input with problem details. Against the real API on PostgreSQL and Temporal, the
// device read by a stand-in activity.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { failureTypes } from '../domain/failure-types.ts';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { apiTokenFor, connectTestClient, createTestDatabase, signInAs, startStandInWorkers, testServices, type TestDatabase } from '../scripts/testing.ts';
import { decommissionWorkflowId } from '../workflows/decommission-site.messages.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { rmaWorkflowId } from '../workflows/rma.messages.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });

interface Answer<T = Record<string, unknown>> {
  status: number;
  type: string;
  body: T;
}

describe('site and device pages', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectTestClient>>;
  let workers: { stop(): Promise<void> };
  let events: EventHub;
  let server: Server;
  let url: string;
  let admin: string;
  let acmeOperator: string;
  let globexAdmin: string;
  const ids = {} as { siteId: string; deviceId: string; reachableId: string; silentId: string; otherSiteId: string; hubId: string };

  const call = async <T = Record<string, unknown>>(path: string, auth: string): Promise<Answer<T>> => {
    const response = await fetch(`${url}/api/v1${path}`, { headers: auth.startsWith('bl_') ? { authorization: `Bearer ${auth}` } : { cookie: auth }, signal: AbortSignal.timeout(90_000) });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as T };
  };

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    // The device read stood in for: one box answers, the other does not.
    workers = await startStandInWorkers(temporal.client, {
      orchestration: {},
      devices: {
        readDeviceState: async ({ target }: { target: DeviceTarget }) => {
          if (target.serial === 'BLSPAGES0002') throw ApplicationFailure.nonRetryable('No answer from 192.0.2.99:830 (connection timed out)', failureTypes.deviceUnreachable);
          return {
            hostName: 'lyon-store-01', model: 'SRX-SIM-300', serial: target.serial, softwareVersion: '23.4R1', uptimeSeconds: 3600, readAt: new Date().toISOString(),
            interfaces: [{ name: 'ge-0/0/0.0', adminUp: true, operUp: true, addresses: ['192.0.2.2/30'] }, { name: 'st0.1', adminUp: true, operUp: false, addresses: [] }],
          };
        },
      },
    });
    events = new EventHub(database.url, silent);
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: 'http://localhost:8233',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events, secretsKey: randomBytes(32),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const prisma = database.prisma;
    const acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const globex = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } });
    admin = (await signInAs(prisma, { role: 'SP admin' })).cookie;
    acmeOperator = await apiTokenFor(prisma, { tenantId: acme.id, role: 'Tenant operator' });
    globexAdmin = await apiTokenFor(prisma, { tenantId: globex.id, role: 'Tenant admin' });
    const lyon = await prisma.site.findFirstOrThrow({ where: { name: 'Lyon store' }, include: { devices: true } });
    const munich = await prisma.site.findFirstOrThrow({ where: { name: 'Munich store' }, include: { devices: true } });
    // The seed makes Lyon a spoke of Acme's hubs; its tunnel to the primary one is on st0.1 at both ends.
    const hub = (await prisma.siteHub.findFirstOrThrow({ where: { spokeSiteId: lyon.id, priority: 'primary' }, include: { hub: true } })).hub;
    Object.assign(ids, { siteId: lyon.id, deviceId: lyon.devices[0]!.id, hubId: hub.id, otherSiteId: munich.id });
    // Lyon's box in service, with a tunnel to its hub on st0.1; Munich's box in service but silent.
    await prisma.site.update({ where: { id: lyon.id }, data: { status: 'active' } });
    await prisma.device.update({ where: { id: lyon.devices[0]!.id }, data: { serial: 'BLSPAGES0001', managementAddress: '192.0.2.2', status: 'online' } });
    await prisma.device.update({ where: { id: munich.devices[0]!.id }, data: { serial: 'BLSPAGES0002', managementAddress: '192.0.2.99', status: 'online' } });
    ids.reachableId = lyon.devices[0]!.id;
    ids.silentId = munich.devices[0]!.id;
    await prisma.allocation.createMany({ data: [
      { kind: 'tunnel_id', value: `${hub.id}/primary:1`, siteId: lyon.id, peerSiteId: hub.id },
      { kind: 'tunnel_id', value: `${lyon.id}/primary:1`, siteId: lyon.id, peerSiteId: hub.id },
      { kind: 'tunnel_subnet', value: '172.16.0.0/30', siteId: lyon.id, peerSiteId: hub.id },
    ] });
    await prisma.runSummary.createMany({ data: [
      { workflowId: onboardingWorkflowId(lyon.id), kind: 'site_onboarding', tenantId: acme.id, siteId: lyon.id, ticket: 'CHG0000101', status: 'completed' },
      { workflowId: rmaWorkflowId(lyon.devices[0]!.id), kind: 'rma', tenantId: acme.id, siteId: lyon.id, status: 'failed', error: 'no box' },
      { workflowId: decommissionWorkflowId(munich.id), kind: 'decommission', tenantId: acme.id, siteId: munich.id, ticket: 'CHG0000102' },
    ] });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await workers.stop();
    await events.close();
    await temporal.close();
    await database.drop();
  });

  describe('GET /sites/{siteId}/network', () => {
    it('holds the WAN links, the tunnel to the hub on its st0 unit, the LAN segments with their departments and the policies that apply', async () => {
      const answer = await call<{
        wanLinks: { name: string; interfaceName: string }[]; tunnels: { interfaceName: string; peerSiteName: string; peerKind: string; deviceId: string }[];
        hubs: { siteId: string }[]; lanSegments: { name: string; department: string }[]; departments: { name: string; lanSegments: number }[];
        firewallPolicies: { name: string; scope: string }[];
      }>(`/sites/${ids.siteId}/network`, acmeOperator);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.wanLinks.map((l) => [l.name, l.interfaceName]), [['internet', 'ge-0/0/1'], ['mpls', 'ge-0/0/0']]);
      const hub = await database.prisma.site.findUniqueOrThrow({ where: { id: ids.hubId } });
      assert.deepEqual(answer.body.tunnels.map((t) => [t.interfaceName, t.peerSiteName, t.peerKind, t.deviceId]), [['st0.1', hub.name, 'hub', ids.deviceId]]);
      assert.equal(answer.body.hubs[0]?.siteId, ids.hubId, 'the primary hub first');
      assert.deepEqual(answer.body.lanSegments.map((s) => [s.name, s.department]), [['staff', 'Staff'], ['guests', 'Guests']]);
      assert.deepEqual(answer.body.departments.map((d) => [d.name, d.lanSegments]), [['Guests', 1], ['Staff', 1]]);
      assert.deepEqual(answer.body.firewallPolicies.map((p) => [p.name, p.scope]), [['Guest Wi-Fi to internet only', 'department']]);
    });

    it("answers the hub's side: the spoke's tunnel, on the hub's own unit", async () => {
      const answer = await call<{ tunnels: { interfaceName: string; peerSiteId: string; peerKind: string }[] }>(`/sites/${ids.hubId}/network`, admin);
      assert.deepEqual(answer.body.tunnels.map((t) => [t.interfaceName, t.peerSiteId, t.peerKind]), [['st0.1', ids.siteId, 'spoke']]);
    });

    it('answers another tenant as an unknown site, and a malformed id as bad input', async () => {
      const theirs = await call(`/sites/${ids.siteId}/network`, globexAdmin);
      const unknown = await call('/sites/00000000-0000-7000-8000-000000000000/network', globexAdmin);
      assert.deepEqual([theirs.status, theirs.body['type']], [404, unknown.body['type']]);
      const bad = await call('/sites/not-a-site/network', admin);
      assert.equal(bad.status, 400);
      assert.match(bad.type, /application\/problem\+json/);
    });
  });

  describe('GET /devices/{deviceId}', () => {
    it('answers the device with its site, WAN links and tunnels', async () => {
      const answer = await call<{ hostname: string; siteStatus: string; wanLinks: { name: string }[]; tunnels: { interfaceName: string; peerKind: string }[] }>(`/devices/${ids.deviceId}`, acmeOperator);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.siteStatus, 'active');
      assert.deepEqual(answer.body.wanLinks.map((l) => l.name), ['internet', 'mpls']);
      assert.deepEqual(answer.body.tunnels.map((t) => [t.interfaceName, t.peerKind]), [['st0.1', 'hub']]);
    });

    it('answers another tenant as an unknown device, and a malformed id as bad input', async () => {
      assert.equal((await call(`/devices/${ids.deviceId}`, globexAdmin)).status, 404);
      const bad = await call('/devices/12/state', admin);
      assert.equal(bad.status, 400);
      assert.match(bad.type, /application\/problem\+json/);
    });
  });

  describe('GET /devices/{deviceId}/state', () => {
    it('reads the device: its facts, uptime and each interface up or down', async () => {
      const answer = await call<{ reachable: boolean; serial: string; uptimeSeconds: number; interfaces: { name: string; operUp: boolean }[] }>(`/devices/${ids.reachableId}/state`, acmeOperator);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.reachable, true);
      assert.equal(answer.body.serial, 'BLSPAGES0001');
      assert.equal(answer.body.uptimeSeconds, 3600);
      assert.deepEqual(answer.body.interfaces.map((i) => [i.name, i.operUp]), [['ge-0/0/0.0', true], ['st0.1', false]]);
    });

    it('says a device that does not answer cannot be reached, and why', async () => {
      const answer = await call<{ reachable: boolean; reason: string; failureType: string }>(`/devices/${ids.silentId}/state`, acmeOperator);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.reachable, false);
      assert.match(answer.body.reason, /^munich-store-01 cannot be reached: No answer from 192\.0\.2\.99:830/);
      assert.equal(answer.body.failureType, failureTypes.deviceUnreachable);
    });

    it('refuses a device never provisioned (409), and another tenant as an unknown device', async () => {
      const porto = await database.prisma.device.findFirstOrThrow({ where: { site: { name: 'Porto store' } } });
      const never = await call<{ detail: string }>(`/devices/${porto.id}/state`, acmeOperator);
      assert.equal(never.status, 409);
      assert.match(never.body.detail, /has never been provisioned/);
      assert.equal((await call(`/devices/${ids.reachableId}/state`, globexAdmin)).status, 404);
    });
  });

  describe('GET /runs', () => {
    type Run = { workflowId: string; subject: { type: string; name: string; siteName: string | null } | null };

    it('names each run by what it acts on', async () => {
      const answer = await call<{ items: Run[] }>('/runs', acmeOperator);
      const subject = (workflowId: string) => answer.body.items.find((run) => run.workflowId === workflowId)?.subject;
      assert.deepEqual(subject(onboardingWorkflowId(ids.siteId)), { type: 'site', id: ids.siteId, name: 'Lyon store', siteId: ids.siteId, siteName: 'Lyon store' });
      assert.deepEqual(subject(rmaWorkflowId(ids.deviceId)), { type: 'device', id: ids.deviceId, name: 'lyon-store-01', siteId: ids.siteId, siteName: 'Lyon store' });
      const one = await call<Run>(`/runs/${encodeURIComponent(decommissionWorkflowId(ids.otherSiteId))}`, acmeOperator);
      assert.equal(one.body.subject?.name, 'Munich store');
    });

    it('filters by site, device, ticket, kind and status', async () => {
      const ofSite = await call<{ items: Run[] }>(`/runs?siteId=${ids.siteId}`, acmeOperator);
      assert.deepEqual(ofSite.body.items.map((r) => r.workflowId).sort(), [onboardingWorkflowId(ids.siteId), rmaWorkflowId(ids.deviceId)].sort());
      const ofDevice = await call<{ items: Run[] }>(`/runs?deviceId=${ids.deviceId}`, acmeOperator);
      assert.deepEqual(ofDevice.body.items.map((r) => r.workflowId), [rmaWorkflowId(ids.deviceId)]);
      const ofTicket = await call<{ items: Run[] }>('/runs?ticket=CHG0000102', acmeOperator);
      assert.deepEqual(ofTicket.body.items.map((r) => r.workflowId), [decommissionWorkflowId(ids.otherSiteId)]);
      const failed = await call<{ items: Run[] }>(`/runs?siteId=${ids.siteId}&status=failed&kind=rma`, acmeOperator);
      assert.deepEqual(failed.body.items.map((r) => r.workflowId), [rmaWorkflowId(ids.deviceId)]);
    });

    it("shows another tenant none of them, even filtered by the site's id", async () => {
      const answer = await call<{ items: Run[] }>(`/runs?siteId=${ids.siteId}`, globexAdmin);
      assert.deepEqual([answer.status, answer.body.items], [200, []]);
    });

    it('answers a malformed site, device or ticket as bad input naming the field', async () => {
      for (const [parameter, value] of [['siteId', 'lyon'], ['deviceId', '1'], ['ticket', 'CHG 1']]) {
        const answer = await call<{ errors: { path: string }[] }>(`/runs?${parameter}=${encodeURIComponent(value!)}`, admin);
        assert.equal(answer.status, 400, parameter);
        assert.match(answer.type, /application\/problem\+json/);
        assert.deepEqual(answer.body.errors.map((e) => e.path), [parameter]);
      }
    });
  });

  describe('GET /alarms', () => {
    it("filters by device, and refuses a malformed device id", async () => {
      const prisma = database.prisma;
      const acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
      await prisma.alarm.createMany({ data: [
        { tenantId: acme.id, siteId: ids.siteId, deviceId: ids.deviceId, type: 'test', severity: 'major', message: 'Lyon box alarm', dedupeKey: 'pages-1' },
        { tenantId: acme.id, siteId: ids.otherSiteId, deviceId: ids.silentId, type: 'test', severity: 'minor', message: 'Munich box alarm', dedupeKey: 'pages-2' },
      ] });
      const answer = await call<{ items: { message: string }[] }>(`/alarms?deviceId=${ids.deviceId}`, acmeOperator);
      assert.deepEqual(answer.body.items.map((a) => a.message), ['Lyon box alarm']);
      assert.equal((await call('/alarms?deviceId=x', admin)).status, 400);
    });
  });
});
