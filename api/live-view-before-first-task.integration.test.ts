// A run's live view asked before its first workflow task has run: the run exists on the Temporal
// server, but no worker has taken it yet (a worker busy, restarting, or not started), so it has no
// query handler. The instance and the service are still read, with no live view, never a 500.
// The runs here are started on a task queue no worker polls, which holds them in that moment.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
import { connectTestClient, createTestDatabase, signInAs, type TestDatabase } from '../scripts/testing.ts';
import { networkServiceWorkflowId } from '../workflows/network-service.messages.ts';
import { vnfWorkflowId } from '../workflows/vnf-lifecycle.messages.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });
const unpolledQueue = `nobody-polls-${randomUUID()}`;

describe('a live view asked before the run has taken its first task', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let events: EventHub;
  let server: Server;
  let url: string;
  let cookie: string;
  const ids = {} as { instanceId: string; serviceInstanceId: string };

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    events = new EventHub(database.url, silent);
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: temporal.client.options.namespace, log: silent, temporalUiUrl: '',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cookie = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;

    const prisma = database.prisma;
    const site = await prisma.site.findFirstOrThrow({ where: { devices: { some: {} } }, include: { devices: true } });
    const pkg = await prisma.vnfPackage.create({ data: { vendor: 'Juniper Networks', name: 'vsrx', version: '1.0', type: 'firewall', descriptor: {} } });
    const template = await prisma.networkService.create({ data: { tenantId: site.tenantId, name: 'secure-edge' } });
    const service = await prisma.networkServiceInstance.create({
      data: { tenantId: site.tenantId, siteId: site.id, deviceId: site.devices[0]!.id, serviceId: template.id, name: 'secure-edge-1', vlanBase: 3000 },
    });
    const instance = await prisma.vnfInstance.create({
      data: {
        tenantId: site.tenantId, siteId: site.id, deviceId: site.devices[0]!.id, packageId: pkg.id, name: 'vsrx-1', flavour: 'small',
        reservedVcpus: 1, reservedMemoryMiB: 1024, reservedDiskGiB: 4, serviceInstanceId: service.id, position: 0,
      },
    });
    Object.assign(ids, { instanceId: instance.id, serviceInstanceId: service.id });
    // Started as the API starts them, but where no worker will take their first task.
    await temporal.client.workflow.start('vnfLifecycle', { taskQueue: unpolledQueue, workflowId: vnfWorkflowId(instance.id), args: [{ instanceId: instance.id, healing: {} }] });
    await temporal.client.workflow.start('networkService', { taskQueue: unpolledQueue, workflowId: networkServiceWorkflowId(service.id), args: [{ serviceInstanceId: service.id, healing: {} }] });
  });

  after(async () => {
    for (const workflowId of [vnfWorkflowId(ids.instanceId), networkServiceWorkflowId(ids.serviceInstanceId)]) {
      await temporal?.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    }
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await events?.close();
    await temporal?.close();
    await database?.drop();
  });

  const get = async (path: string) => {
    const response = await fetch(url + path, { headers: { cookie } });
    return { status: response.status, body: (await response.json()) as { id?: string; status?: string; live?: unknown } };
  };

  it('answers the VNF instance from the inventory, with no live view yet', async () => {
    const { status, body } = await get(`/api/v1/vnf-instances/${ids.instanceId}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual([body.id, body.status, body.live], [ids.instanceId, 'instantiating', null]);
  });

  it('answers the network service from the inventory, with no live view yet', async () => {
    const { status, body } = await get(`/api/v1/network-services/${ids.serviceInstanceId}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual([body.id, body.live], [ids.serviceInstanceId, null]);
  });
});
