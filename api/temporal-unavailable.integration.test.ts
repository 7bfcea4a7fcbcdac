// Temporal out of reach: every route that reads, starts or steers a run answers 503 problem
// details (temporal-unavailable), never a 404 ("no such run") nor an empty 200, and leaves nothing
// half-done behind. The API runs against a real PostgreSQL and a Temporal client whose server is
// a closed port.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { pino } from 'pino';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { signedHeaders } from '../runtime/standard-webhooks.ts';
import { createTestDatabase, signInAs, type TestDatabase } from '../scripts/testing.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });

describe('when Temporal cannot be reached', () => {
  let database: TestDatabase;
  let connection: Connection;
  let events: EventHub;
  let server: Server;
  let url: string;
  let cookie: string;
  const ids = {} as { tenantId: string; siteId: string; deviceId: string; imageId: string; campaignId: string };

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    // Nothing listens on port 1. Two attempts instead of the client's ten keep the test short;
    // the error after the last attempt is the same.
    connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))] });
    events = new EventHub(database.url, silent);
    const app = createApp({
      prisma: database.prisma, temporal: new Client({ connection, namespace: 'default' }), namespace: 'default', log: silent, temporalUiUrl: '',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cookie = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;

    const prisma = database.prisma;
    const lyon = await prisma.site.findFirstOrThrow({ where: { name: 'Lyon store' }, include: { devices: true } });
    await prisma.site.update({ where: { id: lyon.id }, data: { status: 'active' } });
    const device = await prisma.device.update({
      where: { id: lyon.devices[0]!.id }, data: { serial: 'BLSDOWN0001', status: 'online', managementAddress: '192.0.2.41', softwareVersion: '22.4R1' },
    });
    const image = await prisma.firmwareImage.create({ data: { model: device.model, version: '23.1R1', sha256: 'd'.repeat(64), sizeBytes: 100, fileName: 'down.img' } });
    const campaign = await prisma.upgradeCampaign.create({ data: { tenantId: lyon.tenantId, name: 'Launched before the outage', imageId: image.id, filter: {} } });
    Object.assign(ids, { tenantId: lyon.tenantId, siteId: lyon.id, deviceId: device.id, imageId: image.id, campaignId: campaign.id });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await events.close();
    await connection.close();
    await database.drop();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { cookie }) => {
    const response = await fetch(url + path, {
      method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as Record<string, unknown> };
  };

  const assertTemporalUnavailable = (answer: Awaited<ReturnType<typeof call>>, what: string) => {
    assert.equal(answer.status, 503, `${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    assert.match(answer.type, /application\/problem\+json/, what);
    assert.equal(answer.body['type'], 'https://branchline.dev/problems/temporal-unavailable', what);
    assert.equal(answer.body['status'], 503, what);
  };

  it("a run's progress answers 503, not 404", async () => {
    assertTemporalUnavailable(await call('GET', `/api/v1/sites/${ids.siteId}/onboarding`), 'the onboarding');
    assertTemporalUnavailable(await call('GET', `/api/v1/devices/${ids.deviceId}/rma`), 'the replacement');
    assertTemporalUnavailable(await call('GET', `/api/v1/devices/${ids.deviceId}/upgrade`), 'the upgrade');
    const workflowId = `site-onboard/${ids.siteId}`;
    await database.prisma.runSummary.create({ data: { workflowId, kind: 'site_onboarding', tenantId: ids.tenantId, siteId: ids.siteId } });
    assertTemporalUnavailable(await call('GET', `/api/v1/runs/${encodeURIComponent(workflowId)}/events`), 'the live progress, before its stream opens');
  });

  it('a campaign answers 503, not 200 with an unknown execution', async () => {
    assertTemporalUnavailable(await call('GET', `/api/v1/upgrade-campaigns/${ids.campaignId}`), 'the campaign');
  });

  it("the operator's decisions answer 503, not 404 or 409, and are not audited", async () => {
    const audited = await database.prisma.auditEntry.count();
    assertTemporalUnavailable(await call('POST', `/api/v1/sites/${ids.siteId}/onboarding/retry`), 'retry');
    assertTemporalUnavailable(await call('POST', `/api/v1/sites/${ids.siteId}/onboarding/abort`, {}), 'abort');
    assertTemporalUnavailable(await call('POST', `/api/v1/upgrade-campaigns/${ids.campaignId}/pause`, {}), 'pause');
    assertTemporalUnavailable(await call('POST', `/api/v1/devices/${ids.deviceId}/rma/abort`), 'the replacement\'s abort');
    assert.equal(await database.prisma.auditEntry.count(), audited);
  });

  it('starts answer 503 and leave nothing behind: no audit entry, no campaign without its run', async () => {
    const audited = await database.prisma.auditEntry.count();
    const campaigns = await database.prisma.upgradeCampaign.count();
    assertTemporalUnavailable(await call('POST', `/api/v1/sites/${ids.siteId}/decommission`, {}), 'a decommission');
    assertTemporalUnavailable(await call('POST', `/api/v1/devices/${ids.deviceId}/upgrade`, { imageId: ids.imageId }), 'an upgrade');
    assertTemporalUnavailable(await call('POST', `/api/v1/devices/${ids.deviceId}/rma`, { newSerial: 'BLSDOWN0002' }), 'a replacement');
    const launch = { tenantId: ids.tenantId, name: 'Launched during the outage', imageId: ids.imageId, strategy: 'all_at_once' };
    assertTemporalUnavailable(await call('POST', '/api/v1/upgrade-campaigns', launch), 'a campaign launch');
    assert.equal(await database.prisma.auditEntry.count(), audited);
    assert.equal(await database.prisma.upgradeCampaign.count(), campaigns, 'the campaign whose run did not start is not kept');
  });

  it('an ITSM change request answers 503 and records no ticket', async () => {
    const created = await call('POST', '/api/v1/itsm-integrations', { tenantId: ids.tenantId, name: 'ServiceNow' });
    const { id, secret } = created.body as { id: string; secret: string };
    const text = JSON.stringify({ number: 'CHG0039001', short_description: 'Decommission Lyon', operation: 'site.decommission', parameters: { siteId: ids.siteId } });
    const answer = await call('POST', `/api/v1/itsm/${id}/change-requests`, JSON.parse(text), signedHeaders(secret, `req_${randomUUID()}`, text));
    assertTemporalUnavailable(answer, 'the change request');
    assert.equal(await database.prisma.itsmChangeRequest.count({ where: { ticket: 'CHG0039001' } }), 0);
  });
});

describe('when Temporal takes connections and never answers', () => {
  let database: TestDatabase;
  let silentServer: NetServer;
  const sockets = new Set<Socket>();
  let connection: Connection;
  let events: EventHub;
  let server: Server;
  let url: string;
  let cookie: string;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    // A server hung mid-answer looks like this from outside: the connection opens, nothing comes back.
    silentServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    silentServer.listen(0, '127.0.0.1');
    await new Promise((resolve) => silentServer.once('listening', resolve));
    connection = Connection.lazy({ address: `127.0.0.1:${(silentServer.address() as AddressInfo).port}` });
    events = new EventHub(database.url, silent);
    const app = createApp({
      prisma: database.prisma, temporal: new Client({ connection, namespace: 'default' }), namespace: 'default', log: silent, temporalUiUrl: '',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events, temporalDeadlineMs: 500,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cookie = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silentServer.close(resolve));
    await events.close();
    await connection.close();
    await database.drop();
  });

  it("a run's progress and a start answer 503 once the request's deadline has passed, rather than hang", async () => {
    const lyon = await database.prisma.site.findFirstOrThrow({ where: { name: 'Lyon store' } });
    for (const [method, path] of [['GET', `/api/v1/sites/${lyon.id}/onboarding`], ['POST', `/api/v1/sites/${lyon.id}/onboarding`]] as const) {
      const response = await fetch(url + path, {
        method, headers: { cookie, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined, signal: AbortSignal.timeout(20_000),
      });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 503, `${method} ${path} answered ${response.status} ${JSON.stringify(body)}`);
      assert.equal(body['type'], 'https://branchline.dev/problems/temporal-unavailable');
    }
    assert.equal(await database.prisma.auditEntry.count({ where: { objectId: lyon.id } }), 0, 'a start that never reached Temporal is not audited');
  });
});
