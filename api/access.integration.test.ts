// Who may do what: tenant isolation on every route that takes an id (people, serials and
// unclaimed boxes included), read-only operators, sign-in and its throttling, tokens, rate limits
// per network, headers of answers, idempotency keys, ETags and the audit log. Against the real
// API on PostgreSQL and Temporal (no worker: nothing here must start any work).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { apiTokenFor, connectTestClient, createTestDatabase, signInAs, testServices, testWebhookDestinations, type TestDatabase } from '../scripts/testing.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import { rmaWorkflowId } from '../workflows/rma.messages.ts';
import { hashPassword } from './access/passwords.ts';
import { newApiToken } from './access/secrets.ts';
import { createApp, type AppDependencies } from './app.ts';
import { EventHub } from './event-hub.ts';
import type { ApiDefinition } from './openapi.ts';
import { activationCodeHash } from './site-inventory.ts';

const silent = pino({ level: 'silent' });

interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

async function listen(deps: AppDependencies) {
  const app = createApp(deps);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    routes: app.api.routes as ApiDefinition['routes'],
    async call<T = Record<string, unknown>>(method: string, path: string, options: { auth?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
      const auth: Record<string, string> = options.auth?.startsWith('bl_') ? { authorization: `Bearer ${options.auth}` } : options.auth ? { cookie: options.auth } : {};
      const response = await fetch(url + path, {
        method,
        headers: { ...auth, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = response.headers.get('content-type')?.includes('event-stream') ? '' : await response.text();
      if (!text) await response.body?.cancel();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A POST sent from one of this machine's other loopback addresses (all of 127/8 answers on Linux). */
function postFrom(localAddress: string, url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const sent = request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end(text);
  });
}

describe('access', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let api: Awaited<ReturnType<typeof listen>>;
  let events: EventHub;
  let deps: AppDependencies;
  /** Tenant A (Acme) owns the objects; B (Globex) is the other tenant. */
  const a = {} as { tenantId: string; siteId: string; hubId: string; deviceId: string; model: string; campaignId: string; tokenId: string; subscriptionId: string; integrationId: string; userId: string; workflowId: string; serial: string; profileId: string; slaProfileId: string; slaPolicyId: string; linkId: string; version: string; deploymentId: string; vnfPackageId: string; vnfInstanceId: string; networkServiceTemplateId: string; networkServiceId: string; networkServiceCampaignId: string };
  let spAdmin: string;
  let otherTenantAdmin: string;
  let operator: string;
  let tenantAdmin: string;
  let roleId: string;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    events = new EventHub(database.url, silent);
    deps = {
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent,
      temporalUiUrl: 'http://localhost:8233', images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events,
      rateLimit: { perSecond: 10_000, burst: 10_000 }, webhookDestinations: testWebhookDestinations(), secretsKey: randomBytes(32),
    };
    api = await listen(deps);
    const prisma = database.prisma;
    const acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const globex = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } });
    spAdmin = (await signInAs(prisma, { role: 'SP admin' })).cookie;
    otherTenantAdmin = await apiTokenFor(prisma, { tenantId: globex.id, role: 'Tenant admin' });
    operator = await apiTokenFor(prisma, { tenantId: acme.id, role: 'Tenant operator' });
    tenantAdmin = await apiTokenFor(prisma, { tenantId: acme.id, role: 'Tenant admin' });
    roleId = (await prisma.role.findUniqueOrThrow({ where: { name: 'Tenant operator' } })).id;

    a.tenantId = acme.id;
    a.siteId = (await prisma.site.findFirstOrThrow({ where: { tenantId: acme.id, name: 'Lyon store' } })).id;
    a.hubId = (await prisma.site.findFirstOrThrow({ where: { tenantId: acme.id, role: 'hub' } })).id;
    const device = await prisma.device.findFirstOrThrow({ where: { siteId: a.siteId } });
    a.deviceId = device.id;
    a.linkId = (await prisma.wanLink.findFirstOrThrow({ where: { siteId: a.siteId } })).id;
    a.model = device.model;
    const image = await prisma.firmwareImage.create({ data: { model: device.model, version: '99.1R1', sha256: 'c'.repeat(64), sizeBytes: 100, fileName: 'x.img' } });
    a.campaignId = (await prisma.upgradeCampaign.create({ data: { tenantId: acme.id, name: 'Spring upgrade', imageId: image.id, filter: {} } })).id;
    a.tokenId = (await prisma.apiToken.findFirstOrThrow({ where: { tenantId: acme.id } })).id;
    const subscription = await api.call<{ id: string }>('POST', '/api/v1/webhook-subscriptions', { auth: spAdmin, body: { tenantId: acme.id, url: 'http://127.0.0.1:9/hook', events: ['site.*'] } });
    a.subscriptionId = subscription.body.id;
    const integration = await api.call<{ id: string }>('POST', '/api/v1/itsm-integrations', { auth: spAdmin, body: { tenantId: acme.id, name: 'ServiceNow' } });
    a.integrationId = integration.body.id;
    const profile = await api.call<{ id: string }>('POST', '/api/v1/credential-profiles', {
      auth: spAdmin, body: { tenantId: acme.id, name: 'Staging', netconf: { username: 'netops', password: 'staging-password' }, snmp: { version: 'v2c', community: 'acme' } },
    });
    a.profileId = profile.body.id;
    a.slaProfileId = (await prisma.slaProfile.findFirstOrThrow({ where: { tenantId: acme.id } })).id;
    a.slaPolicyId = (await prisma.appSlaPolicy.findFirstOrThrow({ where: { tenantId: acme.id } })).id;
    a.userId = (await signInAs(prisma, { role: 'Tenant operator', tenantId: acme.id })).userId;
    a.workflowId = onboardingWorkflowId(a.siteId);
    await prisma.runSummary.create({ data: { workflowId: a.workflowId, kind: 'site_onboarding', tenantId: acme.id, siteId: a.siteId } });
    a.version = String((await prisma.configVersion.create({ data: { deviceId: device.id, version: 1, source: 'onboarding', content: '<configuration/>', sha256: 'e'.repeat(64) } })).version);
    a.deploymentId = (await prisma.policyDeployment.create({ data: { tenantId: acme.id, version: 1, intent: {}, status: 'completed' } })).id;
    const vnfPackage = await prisma.vnfPackage.create({ data: { name: 'vSRX', vendor: 'Juniper', version: '23.2R1', type: 'firewall', descriptor: {} } });
    a.vnfPackageId = vnfPackage.id;
    a.vnfInstanceId = (await prisma.vnfInstance.create({
      data: { tenantId: acme.id, siteId: a.siteId, deviceId: device.id, packageId: vnfPackage.id, name: 'vsrx-1', flavour: 'small', reservedVcpus: 1, reservedMemoryMiB: 1024, reservedDiskGiB: 4 },
    })).id;
    a.networkServiceTemplateId = (await prisma.networkService.create({
      data: { tenantId: acme.id, name: 'secure-edge', functions: { create: [{ position: 0, packageId: vnfPackage.id, flavour: 'small', leftInterface: 'eth2', rightInterface: 'eth3' }] } },
    })).id;
    a.networkServiceId = (await prisma.networkServiceInstance.create({
      data: { tenantId: acme.id, siteId: a.siteId, deviceId: device.id, serviceId: a.networkServiceTemplateId, name: 'secure-edge-1', vlanBase: 3000 },
    })).id;
    a.networkServiceCampaignId = (await prisma.networkServiceCampaign.create({
      data: { tenantId: acme.id, fromTemplateId: a.networkServiceTemplateId, toTemplateId: a.networkServiceTemplateId, position: 0, packageId: a.vnfPackageId },
    })).id;
    a.serial = 'UNCLAIMED-0001';
    await prisma.unclaimedDevice.create({ data: { serial: a.serial, model: 'SRX-SIM-300', hostKeySha256: 'f'.repeat(64) } });
  });

  after(async () => {
    await api.close();
    await events.close();
    await temporal.close();
    await database.drop();
  });

  /** Queries a route requires, so what answers is the access check and not the schema. */
  const queries: Record<string, string> = { '/tenants/:tenantId/policy-versions/compare': '?from=1', '/devices/:deviceId/config-versions/diff': '?from=1&to=1' };
  /** A path with every :param filled from tenant A's objects; unknown params fail the test. */
  const pathOf = (route: { path: string; params: string[] }) => route.path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = { ...a, roleId }[name as keyof typeof a];
    assert.ok(value, `the isolation test knows an object of tenant A for :${name} (${route.path})`);
    return encodeURIComponent(value);
  }) + (queries[route.path] ?? '');

  /** Bodies that pass validation, so what answers is the access check and not the schema. */
  const bodies: Record<string, unknown> = {
    'post /unclaimed-devices/:serial/assign': () => ({ siteId: a.siteId }),
    'put /tenants/:tenantId/target-images/:model': () => ({ imageId: '00000000-0000-7000-8000-000000000000' }),
    'post /devices/:deviceId/rma': () => ({ newSerial: 'BLS7777777' }),
    'put /devices/:deviceId/credential-profile': () => ({ profileId: a.profileId }),
    'put /sites/:siteId/app-sla-policies': () => ({ policyIds: [] }),
    'post /tenants/:tenantId/policy-rollback': () => ({ version: 1 }),
    'post /sites/:siteId/vnf-instances': () => ({ packageId: a.vnfPackageId, flavour: 'small' }),
    'post /vnf-instances/:vnfInstanceId/scale': () => ({ flavour: 'small' }),
    'post /vnf-instances/:vnfInstanceId/change-package': () => ({ packageId: a.vnfPackageId }),
    'post /sites/:siteId/network-services': () => ({ templateId: a.networkServiceTemplateId }),
    'post /sites/:siteId/network-services/check': () => ({ templateId: a.networkServiceTemplateId }),
    'post /network-service-templates/:networkServiceTemplateId/versions': () => ({ functions: [{ packageId: a.vnfPackageId, flavour: 'small' }] }),
    'post /network-service-templates/:networkServiceTemplateId/campaigns': () => ({ position: 0, packageId: a.vnfPackageId }),
    'post /itsm/:integrationId/change-requests': () => ({ number: 'CHG0000001', short_description: 'x', operation: 'site.onboard', parameters: { siteId: a.siteId } }),
  };
  const bodyOf = (route: { method: string; path: string }) => {
    const body = bodies[`${route.method} ${route.path}`];
    return typeof body === 'function' ? (body as () => unknown)() : route.method === 'get' || route.method === 'delete' ? undefined : {};
  };

  /** What must not have moved: the audit log, tenant A's objects, and Temporal. */
  async function snapshot() {
    const prisma = database.prisma;
    return {
      audit: await prisma.auditEntry.count(),
      site: await prisma.site.findUniqueOrThrow({ where: { id: a.siteId } }),
      token: await prisma.apiToken.findUniqueOrThrow({ where: { id: a.tokenId } }),
      subscription: await prisma.webhookSubscription.findUniqueOrThrow({ where: { id: a.subscriptionId } }),
      integration: await prisma.itsmIntegration.findUniqueOrThrow({ where: { id: a.integrationId } }),
      user: await prisma.user.findUniqueOrThrow({ where: { id: a.userId } }),
      unclaimed: await prisma.unclaimedDevice.count(),
      onboarding: await temporal.client.workflow.getHandle(a.workflowId).describe().then(() => 'exists', () => 'none'),
    };
  }

  describe('another tenant', () => {
    it("gets 404 (or 403) on every route that takes an id of tenant A's, and changes nothing", async () => {
      const withIds = api.routes.filter((route) => route.params.length > 0);
      assert.ok(withIds.length >= 20, `${withIds.length} routes take an id`);
      const before = await snapshot();
      for (const route of withIds) {
        const answer = await api.call(route.method.toUpperCase(), `/api/v1${pathOf(route)}`, { auth: otherTenantAdmin, body: bodyOf(route) });
        const where = `${route.method.toUpperCase()} ${route.path}`;
        if (typeof route.access === 'object' && 'verify' in route.access) {
          // ITSM requests prove themselves with a signature, never a token.
          assert.equal(answer.status, 401, where);
        } else if ((route.path.startsWith('/roles/') || route.path.startsWith('/vnf-packages/')) && route.method === 'get') {
          // Roles and the VNF catalogue are shared, the same for every tenant: anyone signed in reads them.
          assert.equal(answer.status, 200, where);
        } else {
          assert.ok([403, 404].includes(answer.status), `${where} answered ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('sees none of tenant A in lists, even when it asks for tenant A by id', async () => {
      for (const path of ['/sites', '/devices', '/runs', '/alarms', '/api-tokens', '/webhook-subscriptions', '/itsm-integrations', '/itsm-change-requests', '/audit']) {
        const answer = await api.call<{ items: { tenantId?: string }[] }>('GET', `/api/v1${path}?tenantId=${a.tenantId}`, { auth: otherTenantAdmin });
        assert.equal(answer.status, 200, path);
        assert.deepEqual(answer.body.items, [], path);
      }
      // Filtered by one of tenant A's sites or devices, too (the site and device pages ask so).
      for (const path of [`/runs?siteId=${a.siteId}`, `/runs?deviceId=${a.deviceId}`, `/alarms?siteId=${a.siteId}`, `/alarms?deviceId=${a.deviceId}`, `/devices?siteId=${a.siteId}`]) {
        const answer = await api.call<{ items: unknown[] }>('GET', `/api/v1${path}`, { auth: otherTenantAdmin });
        assert.deepEqual([answer.status, answer.body.items], [200, []], path);
      }
      const tenants = await api.call<{ items: { id: string }[] }>('GET', '/api/v1/tenants', { auth: otherTenantAdmin });
      assert.deepEqual(tenants.body.items.map((t) => t.id).includes(a.tenantId), false);
    });

    it("sees only its own bindings of a person bound in both tenants, and gets 404 asking for tenant A's people", async () => {
      const prisma = database.prisma;
      const [admin, operatorRole] = await Promise.all(['Tenant admin', 'Tenant operator'].map((name) => prisma.role.findUniqueOrThrow({ where: { name } })));
      const globex = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } });
      const both = await prisma.user.create({
        data: {
          email: 'contractor@example.com', displayName: 'Contractor', passwordHash: 'not-a-password',
          roleBindings: { create: [{ roleId: admin!.id, tenantId: a.tenantId }, { roleId: operatorRole!.id, tenantId: globex.id }] },
        },
      });
      type Person = { id: string; bindings: { tenantId: string | null; role: string }[] };
      const listed = await api.call<{ items: Person[] }>('GET', '/api/v1/users', { auth: otherTenantAdmin });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.items.find((u) => u.id === both.id)?.bindings.map((b) => [b.tenantId, b.role]), [[globex.id, 'Tenant operator']]);
      assert.ok(listed.body.items.every((u) => u.bindings.every((b) => b.tenantId === globex.id)), 'no binding of tenant A, nor a global one');
      const one = await api.call<Person>('GET', `/api/v1/users/${both.id}`, { auth: otherTenantAdmin });
      assert.deepEqual(one.body.bindings.map((b) => [b.tenantId, b.role]), [[globex.id, 'Tenant operator']]);
      const theirs = await api.call('GET', `/api/v1/users?tenantId=${a.tenantId}`, { auth: otherTenantAdmin });
      assert.equal(theirs.status, 404);
      const everyone = await api.call<Person>('GET', `/api/v1/users/${both.id}`, { auth: spAdmin });
      assert.equal(everyone.body.bindings.length, 2, 'an SP admin sees every binding');
    });

    it('cannot create anything in tenant A', async () => {
      const before = await snapshot();
      const attempts = [
        ['/sites/validate', { tenantId: a.tenantId, name: 'x', timezone: 'UTC', devices: [{ role: 'primary', model: 'SRX-SIM-300' }], wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 10, monthlyCost: 1 }], topology: 'full_mesh' }],
        ['/api-tokens', { name: 'x', tenantId: a.tenantId, roleId }],
        ['/webhook-subscriptions', { tenantId: a.tenantId, url: 'http://127.0.0.1:9/', events: ['*'] }],
        ['/itsm-integrations', { tenantId: a.tenantId, name: 'x' }],
        ['/users', { email: 'x@example.com', displayName: 'x', password: 'long enough password', bindings: [{ roleId, tenantId: a.tenantId }] }],
      ] as const;
      for (const [path, body] of attempts) {
        const answer = await api.call('POST', `/api/v1${path}`, { auth: otherTenantAdmin, body });
        assert.ok([403, 404].includes(answer.status), `${path} answered ${answer.status}`);
      }
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe("another tenant's serials", () => {
    /** Globex's own device in service, at an active site: replaceable. */
    const b = {} as { tenantId: string; siteId: string; deviceId: string; serial: string };
    /** Serials of tenant A's devices in service, one for each test. */
    const theirs = 'BLSACME0001';
    const theirsToo = 'BLSACME0004';

    before(async () => {
      const prisma = database.prisma;
      const munich = await prisma.site.findFirstOrThrow({ where: { tenantId: a.tenantId, name: 'Munich store' }, include: { devices: true } });
      await prisma.device.update({ where: { id: munich.devices[0]!.id }, data: { serial: theirs, status: 'online' } });
      await prisma.device.create({ data: { siteId: munich.id, role: 'secondary', hostname: 'munich-store-02', model: 'SRX-SIM-300', platform: 'junos', serial: theirsToo, status: 'online' } });
      const rotterdam = await prisma.site.findFirstOrThrow({ where: { tenant: { slug: 'globex-logistics' }, name: 'Rotterdam depot' }, include: { devices: true } });
      await prisma.site.update({ where: { id: rotterdam.id }, data: { status: 'active' } });
      await prisma.device.update({ where: { id: rotterdam.devices[0]!.id }, data: { serial: 'BLSGLOBEX01', status: 'online' } });
      Object.assign(b, { tenantId: rotterdam.tenantId, siteId: rotterdam.id, deviceId: rotterdam.devices[0]!.id, serial: 'BLSGLOBEX01' });
    });

    const site = (name: string, serial: string) => ({
      tenantId: b.tenantId, name, timezone: 'UTC', topology: 'full_mesh', devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 10, monthlyCost: 1 }],
    });

    it("validating and storing a site: tenant A's serial is answered as an unknown one, its own as taken", async () => {
      const unknown = await api.call('POST', '/api/v1/sites/validate', { auth: otherTenantAdmin, body: site('Ghent depot', 'BLSNOBODY01') });
      const foreign = await api.call('POST', '/api/v1/sites/validate', { auth: otherTenantAdmin, body: site('Ghent depot', theirs) });
      assert.deepEqual([foreign.status, foreign.body], [unknown.status, unknown.body]);
      assert.equal(foreign.status, 200);
      const own = await api.call<{ errors: { path: string; message: string }[] }>('POST', '/api/v1/sites/validate', { auth: otherTenantAdmin, body: site('Ghent depot', b.serial) });
      assert.deepEqual(own.body.errors, [{ path: 'devices.0.serial', message: 'another device already has this serial' }]);

      const stored = await api.call<{ activationCodes: { serial: string }[] }>('POST', '/api/v1/sites', { auth: otherTenantAdmin, body: site('Ghent depot', theirs) });
      assert.equal(stored.status, 201, JSON.stringify(stored.body));
      assert.equal(stored.headers.get('cache-control'), 'no-store', 'activation codes are kept by no cache');
      assert.deepEqual(stored.body.activationCodes.map((c) => c.serial), [theirs]);
      assert.equal(await database.prisma.device.count({ where: { serial: theirs } }), 2, "tenant A's device keeps its serial; Globex's planned one names it too");
    });

    it("replacing a device: tenant A's serial is answered as an unknown one, its own as taken", async () => {
      const unknown = await api.call('POST', `/api/v1/devices/${b.deviceId}/rma`, { auth: otherTenantAdmin, body: { newSerial: 'BLSNOBODY03' } });
      assert.equal(unknown.status, 202, 'an unknown serial starts the replacement');
      await temporal.client.workflow.getHandle(rmaWorkflowId(b.deviceId)).terminate('test over');
      const foreign = await api.call<{ activationCode: string }>('POST', `/api/v1/devices/${b.deviceId}/rma`, { auth: otherTenantAdmin, body: { newSerial: theirsToo } });
      assert.equal(foreign.status, 202, JSON.stringify(foreign.body));
      assert.equal(foreign.headers.get('cache-control'), 'no-store', 'the activation code is kept by no cache');
      await temporal.client.workflow.getHandle(rmaWorkflowId(b.deviceId)).terminate('test over');
      const antwerp = await database.prisma.device.findFirstOrThrow({ where: { site: { name: 'Antwerp depot' } } });
      await database.prisma.device.update({ where: { id: antwerp.id }, data: { serial: 'BLSGLOBEX02' } });
      const taken = await api.call<{ errors: { path: string; message: string }[] }>('POST', `/api/v1/devices/${b.deviceId}/rma`, { auth: otherTenantAdmin, body: { newSerial: 'BLSGLOBEX02' } });
      assert.deepEqual(taken.body.errors, [{ path: 'newSerial', message: 'belongs to another device already' }]);
      await database.prisma.device.update({ where: { id: antwerp.id }, data: { serial: null } });
    });
  });

  describe('zero-touch provisioning', () => {
    const box = { model: 'SRX-SIM-4600', softwareVersion: '22.4R1', address: '192.0.2.10', hostKeySha256: 'e'.repeat(64) };

    it('answers an unknown serial, a wrong code and a box in service alike; the stranger is listed, the wrong code raises an alarm', async () => {
      const prisma = database.prisma;
      const [amsterdam, frankfurt] = await Promise.all(['Amsterdam hub', 'Frankfurt hub'].map((name) => prisma.device.findFirstOrThrow({ where: { site: { name } } })));
      await prisma.device.update({ where: { id: amsterdam!.id }, data: { serial: 'BLSACME0002', activationCodeHash: activationCodeHash('the right code') } });
      await prisma.device.update({ where: { id: frankfurt!.id }, data: { serial: 'BLSACME0003', status: 'online', activationCodeHash: activationCodeHash('its old code') } });
      const phoneHome = (serial: string, activationCode: string) => api.call<Record<string, string>>('POST', '/api/v1/ztp/phone-home', { body: { ...box, serial, activationCode } });
      const answers = [await phoneHome('BLSNOBODY02', 'any code'), await phoneHome('BLSACME0002', 'a wrong code'), await phoneHome('BLSACME0003', 'its old code')];
      const shape = (answer: Answer<Record<string, string>>) => [answer.status, answer.body['type'], answer.body['title'], answer.body['detail']?.replace(/BLS\w+/, 'SERIAL')];
      assert.deepEqual(answers.map(shape), answers.map(() => shape(answers[0]!)));
      assert.equal(answers[0]!.status, 403);

      const unclaimed = await api.call<{ items: { serial: string }[] }>('GET', '/api/v1/unclaimed-devices', { auth: spAdmin });
      assert.ok(unclaimed.body.items.some((d) => d.serial === 'BLSNOBODY02'), 'the stranger waits among the unclaimed');
      assert.ok(!unclaimed.body.items.some((d) => d.serial.startsWith('BLSACME')), 'a known serial is not unclaimed');
      assert.equal(await prisma.alarm.count({ where: { deviceId: amsterdam!.id, type: 'ztp.activation-refused' } }), 1);
      for (const device of [amsterdam!, frankfurt!]) await prisma.device.update({ where: { id: device.id }, data: { serial: null, status: 'planned', activationCodeHash: null } });
    });
  });

  describe('unclaimed boxes', () => {
    it('are seen and claimed by SP admins, by the tenant whose activation code a box presented or whose site expects its serial, and by nobody else', async () => {
      const prisma = database.prisma;
      const porto = await prisma.site.findFirstOrThrow({ where: { tenantId: a.tenantId, name: 'Porto store' }, include: { devices: true } });
      await prisma.device.update({ where: { id: porto.devices[0]!.id }, data: { activationCodeHash: activationCodeHash('porto code') } });
      const antwerp = await prisma.site.findFirstOrThrow({ where: { tenant: { slug: 'globex-logistics' }, name: 'Antwerp depot' }, include: { devices: true } });
      const phoneHome = (serial: string, model: string, activationCode?: string) => api.call('POST', '/api/v1/ztp/phone-home', {
        body: { serial, model, softwareVersion: '22.4R1', address: '192.0.2.11', hostKeySha256: 'd'.repeat(64), ...(activationCode ? { activationCode } : {}) },
      });
      assert.equal((await phoneHome('BOX-STRAY-1', 'SRX-SIM-4600')).status, 403);
      assert.equal((await phoneHome('BOX-FOR-ACME', 'SRX-SIM-100', 'porto code')).status, 403, 'its serial is not the one Porto expects');
      assert.equal((await phoneHome('BOX-FOR-GLOBEX', 'SRX-SIM-300')).status, 403);
      // Globex plans its box by the serial on its label, after the box phoned home.
      await prisma.device.update({ where: { id: antwerp.devices[0]!.id }, data: { serial: 'BOX-FOR-GLOBEX' } });

      const seenBy = async (auth: string) =>
        (await api.call<{ items: { serial: string; deviceId: string | null }[] }>('GET', '/api/v1/unclaimed-devices', { auth })).body.items.filter((d) => d.serial.startsWith('BOX-'));
      const serials = async (auth: string) => (await seenBy(auth)).map((d) => d.serial).sort();
      assert.deepEqual(await serials(spAdmin), ['BOX-FOR-ACME', 'BOX-FOR-GLOBEX', 'BOX-STRAY-1']);
      assert.deepEqual(await serials(tenantAdmin), ['BOX-FOR-ACME']);
      assert.deepEqual((await seenBy(tenantAdmin)).map((d) => d.deviceId), [porto.devices[0]!.id], 'the device whose code it presented');
      assert.deepEqual(await serials(operator), ['BOX-FOR-ACME']);
      assert.deepEqual(await serials(otherTenantAdmin), ['BOX-FOR-GLOBEX']);
      assert.ok(!(await api.call<{ items: { serial: string }[] }>('GET', '/api/v1/unclaimed-devices', { auth: tenantAdmin })).body.items.some((d) => d.serial === a.serial));

      const assign = (auth: string, serial: string, siteId: string) => api.call('POST', `/api/v1/unclaimed-devices/${serial}/assign`, { auth, body: { siteId } });
      assert.equal((await assign(tenantAdmin, 'BOX-STRAY-1', porto.id)).status, 404);
      assert.equal((await assign(tenantAdmin, 'BOX-FOR-GLOBEX', porto.id)).status, 404);
      assert.equal((await assign(otherTenantAdmin, 'BOX-FOR-ACME', antwerp.id)).status, 404);
      assert.equal((await assign(otherTenantAdmin, 'BOX-FOR-GLOBEX', antwerp.id)).status, 200);
      assert.equal((await assign(tenantAdmin, 'BOX-FOR-ACME', porto.id)).status, 200);
      assert.equal((await prisma.device.findUniqueOrThrow({ where: { id: porto.devices[0]!.id } })).serial, 'BOX-FOR-ACME');
      assert.equal((await assign(spAdmin, 'BOX-STRAY-1', a.hubId)).status, 200, 'an SP admin assigns any box');
    });
  });

  describe('a read-only operator', () => {
    it('reads its tenant', async () => {
      assert.equal((await api.call('GET', `/api/v1/sites/${a.siteId}`, { auth: operator })).status, 200);
      const sites = await api.call<{ items: { tenantId: string }[] }>('GET', '/api/v1/sites', { auth: operator });
      assert.ok(sites.body.items.length > 0);
      assert.ok(sites.body.items.every((site) => site.tenantId === a.tenantId));
    });

    it('gets 403 on every route that starts or changes anything, and nothing changes', async () => {
      const changing = api.routes.filter((route) => route.method !== 'get' && route.access !== 'public' && route.access !== 'signed-in' && !('verify' in (route.access as object)));
      assert.ok(changing.length >= 15, `${changing.length} routes change something`);
      const before = await snapshot();
      for (const route of changing) {
        const answer = await api.call(route.method.toUpperCase(), `/api/v1${pathOf(route)}`, { auth: operator, body: bodyOf(route) });
        assert.equal(answer.status, 403, `${route.method.toUpperCase()} ${route.path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('signing in', () => {
    const email = 'ops@acme.example';
    const password = 'correct horse battery staple';

    before(async () => {
      const role = await database.prisma.role.findUniqueOrThrow({ where: { name: 'Tenant admin' } });
      await database.prisma.user.create({
        data: { email, displayName: 'Ops', passwordHash: await hashPassword(password), roleBindings: { create: { roleId: role.id, tenantId: a.tenantId } } },
      });
    });

    it('opens a session held in an HttpOnly cookie, which ends on sign-out', async () => {
      const signedIn = await api.call<{ user: { email: string }; grants: { role: string; tenantId: string }[] }>('POST', '/api/v1/session', { body: { email: 'OPS@acme.example', password } });
      assert.equal(signedIn.status, 201);
      assert.equal(signedIn.body.user.email, email);
      assert.deepEqual(signedIn.body.grants.map((g) => [g.role, g.tenantId]), [['Tenant admin', a.tenantId]]);
      const cookie = signedIn.headers.get('set-cookie') ?? '';
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Strict/i);
      const session = cookie.split(';')[0]!;
      assert.equal((await api.call('GET', '/api/v1/session', { auth: session })).status, 200);
      assert.equal((await api.call('GET', `/api/v1/sites/${a.siteId}`, { auth: session })).status, 200);
      // A change carrying the cookie from another site's page is refused.
      const forged = await api.call('PATCH', `/api/v1/sites/${a.siteId}`, { auth: session, body: {}, headers: { origin: 'https://evil.example' } });
      assert.equal(forged.status, 403);
      assert.equal((await api.call('DELETE', '/api/v1/session', { auth: session })).status, 204);
      assert.equal((await api.call('GET', '/api/v1/session', { auth: session })).status, 401);
    });

    it('refuses a wrong password, and after five failures makes the account wait (429, Retry-After)', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const refused = await api.call('POST', '/api/v1/session', { body: { email, password: 'wrong' } });
        assert.equal(refused.status, 401);
      }
      const throttled = await api.call('POST', '/api/v1/session', { body: { email, password } });
      assert.equal(throttled.status, 429);
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    });

    it("a stranger's five wrong passwords make only the stranger's network wait: the person signs in from elsewhere", async () => {
      const proxied = await listen({ ...deps, trustProxy: ['loopback'] });
      try {
        const from = (address: string, attempt: string) =>
          proxied.call('POST', '/api/v1/session', { body: { email, password: attempt }, headers: { 'x-forwarded-for': address } });
        for (let attempt = 0; attempt < 5; attempt++) assert.equal((await from('203.0.113.66', 'guess')).status, 401);
        const stranger = await from('203.0.113.66', password);
        assert.equal(stranger.status, 429);
        assert.ok(Number(stranger.headers.get('retry-after')) > 0);
        assert.equal((await from('198.51.100.20', password)).status, 201, 'the account is not locked for its owner');
      } finally {
        await proxied.close();
      }
    });

    it('marks the session cookie Secure when a trusted proxy says the browser came over HTTPS, and believes no proxy unless told', async () => {
      // Fresh apps: the test above made this account wait on the shared one.
      const signIn = async (trustProxy: AppDependencies['trustProxy']) => {
        const app = await listen({ ...deps, trustProxy });
        try {
          return await app.call('POST', '/api/v1/session', { body: { email, password }, headers: { 'x-forwarded-proto': 'https' } });
        } finally {
          await app.close();
        }
      };
      const proxied = await signIn(['loopback']);
      assert.equal(proxied.status, 201);
      assert.match(proxied.headers.get('set-cookie') ?? '', /;\s*Secure/i);
      assert.equal(proxied.headers.get('cache-control'), 'no-store', 'the answer sets a session cookie');
      const direct = await signIn(undefined);
      assert.equal(direct.status, 201);
      assert.doesNotMatch(direct.headers.get('set-cookie') ?? '', /;\s*Secure/i);
    });

    it('answers 401 problem details without a session or token, or with a revoked token', async () => {
      const none = await api.call('GET', '/api/v1/sites');
      assert.equal(none.status, 401);
      assert.match(none.headers.get('content-type') ?? '', /problem\+json/);
      const token = await apiTokenFor(database.prisma, { tenantId: a.tenantId, role: 'Tenant operator' });
      const row = await database.prisma.apiToken.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
      assert.equal((await api.call('GET', '/api/v1/sites', { auth: token })).status, 200);
      assert.equal((await api.call('DELETE', `/api/v1/api-tokens/${row.id}`, { auth: tenantAdmin })).status, 200);
      assert.equal((await api.call('GET', '/api/v1/sites', { auth: token })).status, 401);
    });
  });

  describe('API tokens', () => {
    it('are shown once, stored hashed, and cannot grant more than their creator holds', async () => {
      const created = await api.call<{ id: string; token: string; prefix: string }>('POST', '/api/v1/api-tokens', {
        auth: tenantAdmin, body: { name: 'ServiceNow', tenantId: a.tenantId, roleId, expiresInDays: 30 },
      });
      assert.equal(created.status, 201);
      assert.match(created.body.token, new RegExp(`^bl_${created.body.prefix}_`));
      const row = await database.prisma.apiToken.findUniqueOrThrow({ where: { id: created.body.id } });
      assert.notEqual(row.tokenHash, created.body.token);
      assert.equal((await api.call<Record<string, unknown>>('GET', `/api/v1/api-tokens/${row.id}`, { auth: tenantAdmin })).body['token'], undefined);

      const admin = await database.prisma.role.findUniqueOrThrow({ where: { name: 'Tenant admin' } });
      const escalate = await api.call('POST', '/api/v1/api-tokens', { auth: created.body.token, body: { name: 'more', tenantId: a.tenantId, roleId: admin.id } });
      assert.equal(escalate.status, 403, 'an operator token cannot mint tokens at all');
      const custom = await api.call<{ id: string }>('POST', '/api/v1/roles', { auth: spAdmin, body: { name: 'Site manager', scope: 'tenant', permissions: { site: ['read', 'write', 'execute'], token: ['read', 'write'] } } });
      assert.equal(custom.status, 201);
      const manager = await apiTokenFor(database.prisma, { tenantId: a.tenantId, role: 'Site manager' });
      const tooMuch = await api.call('POST', '/api/v1/api-tokens', { auth: manager, body: { name: 'more', tenantId: a.tenantId, roleId: admin.id } });
      assert.equal(tooMuch.status, 403, 'a custom role cannot hand out the tenant admin role');
      assert.equal((await api.call('GET', '/api/v1/alarms', { auth: manager })).status, 403, 'the custom role grants no alarm reading');
    });
  });

  describe('API tokens, expired or guessed', () => {
    it('stop working the moment they expire, even just after a use', async () => {
      const role = await database.prisma.role.findUniqueOrThrow({ where: { name: 'Tenant operator' } });
      const { token, prefix, hash } = newApiToken();
      const expiresAt = new Date(Date.now() + 1500);
      await database.prisma.apiToken.create({ data: { name: 'short-lived', prefix, tokenHash: hash, tenantId: a.tenantId, roleId: role.id, expiresAt } });
      assert.equal((await api.call('GET', '/api/v1/sites?limit=1', { auth: token })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
      assert.equal((await api.call('GET', '/api/v1/sites?limit=1', { auth: token })).status, 401);
    });

    it('make a network that offered thirty bad ones in a minute wait (429, Retry-After), and nobody else', async () => {
      const proxied = await listen({ ...deps, trustProxy: ['loopback'] });
      try {
        const from = (address: string, token: string) => proxied.call('GET', '/api/v1/sites?limit=1', { auth: token, headers: { 'x-forwarded-for': address } });
        for (let attempt = 0; attempt < 30; attempt++) assert.equal((await from('203.0.113.77', `bl_guess_${attempt}`)).status, 401);
        const throttled = await from('203.0.113.77', 'bl_guess_30');
        assert.equal(throttled.status, 429);
        assert.ok(Number(throttled.headers.get('retry-after')) > 0);
        assert.equal((await from('203.0.113.77', operator)).status, 429, 'nothing from that network is checked meanwhile');
        assert.equal((await from('198.51.100.30', operator)).status, 200);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('answers', () => {
    it('that carry a secret are kept by no cache', async () => {
      const created = [
        await api.call('POST', '/api/v1/api-tokens', { auth: tenantAdmin, body: { name: 'cache check', tenantId: a.tenantId, roleId } }),
        await api.call('POST', '/api/v1/webhook-subscriptions', { auth: tenantAdmin, body: { tenantId: a.tenantId, url: 'http://127.0.0.1:9/cache', events: ['*'] } }),
        await api.call('POST', '/api/v1/itsm-integrations', { auth: tenantAdmin, body: { tenantId: a.tenantId, name: 'cache check' } }),
      ];
      assert.deepEqual(created.map((answer) => [answer.status, answer.headers.get('cache-control')]), Array(3).fill([201, 'no-store']));
    });

    it('forbid framing and type sniffing, on the UI and the API alike', async () => {
      const uiDirectory = mkdtempSync(join(tmpdir(), 'ui-'));
      writeFileSync(join(uiDirectory, 'index.html'), '<!doctype html><title>Branchline</title>');
      const withUi = await listen({ ...deps, uiDirectory });
      try {
        for (const path of ['/', '/sites/some-site', '/api/docs', '/api/v1/session']) {
          const answer = await fetch(withUi.url + path);
          await answer.body?.cancel();
          const headers = ['x-frame-options', 'content-security-policy', 'x-content-type-options'].map((name) => answer.headers.get(name));
          assert.deepEqual(headers, ['DENY', "frame-ancestors 'none'", 'nosniff'], path);
        }
      } finally {
        await withUi.close();
      }
    });
  });

  describe('rate limits', () => {
    it('answer 429 with Retry-After once a caller has used its burst, and leave other callers alone', async () => {
      const limited = await listen({ ...deps, rateLimit: { perSecond: 1, burst: 3 } });
      try {
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push(await limited.call('GET', '/api/v1/sites?limit=1', { auth: operator }));
        assert.deepEqual(statuses.map((s) => s.status), [200, 200, 200, 429]);
        const last = statuses[3]!;
        assert.ok(Number(last.headers.get('retry-after')) >= 1);
        assert.match(last.headers.get('content-type') ?? '', /problem\+json/);
        assert.equal((await limited.call('GET', '/api/v1/sites?limit=1', { auth: tenantAdmin })).status, 200);
      } finally {
        await limited.close();
      }
    });

    it('count every address of this machine as one caller, and an IPv6 /64 as one', async () => {
      const limited = await listen({ ...deps, rateLimit: { perSecond: 0.01, burst: 3 } });
      try {
        const phoneHome = `${limited.url}/api/v1/ztp/phone-home`;
        const statuses = [];
        for (const address of ['127.0.0.2', '127.0.0.3', '127.1.2.3', '127.16.0.9']) statuses.push(await postFrom(address, phoneHome, {}));
        assert.deepEqual(statuses, [400, 400, 400, 429], 'the body is refused once the limit lets the request in');
      } finally {
        await limited.close();
      }
      const proxied = await listen({ ...deps, rateLimit: { perSecond: 0.01, burst: 3 }, trustProxy: ['loopback'] });
      try {
        const from = async (address: string) => (await proxied.call('POST', '/api/v1/ztp/phone-home', { body: {}, headers: { 'x-forwarded-for': address } })).status;
        const statuses = [];
        for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:aaaa::3', '2001:db8:1:2::4', '2001:db8:1:3::1', '203.0.113.5']) statuses.push(await from(address));
        assert.deepEqual(statuses, [400, 400, 400, 429, 400, 400]);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('gives the first answer back for the same request, and refuses the key for another', async () => {
      const body = { tenantId: a.tenantId, url: 'http://127.0.0.1:9/again', events: ['run.*'] };
      const headers = { 'idempotency-key': 'create-hook-1' };
      const first = await api.call<{ id: string; secret: string }>('POST', '/api/v1/webhook-subscriptions', { auth: tenantAdmin, body, headers });
      const again = await api.call<{ id: string; secret: string }>('POST', '/api/v1/webhook-subscriptions', { auth: tenantAdmin, body, headers });
      assert.equal(first.status, 201);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.headers.get('location'), first.headers.get('location'));
      assert.equal(await database.prisma.webhookSubscription.count({ where: { url: body.url } }), 1);
      const other = await api.call('POST', '/api/v1/webhook-subscriptions', { auth: tenantAdmin, body: { ...body, url: 'http://127.0.0.1:9/other' }, headers });
      assert.equal(other.status, 422);
      // Keys are per caller: another caller's same key is its own.
      const theirs = await api.call<{ id: string }>('POST', '/api/v1/webhook-subscriptions', { auth: spAdmin, body, headers });
      assert.notEqual(theirs.body.id, first.body.id);
    });
  });

  describe('ETag and If-Match', () => {
    it('refuse a change without If-Match (428) or with a stale one (412), and audit the one that lands', async () => {
      const read = await api.call('GET', `/api/v1/sites/${a.siteId}`, { auth: tenantAdmin });
      const etag = read.headers.get('etag')!;
      assert.ok(etag);
      const patch = (headers: Record<string, string>, name: string) =>
        api.call<{ name: string }>('PATCH', `/api/v1/sites/${a.siteId}`, { auth: tenantAdmin, body: { name }, headers });
      assert.equal((await patch({}, 'Lyon flagship')).status, 428);
      const changed = await patch({ 'if-match': etag }, 'Lyon flagship');
      assert.equal(changed.status, 200);
      assert.equal(changed.body.name, 'Lyon flagship');
      assert.notEqual(changed.headers.get('etag'), etag);
      const stale = await patch({ 'if-match': etag }, 'Lyon second try');
      assert.equal(stale.status, 412);
      assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: a.siteId } })).name, 'Lyon flagship');

      const audit = await api.call<{ items: { action: string; actorType: string; before: { name: string }; after: { name: string } }[] }>(
        'GET', `/api/v1/audit?objectId=${a.siteId}&action=site.update`, { auth: operator });
      assert.equal(audit.body.items.length, 1);
      assert.equal(audit.body.items[0]!.actorType, 'api_token');
      assert.equal(audit.body.items[0]!.before.name, 'Lyon store');
      assert.equal(audit.body.items[0]!.after.name, 'Lyon flagship');
    });
  });
});
