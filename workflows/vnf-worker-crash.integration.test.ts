// A worker killed with SIGKILL in the middle of a VNF's instantiation — its definition committed on
// the uCPE, not yet confirmed — and started again: the instance comes up running, and the uCPE holds
// one VM, booted once, defined by one commit and one confirm, its room reserved once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../prisma/seed.ts';
import { catalogueVsrx, startLab, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, eventually, testServices, type TestDatabase } from '../scripts/testing.ts';

const serial = 'BLS0000001';

interface Instance { id: string; name: string; status: string; reserved: { vcpus: number; memoryMiB: number; diskGiB: number }; live: { health: string; busy: boolean } | null }
interface HostReport { resources: { used: { cores: number; memoryMiB: number } }; images: string[]; vnfs: { name: string; state: string; boots: number }[] }

describe('a worker killed mid-instantiation of a VNF', { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let siteId: string;
  let packageId: string;

  const ucpe = () => lab.fleet.device(serial)!;
  const journal = () => ucpe().store.journal.map((entry) => entry.kind);
  const host = async () => (await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/vnfs`)).json()) as HostReport;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['NFX150'], baseAddress: '127.160.0.1', snmpPort: 42161, netconfPort: 42830,
      phoneHome: false, vnfGuests: { baseAddress: '127.160.1.1', bootMs: 500 },
      worker: 'process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', 'vnf-worker-crash'),
    });
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'Europe/Brussels', tags: [] }));
    siteId = (await database.prisma.device.findFirstOrThrow({ where: { serial } })).siteId;
    packageId = await catalogueVsrx(lab);
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('comes up running after a restart with one VM on the uCPE, booted once, defined by one commit', async () => {
    const before = journal().length;
    // Slow replies keep the definition's confirmed commit open long enough to die in the middle of it.
    ucpe().faults.replyDelayMs = 300;
    const created = await lab.api<Instance>('POST', `/api/v1/sites/${siteId}/vnf-instances`, {
      packageId, flavour: 'small', parameters: { hostName: 'fw-leuven' },
      healing: { intervalSeconds: 2, failuresBeforeUnhealthy: 1, cooldownSeconds: 5, maxAttempts: 3, bootWaitSeconds: 60 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));

    // The definition committed, its confirmation not yet sent: now the worker dies.
    const until = Date.now() + 60_000;
    while (!journal().slice(before).includes('confirmed-commit') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await lab.killWorker();
    assert.deepEqual(journal().slice(before), ['confirmed-commit']);
    assert.ok(ucpe().store.confirmPending?.junos, 'the definition waits for its confirmation');
    assert.deepEqual((await host()).vnfs.map((v) => v.name), [created.body.name], 'the uCPE defined the VNF before the worker died');

    ucpe().faults.replyDelayMs = 0;
    await lab.startWorker();
    const up = await eventually('running', async () => (await lab.api<Instance>('GET', `/api/v1/vnf-instances/${created.body.id}`)).body,
      (i) => i.status === 'running' && i.live?.health === 'healthy' && !i.live.busy, 150_000);

    const report = await host();
    assert.deepEqual(report.vnfs.map((v) => [v.name, v.state, v.boots]), [[created.body.name, 'running', 1]], 'one VM, booted once');
    assert.deepEqual(report.resources.used.cores, 1);
    assert.deepEqual(report.resources.used.memoryMiB, 1024);
    assert.equal(report.images.length, 1);
    assert.deepEqual(journal().slice(before), ['confirmed-commit', 'confirm'], 'defined by one commit, confirmed once');
    assert.deepEqual(up.reserved, { vcpus: 1, memoryMiB: 1024, diskGiB: 4 });
    assert.equal(await database.prisma.vnfInstance.count({ where: { siteId } }), 1);
    assert.equal(await database.prisma.domainEvent.count({ where: { type: 'vnf.instantiated' } }), 1, 'instantiated once');
  });
});
