// Webhooks go to public addresses only, unless an SP admin allows a network: the API refuses a
// subscription that points inside (loopback, private, link-local, metadata…), and a delivery
// whose host resolves there by the time it is sent sends nothing and says why in the log. Real
// API, PostgreSQL, Temporal and a worker running deliveries, configured as in production (no
// network allowed); the test's own resolver stands in for DNS names it controls.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { ImageStore } from '../inventory/images.ts';
import { createDeliveryActivities } from '../activities/events/deliveries.ts';
import { publishEvent } from '../activities/events/publish.ts';
import { systemResolve, WebhookDestinations, type Resolve } from '../runtime/webhook-destinations.ts';
import { seedDemo } from '../prisma/seed.ts';
import { apiTokenFor, connectTestClient, createTestDatabase, startTestWorker, testServices, testWebhookDestinations, type TestDatabase } from '../scripts/testing.ts';
import { deliveryWorkflowId } from '../workflows/deliver-webhook.messages.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const require = createRequire(import.meta.url);
const silent = pino({ level: 'silent' });

/** A receiver on 127.0.0.1 that keeps every request it gets. */
async function startReceiver(answer: (port: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 204 })) {
  const received: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      const { status, headers } = answer(port);
      res.writeHead(status, headers).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('webhook destinations', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let events: EventHub;
  let server: Server;
  let url: string;
  let worker: { stop(): Promise<void> };
  let acme: { id: string };
  let admin: string;
  /** Names this test controls: what they resolve to can change between two questions, as DNS can. */
  const names = new Map<string, string>();
  const resolve: Resolve = async (hostname) => {
    const address = names.get(hostname);
    return address ? [{ address, family: address.includes(':') ? 6 : 4 }] : systemResolve(hostname);
  };

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as T };
  };

  type Problem = { status: number; errors?: { path: string; message: string }[] };
  type Delivery = { status: string; attempts: number; lastStatusCode: number | null; lastError: string | null };

  async function settledDelivery(subscriptionId: string): Promise<Delivery> {
    for (let i = 0; i < 100; i++) {
      const log = await call<{ items: Delivery[] }>('GET', `/api/v1/webhook-subscriptions/${subscriptionId}/deliveries`);
      const delivery = log.body.items[0];
      if (delivery && delivery.status !== 'pending') return delivery;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail('the delivery did not settle');
  }

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    events = new EventHub(database.url, silent);
    // As in production: WEBHOOK_ALLOWED_NETWORKS unset, so no private network is allowed.
    const webhookDestinations = new WebhookDestinations({ resolve });
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: 'http://localhost:8233',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events, webhookDestinations,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    admin = await apiTokenFor(database.prisma, { tenantId: acme.id, role: 'Tenant admin' });
    worker = await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath: require.resolve('../workflows/deliver-webhook.ts'),
      activities: createDeliveryActivities({ prisma: database.prisma, webhookDestinations }),
    });
  });

  after(async () => {
    await worker.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await events.close();
    await temporal.close();
    await database.drop();
  });

  describe('a subscription', () => {
    it('is refused when it points at loopback, private, link-local or metadata destinations, with a field error saying why', async () => {
      const postgresPort = new URL(testServices().adminDatabaseUrl).port;
      const probes: [string, RegExp][] = [
        ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', /^is 169\.254\.169\.254, a cloud metadata service; webhooks never go there$/],
        [`http://127.0.0.1:${postgresPort}/`, /^is 127\.0\.0\.1, a loopback address; an SP admin may allow that network$/],
        ['http://[::1]:8240/devices/BLS0000001/reboot', /^is ::1, a loopback address; an SP admin may allow that network$/],
        ['http://2130706433:8240/devices/BLS0000001/reboot', /^is 127\.0\.0\.1, a loopback address/],
        ['http://metadata.google.internal/computeMetadata/v1/', /^is the name of a cloud metadata service \(metadata\.google\.internal\); webhooks never go there$/],
        ['http://localhost:8240/devices', /^resolves to 127\.0\.0\.1, a loopback address/],
        ['http://0x7f.0.0.1:8240/', /^is 127\.0\.0\.1, a loopback address/],
        ['http://0177.0.0.1:8240/', /^is 127\.0\.0\.1, a loopback address/],
        ['http://[::ffff:127.0.0.1]:8240/', /^is ::ffff:7f00:1 \(127\.0\.0\.1\), a loopback address/],
        ['http://0.0.0.0:8240/', /^is 0\.0\.0\.0, an unspecified address; webhooks never go there$/],
        ['http://10.0.0.1/', /^is 10\.0\.0\.1, a private address/],
        ['http://100.64.0.1/', /^is 100\.64\.0\.1, a carrier-grade NAT address/],
        ['http://[fd00::1]/', /^is fd00::1, a unique local address/],
        ['http://[fe80::1]/', /^is fe80::1, a link-local address/],
        ['http://224.0.0.1/', /^is 224\.0\.0\.1, a multicast address/],
      ];
      for (const [target, reason] of probes) {
        const answer = await call<Problem>('POST', '/api/v1/webhook-subscriptions', { tenantId: acme.id, url: target, events: ['*'] });
        assert.equal(answer.status, 400, target);
        assert.equal(answer.body.errors?.[0]?.path, 'url', target);
        assert.match(answer.body.errors![0]!.message, reason, target);
      }
      assert.equal(await database.prisma.webhookSubscription.count(), 0);
    });

    it('cannot be moved to such a destination either', async () => {
      names.set('hooks.acme.example', '93.184.215.14');
      const created = await call<{ id: string }>('POST', '/api/v1/webhook-subscriptions', { tenantId: acme.id, url: 'https://hooks.acme.example/branchline', events: ['site.*'] });
      assert.equal(created.status, 201);
      const read = await call('GET', `/api/v1/webhook-subscriptions/${created.body.id}`);
      const moved = await call<Problem>('PATCH', `/api/v1/webhook-subscriptions/${created.body.id}`, { url: 'http://[::ffff:a9fe:a9fe]/latest/' }, { 'if-match': read.etag! });
      assert.equal(moved.status, 400);
      assert.match(moved.body.errors![0]!.message, /\(169\.254\.169\.254\), a cloud metadata service/);
      const kept = await database.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: created.body.id } });
      assert.equal(kept.url, 'https://hooks.acme.example/branchline');
      await database.prisma.webhookSubscription.delete({ where: { id: created.body.id } });
    });
  });

  describe('a delivery', () => {
    it('sends nothing to a name that resolves to loopback by the time it is sent, and the log says why', async () => {
      const receiver = await startReceiver();
      try {
        // When the subscription is made the name is public; by the delivery it points at 127.0.0.1 (DNS rebinding).
        names.set('hooks.rebound.example', '93.184.215.14');
        const created = await call<{ id: string }>('POST', '/api/v1/webhook-subscriptions', { tenantId: acme.id, url: `http://hooks.rebound.example:${receiver.port}/hook`, events: ['site.*'] });
        assert.equal(created.status, 201);
        names.set('hooks.rebound.example', '127.0.0.1');
        await publishEvent({ prisma: database.prisma, client: temporal.client }, { tenantId: acme.id, type: 'site.activated', data: { siteId: 'rebound' } });

        const delivery = await settledDelivery(created.body.id);
        assert.equal(delivery.status, 'failed');
        assert.equal(delivery.attempts, 0, 'nothing was sent');
        assert.equal(delivery.lastStatusCode, null);
        assert.match(delivery.lastError!, /Not sent: the URL's host resolves to 127\.0\.0\.1, a loopback address; an SP admin may allow that network\./);
        assert.deepEqual(receiver.received, []);

        // Refused once, typed, and not retried.
        const row = await database.prisma.webhookDelivery.findFirstOrThrow({ where: { subscriptionId: created.body.id } });
        const history = await temporal.client.workflow.getHandle(deliveryWorkflowId(row.id)).fetchHistory();
        const failures = history.events!.filter((e) => e.activityTaskFailedEventAttributes).map((e) => e.activityTaskFailedEventAttributes!.failure!);
        assert.equal(failures.length, 1);
        assert.equal(failures[0]!.applicationFailureInfo?.type, failureTypes.webhookDestinationForbidden);
        assert.equal(failures[0]!.applicationFailureInfo?.nonRetryable, true);
        await database.prisma.webhookSubscription.delete({ where: { id: created.body.id } });
      } finally {
        await receiver.close();
      }
    });

    it('sends nothing to a loopback address that a subscription stored earlier points at', async () => {
      const receiver = await startReceiver();
      try {
        // Stored straight in the database, as a subscription made before destinations were checked.
        const stored = await database.prisma.webhookSubscription.create({
          data: { tenantId: acme.id, url: `http://127.0.0.1:${receiver.port}/hook`, events: ['*'], secret: 'whsec_' + Buffer.from('an old secret').toString('base64') },
        });
        await publishEvent({ prisma: database.prisma, client: temporal.client }, { tenantId: acme.id, type: 'alarm.raised', data: { type: 'test' } });
        const delivery = await settledDelivery(stored.id);
        assert.equal(delivery.status, 'failed');
        assert.match(delivery.lastError!, /Not sent: the URL's host is 127\.0\.0\.1, a loopback address; an SP admin may allow that network\./);
        assert.deepEqual(receiver.received, []);
        await database.prisma.webhookSubscription.delete({ where: { id: stored.id } });
      } finally {
        await receiver.close();
      }
    });
  });

  describe('sending to an allowed network', () => {
    it('connects to the address it checked, under the name of the URL, and follows no redirect', async () => {
      const elsewhere = await startReceiver();
      const redirecting = await startReceiver(() => ({ status: 307, headers: { location: `http://127.0.0.1:${elsewhere.port}/stolen` } }));
      try {
        // 127.0.0.1 allowed as the tests allow it; the name exists only in this resolver, not in DNS.
        const destinations = testWebhookDestinations({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
        const destination = await destinations.check(`http://hooks.pinned.example:${redirecting.port}/hook`);
        assert.equal(destination.verdict, 'allowed');
        if (destination.verdict !== 'allowed') return;
        const status = await destinations.post(destination, { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 });
        assert.equal(status, 307);
        assert.equal(redirecting.received.length, 1);
        assert.equal(redirecting.received[0]!.headers.host, `hooks.pinned.example:${redirecting.port}`);
        assert.deepEqual(elsewhere.received, []);
      } finally {
        await redirecting.close();
        await elsewhere.close();
      }
    });
  });
});
