// Bad input is the caller's error: a 4xx problem that names what to fix, and nothing changed —
// text PostgreSQL cannot hold, headers past their limits, numbers past a column's range, a
// cookie that does not decode, a method the path does not take. Against the real API on
// PostgreSQL and Temporal.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { connectTestClient, createTestDatabase, signInAs, testServices, type TestDatabase } from '../scripts/testing.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });

interface Answer {
  status: number;
  headers: Headers;
  type: string;
  body: Record<string, unknown> & { errors?: { path: string; message: string }[] };
}

describe('bad input', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectTestClient>>;
  let events: EventHub;
  let server: Server;
  let url: string;
  let admin: string;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    events = new EventHub(database.url, silent);
    admin = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: 'http://localhost:8233',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await events.close();
    await temporal.close();
    await database.drop();
  });

  /** Sends `body` as JSON text as it is, so it can carry what JSON.stringify would escape differently. */
  async function call(method: string, path: string, options: { cookie?: string | null; json?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const cookie = options.cookie === undefined ? admin : options.cookie;
    const response = await fetch(url + path, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(options.json === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      body: options.json,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, type: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) as Answer['body'] : {} };
  }

  const fieldsOf = (answer: Answer) => (answer.body.errors ?? []).map((error) => error.path);

  const plannedSite = async (name: string) => {
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    return {
      tenantId: acme.id, name, timezone: 'Europe/Paris', country: 'FR', topology: 'full_mesh',
      devices: [{ role: 'primary', model: 'SRX-SIM-300' }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
    };
  };

  describe('a NUL character', () => {
    it('in a phone-home is refused before the box is looked up, and it is not listed among the unclaimed', async () => {
      const box = { serial: 'NUL-0001', model: 'SRX-SIM-300', softwareVersion: '22.4R1', address: '127.99.1.1', hostKeySha256: 'N'.repeat(43) };
      const answer = await call('POST', '/api/v1/ztp/phone-home', { cookie: null, json: JSON.stringify(box).replace('"SRX-SIM-300"', '"SRX\\u0000SIM-300"') });
      assert.equal(answer.status, 400);
      assert.match(answer.type, /application\/problem\+json/);
      assert.deepEqual(fieldsOf(answer), ['model']);
      assert.match(answer.body.errors![0]!.message, /NUL/);
      assert.equal(await database.prisma.unclaimedDevice.count({ where: { serial: box.serial } }), 0);
    });

    it("in a site's fields is refused, naming each, and no site is stored", async () => {
      const site = { ...(await plannedSite('NUL store')), address: 'Rue\u0000 1' };
      const answer = await call('POST', '/api/v1/sites', { json: JSON.stringify(site).replace('"NUL store"', '"NUL\\u0000store"') });
      assert.equal(answer.status, 400);
      assert.deepEqual(fieldsOf(answer), ['name', 'address']);
      assert.equal(await database.prisma.site.count({ where: { name: { startsWith: 'NUL' } } }), 0);
    });

    it('in a query or a path is refused, naming the parameter', async () => {
      assert.deepEqual(fieldsOf(await call('GET', '/api/v1/sites?search=Lyon%00')), ['search']);
      assert.deepEqual(fieldsOf(await call('GET', '/api/v1/devices?search=%00')), ['search']);
      const run = await call('GET', '/api/v1/runs/site-onboard%00');
      assert.equal(run.status, 400);
      assert.deepEqual(fieldsOf(run), ['workflowId']);
    });
  });

  describe('a header past its limit', () => {
    it('an Idempotency-Key of 8 KB is refused before it is kept, and nothing is done', async () => {
      // Random, so PostgreSQL cannot compress it into its index: kept, it failed the insert.
      const key = randomBytes(6144).toString('base64url');
      const answer = await call('POST', '/api/v1/sites', { json: JSON.stringify(await plannedSite('Long key store')), headers: { 'idempotency-key': key } });
      assert.equal(answer.status, 400);
      assert.deepEqual(fieldsOf(answer), ['idempotency-key']);
      assert.equal(await database.prisma.site.count({ where: { name: 'Long key store' } }), 0);
      assert.equal(await database.prisma.idempotencyKey.count(), 0);
    });

    it('an Idempotency-Key of 200 characters is still kept', async () => {
      const answer = await call('POST', '/api/v1/sites', { json: JSON.stringify(await plannedSite('Key store')), headers: { 'idempotency-key': 'k'.repeat(200) } });
      assert.equal(answer.status, 201);
      assert.equal(await database.prisma.idempotencyKey.count(), 1);
    });
  });

  it('a session cookie that does not decode is no session: 401, before anything is signed in', async () => {
    for (const value of ['%', '%E0%A4%A']) {
      const answer = await call('GET', '/api/v1/session', { cookie: `branchline_session=${value}` });
      assert.equal(answer.status, 401);
      assert.equal(answer.body['status'], 401);
      const change = await call('POST', '/api/v1/sites', { cookie: `branchline_session=${value}`, json: JSON.stringify(await plannedSite('Cookie store')) });
      assert.equal(change.status, 401);
    }
    assert.equal(await database.prisma.site.count({ where: { name: 'Cookie store' } }), 0);
  });

  it("a campaign's phase past any phase there is (2³¹ and beyond) is refused", async () => {
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const image = await database.prisma.firmwareImage.create({ data: { model: 'SRX-SIM-300', version: '99.1R1', sha256: 'b'.repeat(64), sizeBytes: 1, fileName: 'x.img' } });
    const campaign = await database.prisma.upgradeCampaign.create({ data: { tenantId: acme.id, name: 'Phases', imageId: image.id, filter: {} } });
    for (const phase of [2 ** 31, 2 ** 53, 10]) {
      const answer = await call('GET', `/api/v1/upgrade-campaigns/${campaign.id}/devices?phase=${phase}`);
      assert.equal(answer.status, 400, `phase ${phase}`);
      assert.deepEqual([...new Set(fieldsOf(answer))], ['phase']);
    }
    assert.equal((await call('GET', `/api/v1/upgrade-campaigns/${campaign.id}/devices?phase=9`)).status, 200);
  });

  it('a version number past what the database holds (2³¹ and beyond) is refused, naming it, and starts nothing', async () => {
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const device = await database.prisma.device.findFirstOrThrow({ where: { site: { tenantId: acme.id } } });
    const deploymentsBefore = await database.prisma.policyDeployment.count();
    for (const version of [2 ** 31, 405_723_351_863]) {
      const rollback = await call('POST', `/api/v1/tenants/${acme.id}/policy-rollback`, { json: JSON.stringify({ version }) });
      assert.equal(rollback.status, 400, `rollback to ${version}: ${JSON.stringify(rollback.body)}`);
      assert.deepEqual(fieldsOf(rollback), ['version']);
      for (const [path, field] of [[`/api/v1/devices/${device.id}/config-versions/${version}`, 'version'], [`/api/v1/tenants/${acme.id}/policy-versions/compare?from=${version}`, 'from']] as const) {
        const answer = await call('GET', path);
        assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
        assert.deepEqual(fieldsOf(answer), [field], path);
      }
    }
    assert.equal(await database.prisma.policyDeployment.count(), deploymentsBefore);
  });

  describe('a method the path does not take', () => {
    it('answers 405 with the methods it does take in Allow', async () => {
      const sites = await call('PUT', '/api/v1/sites');
      assert.equal(sites.status, 405);
      assert.equal(sites.headers.get('allow'), 'GET, HEAD, POST');
      assert.equal(sites.body['status'], 405);
      assert.match(String(sites.body['detail']), /PUT/);
      const site = await call('DELETE', '/api/v1/sites/00000000-0000-7000-8000-000000000000');
      assert.equal(site.status, 405);
      assert.equal(site.headers.get('allow'), 'GET, HEAD, PATCH');
      assert.equal((await call('POST', '/api/v1/runs')).headers.get('allow'), 'GET, HEAD');
    });

    it('and a path the API does not have still answers 404', async () => {
      const answer = await call('PUT', '/api/v1/sites/00000000-0000-7000-8000-000000000000/colour');
      assert.equal(answer.status, 404);
      assert.equal(answer.headers.get('allow'), null);
    });
  });

  it('a date-time with a UTC offset is taken as the instant it names', async () => {
    await database.prisma.auditEntry.create({ data: { at: new Date('2026-01-01T12:00:00Z'), actorType: 'system', action: 'test.offset', objectType: 'site' } });
    const since = async (at: string) => {
      const answer = await call('GET', `/api/v1/audit?action=test.offset&since=${encodeURIComponent(at)}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return (answer.body['items'] as unknown[]).length;
    };
    assert.equal(await since('2026-01-01T12:30:00+01:00'), 1, '11:30 UTC is before the entry');
    assert.equal(await since('2026-01-01T13:30:00+01:00'), 0, '12:30 UTC is after it');
    assert.equal(await since('2026-01-01T11:59:00Z'), 1);
    assert.equal((await call('GET', `/api/v1/runs?before=${encodeURIComponent('2026-01-01T12:00:00-05:00')}`)).status, 200);
  });

  it('a date-time outside the years a timestamp holds (the year 0, by its offset) is refused, naming the parameter', async () => {
    const yearZero = encodeURIComponent('0001-01-01T00:00:14+20:19');
    for (const path of [`/api/v1/link-switches?since=${yearZero}`, `/api/v1/audit?since=${yearZero}`, `/api/v1/runs?before=${yearZero}`]) {
      const answer = await call('GET', path);
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.body.errors?.[0]?.message ?? '', /from 1970 to 9999/, path);
    }
  });
});
