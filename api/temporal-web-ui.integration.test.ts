// Who is handed links into the Temporal Web UI. The Web UI shows every tenant's runs, so the API
// gives its address and run links to those who read every tenant's runs (SP admins) and to nobody
// else: tenant admins and operators, OpCo admins and API tokens follow runs on Branchline's pages.
// Against the real API on PostgreSQL and Temporal, with no worker: the runs started here only wait.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { apiTokenFor, connectTestClient, createTestDatabase, signInAs, testServices, type TestDatabase } from '../scripts/testing.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });
const temporalUiUrl = 'https://temporal.noc.example';

type Body = Record<string, unknown>;

describe('the Temporal Web UI link', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let events: EventHub;
  let server: Server;
  let url: string;
  const started: string[] = [];
  /** Who calls: a session cookie, or an API token. */
  const callers = {} as Record<'spAdmin' | 'opcoAdmin' | 'tenantAdmin' | 'tenantOperator' | 'tenantToken', string>;
  let acmeId: string;
  let campaignId: string;

  async function call(method: string, path: string, auth: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(auth.startsWith('bl_') ? { authorization: `Bearer ${auth}` } : { cookie: auth }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    events = new EventHub(database.url, silent);
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl,
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events, rateLimit: { perSecond: 10_000, burst: 10_000 },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const prisma = database.prisma;
    const acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    acmeId = acme.id;
    callers.spAdmin = (await signInAs(prisma, { role: 'SP admin' })).cookie;
    callers.opcoAdmin = (await signInAs(prisma, { role: 'OpCo admin', opcoId: acme.opcoId })).cookie;
    callers.tenantAdmin = (await signInAs(prisma, { role: 'Tenant admin', tenantId: acme.id })).cookie;
    callers.tenantOperator = (await signInAs(prisma, { role: 'Tenant operator', tenantId: acme.id })).cookie;
    callers.tenantToken = await apiTokenFor(prisma, { tenantId: acme.id, role: 'Tenant admin' });
    const site = await prisma.site.findFirstOrThrow({ where: { tenantId: acme.id, name: 'Lyon store' }, include: { devices: true } });
    const image = await prisma.firmwareImage.create({ data: { model: site.devices[0]!.model, version: '99.1R1', sha256: 'd'.repeat(64), sizeBytes: 100, fileName: 'x.img' } });
    campaignId = (await prisma.upgradeCampaign.create({ data: { tenantId: acme.id, name: 'Autumn upgrade', imageId: image.id, filter: {} } })).id;
  });

  after(async () => {
    await Promise.allSettled(started.map((workflowId) => temporal.client.workflow.getHandle(workflowId).terminate('test over')));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await events.close();
    await temporal.close();
    await database.drop();
  });

  const withoutLink = ['opcoAdmin', 'tenantAdmin', 'tenantOperator', 'tenantToken'] as const;

  describe('the platform configuration', () => {
    it('names the Web UI to an SP admin', async () => {
      const answer = await call('GET', '/api/v1/config', callers.spAdmin);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { namespace: testServices().namespace, temporalUiUrl });
    });

    it('does not name it to an OpCo admin, a tenant admin, a tenant operator or an API token', async () => {
      for (const caller of withoutLink) {
        const answer = await call('GET', '/api/v1/config', callers[caller]);
        assert.equal(answer.status, 200, caller);
        assert.deepEqual(answer.body, { namespace: testServices().namespace }, caller);
      }
    });

    it('answers 401 to a stranger', async () => {
      const response = await fetch(`${url}/api/v1/config`);
      assert.equal(response.status, 401);
    });
  });

  describe('a campaign', () => {
    it("links an SP admin to the campaign's runs in the Web UI", async () => {
      const one = await call('GET', `/api/v1/upgrade-campaigns/${campaignId}`, callers.spAdmin);
      assert.equal(one.status, 200);
      const runs = `${temporalUiUrl}/namespaces/${testServices().namespace}/workflows?query=${encodeURIComponent(`WorkflowId="${one.body['workflowId'] as string}"`)}`;
      assert.equal(one.body['temporalUiUrl'], runs);
      const list = await call('GET', `/api/v1/upgrade-campaigns?tenantId=${acmeId}`, callers.spAdmin);
      assert.equal((list.body['items'] as Body[])[0]!['temporalUiUrl'], runs);
    });

    it("gives everyone else the campaign without the link", async () => {
      for (const caller of withoutLink) {
        const one = await call('GET', `/api/v1/upgrade-campaigns/${campaignId}`, callers[caller]);
        assert.equal(one.status, 200, caller);
        assert.ok(!('temporalUiUrl' in one.body), caller);
        const list = await call('GET', `/api/v1/upgrade-campaigns?tenantId=${acmeId}`, callers[caller]);
        const items = list.body['items'] as Body[];
        assert.equal(items.length, 1, caller);
        assert.ok(!('temporalUiUrl' in items[0]!), caller);
      }
    });
  });

  describe("a site's onboarding", () => {
    it("started by a tenant admin, answers without the link; asked again by an SP admin, with the run's history in the Web UI", async () => {
      const site = await database.prisma.site.findFirstOrThrow({ where: { tenantId: acmeId, name: 'Munich store' } });
      const workflowId = onboardingWorkflowId(site.id);
      started.push(workflowId);

      const byTenant = await call('POST', `/api/v1/sites/${site.id}/onboarding`, callers.tenantToken, {});
      assert.equal(byTenant.status, 202, JSON.stringify(byTenant.body));
      assert.equal(byTenant.body['started'], true);
      assert.ok(!('temporalUiUrl' in byTenant.body));
      const runId = byTenant.body['runId'] as string;

      for (const caller of ['opcoAdmin', 'tenantAdmin'] as const) {
        const again = await call('POST', `/api/v1/sites/${site.id}/onboarding`, callers[caller], {});
        assert.equal(again.status, 202, caller);
        assert.equal(again.body['runId'], runId, caller);
        assert.ok(!('temporalUiUrl' in again.body), caller);
      }

      const bySpAdmin = await call('POST', `/api/v1/sites/${site.id}/onboarding`, callers.spAdmin, {});
      assert.equal(bySpAdmin.status, 202);
      assert.equal(bySpAdmin.body['started'], false);
      assert.equal(bySpAdmin.body['temporalUiUrl'], `${temporalUiUrl}/namespaces/${testServices().namespace}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`);
    });
  });
});
