import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { openPppoePassword, wanLinkSecretsBox } from '../inventory/devices.ts';
import { ImageStore } from '../inventory/images.ts';
import { isSealed } from '../runtime/secret-box.ts';
import { NetconfSession } from '../activities/devices/netconf/session.ts';
import { createPrismaClient } from '../prisma/client.ts';
import { Fleet } from '../simulator/fleet.ts';
import { seedDemo } from '../prisma/seed.ts';
import { connectTestClient, createTestDatabase, signInAs, testServices, type TestDatabase } from '../scripts/testing.ts';
import { EventHub } from './event-hub.ts';
import { createApp, type AppDependencies } from './app.ts';
import type { ApiDefinition } from './openapi.ts';

const silent = pino({ level: 'silent' });
const images = new ImageStore(mkdtempSync(join(tmpdir(), 'images-')));

const secretsKey = randomBytes(32);

async function listen(deps: AppDependencies): Promise<{ url: string; routes: ApiDefinition['routes']; close(): Promise<void> }> {
  const app = createApp(deps);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, routes: app.api.routes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('API', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let api: Awaited<ReturnType<typeof listen>>;
  let admin: { cookie: string };
  const get = async (path: string) => {
    const response = await fetch(api.url + path, { headers: { cookie: admin.cookie } });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    admin = await signInAs(database.prisma, { role: 'SP admin' });
    api = await listen({ prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: 'http://localhost:8233', images, events: new EventHub(database.url, silent), secretsKey });
  });
  after(async () => {
    await api.close();
    await temporal.close();
    await database.drop();
  });

  describe('health', () => {
    it('answers /healthz while the process lives', async () => {
      assert.deepEqual((await get('/healthz')).body, { status: 'alive' });
    });

    it('answers /readyz 200 with details when PostgreSQL and Temporal answer', async () => {
      const { status, body } = await get('/readyz');
      assert.equal(status, 200);
      const checks = body['checks'] as Record<string, { ok: boolean; latencyMs: number }>;
      assert.equal(checks['postgres']?.ok, true);
      assert.equal(checks['temporal']?.ok, true);
    });

    it('answers /readyz 503 as problem details naming what is down', async () => {
      const downDatabase = createPrismaClient('postgresql://nobody:nothing@127.0.0.1:1/none');
      const lazyConnection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' });
      const downTemporal = new Client({ connection: lazyConnection });
      const broken = await listen({ prisma: downDatabase, temporal: downTemporal, namespace: 'default', log: silent, temporalUiUrl: '', images, events: new EventHub('postgresql://nobody:nothing@127.0.0.1:1/none', silent) });
      try {
        const response = await fetch(`${broken.url}/readyz`);
        const body = (await response.json()) as { status: number; detail: string; checks: Record<string, { ok: boolean; error?: string }> };
        assert.equal(response.status, 503);
        assert.equal(body.status, 503, 'the body says the status the answer has');
        assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
        assert.equal(body.checks['postgres']?.ok, false);
        assert.equal(body.checks['temporal']?.ok, false);
        assert.match(body.detail, /postgres/);
        assert.match(body.detail, /temporal/);
      } finally {
        await broken.close();
        await downDatabase.$disconnect();
      }
    });
  });

  describe('sites', () => {
    it('lists the sites a page at a time, every site exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`/api/v1/sites?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200);
        const items = page.body['items'] as { id: string }[];
        assert.ok(items.length <= 2);
        seen.push(...items.map((site) => site.id));
        cursor = page.body['nextCursor'] as string | null;
      } while (cursor);
      assert.equal(seen.length, await database.prisma.site.count());
      assert.equal(new Set(seen).size, seen.length);
    });

    it('filters by tenant, status, role and name', async () => {
      const globex = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } });
      const byTenant = await get(`/api/v1/sites?tenantId=${globex.id}`);
      assert.deepEqual((byTenant.body['items'] as { name: string }[]).map((s) => s.name).sort(), ['Antwerp depot', 'Rotterdam depot']);
      const hubs = await get('/api/v1/sites?role=hub');
      assert.deepEqual((hubs.body['items'] as { name: string }[]).map((s) => s.name).sort(), ['Amsterdam hub', 'Frankfurt hub']);
      const byName = await get('/api/v1/sites?search=LYON&status=planned');
      assert.deepEqual((byName.body['items'] as { name: string; deviceCount: number; wanLinkCount: number }[]).map((s) => [s.name, s.deviceCount, s.wanLinkCount]), [['Lyon store', 1, 2]]);
    });

    it('searches names for what was typed: % and _ are letters, not wildcards', async () => {
      const names = async (search: string) => ((await get(`/api/v1/sites?search=${encodeURIComponent(search)}`)).body['items'] as { name: string }[]).map((s) => s.name);
      assert.deepEqual(await names('yon sto'), ['Lyon store']);
      assert.deepEqual(await names('L_on'), []);
      assert.deepEqual(await names('%'), []);
      assert.deepEqual(await names('\\'), []);
    });

    it('answers 404 problem details for a site that does not exist', async () => {
      const { status, type, body } = await get('/api/v1/sites/00000000-0000-7000-8000-000000000000');
      assert.equal(status, 404);
      assert.match(type, /application\/problem\+json/);
      assert.equal(body['title'], 'Not found');
    });

    describe('modelled before the devices ship', () => {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(api.url + path, { method: 'POST', headers: { 'content-type': 'application/json', cookie: admin.cookie }, body: JSON.stringify(body) });
        return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as Record<string, unknown> };
      };
      const site = async () => {
        const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
        const [frankfurt, amsterdam] = await database.prisma.site.findMany({ where: { tenantId: acme.id, role: 'hub' }, orderBy: { name: 'desc' } });
        return {
          tenantId: acme.id, name: 'Nice store', timezone: 'Europe/Paris', country: 'FR', tags: ['retail'],
          devices: [{ role: 'primary', model: 'SRX-SIM-300' }, { role: 'secondary', model: 'SRX-SIM-300', serial: 'BLS0009001' }],
          wanLinks: [
            { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420 },
            { name: 'internet', type: 'broadband', deviceRole: 'secondary', interfaceName: 'ge-0/0/0', bandwidthMbps: 500, monthlyCost: 60 },
          ],
          departments: ['Staff'],
          lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.90.10.0/24', department: 'Staff' }],
          topology: 'hub_and_spoke', primaryHubId: frankfurt!.id, secondaryHubId: amsterdam!.id,
        };
      };

      it('validates a site, with the checks that need the inventory, and stores nothing', async () => {
        const before = await database.prisma.site.count();
        assert.deepEqual((await post('/api/v1/sites/validate', await site())).body, { valid: true });
        const lyon = await database.prisma.site.findFirstOrThrow({ where: { name: 'Lyon store' } });
        const invalid = await post('/api/v1/sites/validate', { ...(await site()), name: 'Lyon store', primaryHubId: lyon.id, wanLinks: [] });
        assert.equal(invalid.status, 400);
        assert.deepEqual(Object.fromEntries((invalid.body['errors'] as { path: string; message: string }[]).map((e) => [e.path, e.message])), { wanLinks: 'a site needs a WAN link' });
        const unknownHub = await post('/api/v1/sites/validate', { ...(await site()), name: 'Lyon store', primaryHubId: lyon.id });
        assert.deepEqual(unknownHub.body['errors'], [
          { path: 'name', message: 'this tenant already has a site of that name' },
          { path: 'primaryHubId', message: 'that site is not a hub' },
        ]);
        assert.equal(await database.prisma.site.count(), before);
      });

      it('validates a device against the box that phoned home with its serial: the model that box reports', async () => {
        const stray = { serial: 'STRAY-0003', model: 'SRX-SIM-100', softwareVersion: '22.4R1', address: '127.99.0.3', hostKeySha256: 'D'.repeat(43) };
        assert.equal((await post('/api/v1/ztp/phone-home', stray)).status, 403, 'the box waits among the unclaimed');
        const planned = await site();
        const withBox = (model: string) => ({ ...planned, devices: [{ role: 'primary', model, serial: 'STRAY-0003' }, planned.devices[1]] });
        const refused = await post('/api/v1/sites/validate', withBox('SRX-SIM-300'));
        assert.equal(refused.status, 400);
        assert.deepEqual(refused.body['errors'], [{ path: 'devices.0.model', message: 'box STRAY-0003 reports that it is a SRX-SIM-100: plan the device as a SRX-SIM-100, or name another box' }]);
        assert.deepEqual((await post('/api/v1/sites/validate', withBox('SRX-SIM-100'))).body, { valid: true });
        const hubModel = await post('/api/v1/sites/validate', { ...planned, devices: [{ role: 'primary', model: 'SRX-SIM-4600' }, planned.devices[1]] });
        assert.deepEqual(hubModel.body['errors'], [{ path: 'devices.0.model', message: 'SRX-SIM-4600 is a hub gateway, for hub sites only; a branch uses a branch model (SRX-SIM-100, SRX-SIM-300, SRX300, SRX320, SRX340, SRX345, NFX150, NFX250)' }]);
      });

      it('stores a static and a PPPoE WAN link with what each needs; the PPPoE password is kept for the box alone, not in the audit log', async () => {
        const planned = await site();
        const created = await post('/api/v1/sites', {
          ...planned, name: 'Cannes store', devices: [planned.devices[0]], lanSegments: [{ ...planned.lanSegments[0], prefix: '10.91.10.0/24' }],
          wanLinks: [
            { ...planned.wanLinks[0], addressing: { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'] } },
            { ...planned.wanLinks[1], deviceRole: 'primary', interfaceName: 'ge-0/0/1', addressing: { mode: 'pppoe', username: 'cannes@isp.example', password: 'Pa55-w0rd!', authentication: 'pap' } },
          ],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.doesNotMatch(JSON.stringify(created.body), /Pa55-w0rd!/);
        const links = await database.prisma.wanLink.findMany({ where: { siteId: created.body['id'] as string }, orderBy: { name: 'asc' } });
        assert.deepEqual(links.map((l) => [l.name, l.addressing, l.staticAddress, l.gateway, l.dnsServers, l.pppoeUsername, l.pppoePassword && openPppoePassword(wanLinkSecretsBox(secretsKey), l.pppoePassword), l.pppoeAuthentication]), [
          ['internet', 'pppoe', null, null, [], 'cannes@isp.example', 'Pa55-w0rd!', 'pap'],
          ['mpls', 'static', '192.0.2.10/30', '192.0.2.9', ['9.9.9.9'], null, null, null],
        ]);
        assert.ok(isSealed(links[0]!.pppoePassword!), 'sealed at rest');
        const audit = await database.prisma.auditEntry.findFirstOrThrow({ where: { action: 'site.create', objectId: created.body['id'] as string } });
        assert.doesNotMatch(JSON.stringify(audit), /Pa55-w0rd!/);
        assert.deepEqual((audit.after as { wanLinks: { addressing: unknown }[] }).wanLinks[1]!.addressing,
          { mode: 'pppoe', username: 'cannes@isp.example', password: '(secret)', authentication: 'pap' });
      });

      it('stores a dual-CPE site as planned, with its links, LAN, hubs and a one-time activation code per device', async () => {
        const created = await post('/api/v1/sites', await site());
        assert.equal(created.status, 201);
        assert.equal(created.location, `/api/v1/sites/${created.body['id'] as string}`);
        assert.equal(created.body['status'], 'planned');
        const codes = created.body['activationCodes'] as { role: string; hostname: string; serial: string | null; code: string }[];
        assert.deepEqual(codes.map((c) => [c.role, c.hostname, c.serial]), [['primary', 'nice-store-01', null], ['secondary', 'nice-store-02', 'BLS0009001']]);
        assert.notEqual(codes[0]!.code, codes[1]!.code);

        const stored = await database.prisma.site.findUniqueOrThrow({
          where: { id: created.body['id'] as string },
          include: { devices: true, wanLinks: { include: { device: true } }, lanSegments: { include: { department: true } }, hubs: true },
        });
        assert.deepEqual(stored.devices.map((d) => [d.role, d.platform, d.status]).sort(), [['primary', 'junos', 'planned'], ['secondary', 'junos', 'planned']]);
        assert.ok(stored.devices.every((d) => d.activationCodeHash && !codes.some((c) => c.code === d.activationCodeHash)), 'only hashes are kept');
        assert.deepEqual(stored.wanLinks.map((l) => [l.name, l.device?.role]).sort(), [['internet', 'secondary'], ['mpls', 'primary']]);
        assert.equal(stored.lanSegments[0]?.department?.name, 'Staff');
        assert.deepEqual(stored.hubs.map((h) => h.priority).sort(), ['primary', 'secondary']);
        assert.equal((await get(created.location!)).body['name'], 'Nice store');

        const again = await post('/api/v1/sites', { ...(await site()), devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: 'BLS0009001' }], wanLinks: [(await site()).wanLinks[0]] });
        assert.equal(again.status, 400);
        assert.deepEqual((again.body['errors'] as { path: string }[]).map((e) => e.path), ['name', 'devices.0.serial']);
      });
    });

    it('answers 400 with per-field errors for bad input, and changes nothing', async () => {
      const { status, body } = await get('/api/v1/sites?limit=0&status=flying');
      assert.equal(status, 400);
      const paths = (body['errors'] as { path: string }[]).map((e) => e.path).sort();
      assert.deepEqual(paths, ['limit', 'status']);
    });
  });

  describe('OpenAPI document', () => {
    it('describes every route the API serves, in OpenAPI 3.1', async () => {
      const { body } = await get('/api/v1/openapi.json');
      assert.equal(body['openapi'], '3.1.0');
      const paths = body['paths'] as Record<string, Record<string, { security?: unknown[] }>>;
      const mounted = new Set(api.routes.map((route) => '/api/v1' + route.path.replace(/:(\w+)/g, '{$1}')));
      assert.deepEqual(Object.keys(paths).sort(), [...mounted, '/api/v1/images/{sha256}'].sort());
      for (const route of api.routes) {
        const operation = paths['/api/v1' + route.path.replace(/:(\w+)/g, '{$1}')]![route.method]!;
        assert.equal(operation.security?.length === 0, route.access === 'public', `${route.method} ${route.path} documents how it is authenticated`);
      }
    });

    it('serves a page that renders it', async () => {
      const response = await fetch(`${api.url}/api/docs`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /openapi\.json/);
      assert.equal((await fetch(`${api.url}/api/docs/assets/swagger-ui-bundle.js`)).status, 200);
    });
  });

  describe('firmware images', () => {
    it('serves an image by its sha256, and 404 or 400 for what it does not hold', async () => {
      const bytes = Buffer.from('BRANCHLINE-SIM-IMAGE model=SRX-SIM-300 version=23.4R1\npayload');
      const { sha256, sizeBytes } = await images.add(bytes);
      assert.equal(sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(sizeBytes, bytes.length);
      const response = await fetch(`${api.url}/api/v1/images/${sha256}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('etag'), `"${sha256}"`);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
      assert.equal((await fetch(`${api.url}/api/v1/images/${'a'.repeat(64)}`)).status, 404);
      assert.equal((await fetch(`${api.url}/api/v1/images/not-a-checksum`)).status, 400);
    });

    it('is where a device downloads its firmware from', async () => {
      const image = Buffer.concat([Buffer.from('BRANCHLINE-SIM-IMAGE model=SRX-SIM-300 version=23.4R1\n'), Buffer.alloc(100_000, 1)]);
      const { sha256 } = await images.add(image);
      const fleet = await Fleet.start({ devices: 1, baseAddress: '127.41.0.1', snmpPort: 24161, netconfPort: 24830, controlPort: 0, models: ['SRX-SIM-300'], phoneHomeIntervalMs: 1000, rebootMs: 100 });
      const device = fleet.device('BLS0000001')!;
      const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: 'admin', password: device.identity.password });
      try {
        const path = `/var/tmp/${sha256}`;
        await session.rpc(`<file-copy><source>${api.url}/api/v1/images/${sha256}</source><destination>${path}</destination></file-copy>`);
        const checksum = await session.rpc(`<get-sha256-checksum-information><path>${path}</path></get-sha256-checksum-information>`);
        assert.equal(checksum.getElementsByTagName('checksum')[0]?.textContent, sha256);
        const reply = await session.rpc(`<request-package-add><package-name>${path}</package-name><no-copy/></request-package-add>`);
        assert.match(reply.toString(), /JUNOS 23\.4R1 will become active at next reboot/);
        assert.equal(device.pendingVersion, '23.4R1');
      } finally {
        await session.close();
        await fleet.stop();
      }
    });
  });

  describe('onboarding and zero-touch provisioning', () => {
    const post = async (path: string, body: unknown = {}) => {
      const response = await fetch(api.url + path, { method: 'POST', headers: { 'content-type': 'application/json', cookie: admin.cookie }, body: JSON.stringify(body) });
      return { status: response.status, type: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
    };
    const plannedSite = () => database.prisma.site.findFirstOrThrow({ where: { name: 'Porto store' }, include: { devices: true } });

    it('answers bad input with problem details and starts nothing', async () => {
      assert.equal((await post('/api/v1/sites/not-a-uuid/onboarding')).status, 400);
      assert.equal((await post(`/api/v1/sites/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/onboarding`)).status, 404);
      const site = await plannedSite();
      const badTicket = await post(`/api/v1/sites/${site.id}/onboarding`, { ticket: 'not a ticket!' });
      assert.equal(badTicket.status, 400);
      assert.deepEqual((badTicket.body['errors'] as { path: string }[]).map((e) => e.path), ['ticket']);
      assert.equal((await get(`/api/v1/sites/${site.id}/onboarding`)).status, 404, 'no run was started');
      assert.equal((await post(`/api/v1/sites/${site.id}/onboarding/retry`)).status, 404);
    });

    it('starts no second onboarding of a site a run left onboarding: only that run takes it up again (onboardingRunSiteStatuses)', async () => {
      const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
      const created = await post('/api/v1/sites', {
        tenantId: acme.id, name: 'Ghent kiosk', timezone: 'Europe/Brussels', topology: 'full_mesh',
        devices: [{ role: 'primary', model: 'SRX-SIM-300' }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 30 }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const siteId = created.body['id'] as string;
      // As a run that was terminated between marking the site and settling it leaves it.
      await database.prisma.site.update({ where: { id: siteId }, data: { status: 'onboarding' } });
      const refused = await post(`/api/v1/sites/${siteId}/onboarding`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body['detail'], 'Ghent kiosk is onboarding: only a planned or failed site can be onboarded.');
      assert.equal(refused.body['siteStatus'], 'onboarding');
      assert.equal((await get(`/api/v1/sites/${siteId}/onboarding`)).status, 404, 'no run was started');
    });

    it('refuses to decommission a site that was never onboarded', async () => {
      const site = await plannedSite();
      const refused = await post(`/api/v1/sites/${site.id}/decommission`);
      assert.equal(refused.status, 409);
      assert.match(String(refused.body['detail']), /Porto store is planned/);
      assert.equal(refused.body['status'], 409, 'the body says the status the answer has');
      assert.equal(refused.body['siteStatus'], 'planned');
    });

    it('refuses a phone-home without a valid body, a box nobody expects lands once among the unclaimed', async () => {
      const invalid = await post('/api/v1/ztp/phone-home', { serial: 'lower-case', model: 'X' });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.type, 'application/problem+json; charset=utf-8');
      const box = { serial: 'STRAY-0001', model: 'SRX-SIM-300', softwareVersion: '22.4R1', address: '127.99.0.1', hostKeySha256: 'A'.repeat(43) };
      for (let i = 0; i < 2; i++) assert.equal((await post('/api/v1/ztp/phone-home', box)).status, 403, 'refused as a wrong code is: a stranger learns nothing');
      const listed = await get('/api/v1/unclaimed-devices');
      assert.deepEqual((listed.body['items'] as { serial: string; attempts: number }[]).filter((d) => d.serial === 'STRAY-0001').map((d) => d.attempts), [2]);
    });

    it('assigns no box of another model than the device planned, not even one of a model Branchline does not know', async () => {
      const site = await plannedSite();
      for (const [serial, model] of [['STRAY-0004', 'SRX-SIM-300'], ['STRAY-0005', 'MX-SIM-960']] as const) {
        await post('/api/v1/ztp/phone-home', { serial, model, softwareVersion: '22.4R1', address: '127.99.0.4', hostKeySha256: 'E'.repeat(43) });
        const refused = await post(`/api/v1/unclaimed-devices/${serial}/assign`, { siteId: site.id });
        assert.equal(refused.status, 400);
        assert.deepEqual(refused.body['errors'], [{ path: 'siteId', message: `the box is a ${model}; that device is planned as a SRX-SIM-100` }]);
      }
    });

    it('refuses a box phoning home with the right code as another model, with an alarm', async () => {
      const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
      const created = await post('/api/v1/sites', {
        tenantId: acme.id, name: 'Nantes kiosk', timezone: 'Europe/Paris', topology: 'full_mesh',
        devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: 'STRAY-0006' }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 30 }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const [{ code }] = created.body['activationCodes'] as [{ code: string }];
      const refused = await post('/api/v1/ztp/phone-home', { serial: 'STRAY-0006', model: 'SRX-SIM-100', softwareVersion: '22.4R1', address: '127.99.0.6', hostKeySha256: 'F'.repeat(43), activationCode: code });
      assert.equal(refused.status, 403);
      assert.equal(refused.body['detail'], 'STRAY-0006 is a SRX-SIM-100; the site expects a SRX-SIM-300.');
      const alarms = await get(`/api/v1/alarms?siteId=${created.body['id'] as string}&state=active`);
      assert.deepEqual((alarms.body['items'] as { type: string }[]).map((a) => a.type), ['ztp.model-mismatch']);
    });

    it('admits an assigned box only with the host key it reported, and not before its site is onboarding', async () => {
      const site = await plannedSite();
      const box = { serial: 'STRAY-0002', model: site.devices[0]!.model, softwareVersion: '22.4R1', address: '127.99.0.2', hostKeySha256: 'B'.repeat(43) };
      await post('/api/v1/ztp/phone-home', box);
      assert.equal((await post('/api/v1/unclaimed-devices/STRAY-0002/assign', { siteId: site.id, role: 'secondary' })).status, 404, 'the site has no secondary device');
      const assigned = await post('/api/v1/unclaimed-devices/STRAY-0002/assign', { siteId: site.id });
      assert.equal(assigned.status, 200);
      const unclaimed = (await get('/api/v1/unclaimed-devices')).body['items'] as { serial: string }[];
      assert.ok(!unclaimed.some((d) => d.serial === 'STRAY-0002'), 'an assigned box is no longer unclaimed');
      const impostor = await post('/api/v1/ztp/phone-home', { ...box, hostKeySha256: 'C'.repeat(43) });
      assert.equal(impostor.status, 403);
      const alarms = await get(`/api/v1/alarms?siteId=${site.id}&state=active`);
      assert.deepEqual((alarms.body['items'] as { type: string; severity: string }[]).map((a) => [a.type, a.severity]), [['ztp.activation-refused', 'major']]);
      const early = await post('/api/v1/ztp/phone-home', box);
      assert.equal(early.status, 503, 'admitted, but nothing waits for it yet: the box calls again later');
      assert.equal(early.retryAfter, '30');
      const device = await database.prisma.device.findUniqueOrThrow({ where: { id: site.devices[0]!.id } });
      assert.deepEqual([device.serial, device.status, device.managementAddress], ['STRAY-0002', 'planned', null]);
    });
  });

  it('answers unknown API routes with 404 problem details, not the UI page', async () => {
    const { status, body } = await get('/api/v1/no-such-thing');
    assert.equal(status, 404);
    assert.match(String(body['detail']), /no-such-thing/);
  });
});
