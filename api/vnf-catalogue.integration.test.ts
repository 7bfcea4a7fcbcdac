// The VNF catalogue through the API: an image uploaded and kept by its sha256, packages added with
// per-field problems for what does not hold (and nothing stored then), a version twice refused,
// and a package removed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';
import { simulatorVnfImage } from '../simulator/vnf-host.ts';

interface Problem { status: number; errors?: { path: string; message: string }[]; detail?: string }

describe('VNF catalogue', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  const image = simulatorVnfImage('vsrx', '22.4R1', 4);
  const sha256 = createHash('sha256').update(image).digest('hex');
  const firewall = (overrides: Record<string, unknown> = {}) => ({
    vendor: 'Juniper Networks', product: 'vsrx', version: '22.4R1', type: 'firewall', imageSha256: sha256,
    flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'large', vcpus: 2, memoryMiB: 4096, diskGiB: 8 }],
    interfaces: [{ name: 'eth2', role: 'left' }, { name: 'eth3', role: 'right' }],
    day1: { template: '<configuration><system><host-name>{{hostName}}</host-name></system></configuration>', parameters: [{ name: 'hostName', type: 'string' }] },
    healthCheck: { oid: '1.3.6.1.2.1.1.3.0' },
    ...overrides,
  });

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['NFX150'], baseAddress: '127.111.0.1', snmpPort: 34161, netconfPort: 34830 }));
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('keeps an uploaded image by its sha256 and serves it from there', async () => {
    const response = await fetch(`${lab.apiUrl}/api/v1/vnf-images?sha256=${sha256}`, {
      method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image),
    });
    assert.equal(response.status, 201);
    assert.equal(((await response.json()) as { sha256: string }).sha256, sha256);
    const served = await fetch(`${lab.apiUrl}/api/v1/images/${sha256}`);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), image);
  });

  it('refuses a package that does not hold together, naming each field, and stores nothing', async () => {
    const { status, body } = await lab.api<Problem>('POST', '/api/v1/vnf-packages', firewall({
      imageSha256: 'b'.repeat(64),
      flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'small', vcpus: 2, memoryMiB: 2048, diskGiB: 4 }],
      day1: { template: '{{hostName}} {{password}}', parameters: [{ name: 'hostName', type: 'string' }] },
    }));
    assert.equal(status, 400);
    assert.deepEqual(body.errors?.map((e) => e.path), ['flavours', 'day1.template', 'imageSha256']);
    const bad = await lab.api<Problem>('POST', '/api/v1/vnf-packages', firewall({ flavours: [{ name: 'tiny', vcpus: 0, memoryMiB: 64, diskGiB: 1 }] }));
    assert.equal(bad.status, 400);
    assert.equal(await database.prisma.vnfPackage.count(), 0);
  });

  it('adds a package once, refuses its version twice, and removes it', async () => {
    const created = await lab.api<{ id: string; product: string; descriptor: { flavours: unknown[] } }>('POST', '/api/v1/vnf-packages', firewall());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.product, created.body.descriptor.flavours.length], ['vsrx', 2]);
    assert.equal((await lab.api<Problem>('POST', '/api/v1/vnf-packages', firewall())).status, 409);
    const listed = await lab.api<{ items: { id: string }[] }>('GET', '/api/v1/vnf-packages?product=vsrx');
    assert.deepEqual(listed.body.items.map((p) => p.id), [created.body.id]);
    assert.equal((await lab.api('DELETE', `/api/v1/vnf-packages/${created.body.id}`)).status, 204);
    assert.equal((await lab.api<Problem>('GET', `/api/v1/vnf-packages/${created.body.id}`)).status, 404);
  });
});
