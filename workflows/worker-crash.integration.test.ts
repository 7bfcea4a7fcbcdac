// A worker killed with SIGKILL in the middle of a device change, and started again: the
// onboarding completes, and every device's commit journal shows every change exactly once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, testServices, type TestDatabase } from '../scripts/testing.ts';

interface Created { id: string; activationCodes: { serial: string | null; code: string }[] }

describe('a worker killed mid-onboarding', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  const hubs: string[] = [];

  const link = (name: string, interfaceName: string) => ({ name, type: 'broadband', interfaceName, bandwidthMbps: 100, monthlyCost: 40 });
  const journal = (serial: string) => lab.fleet.device(serial)!.store.journal.map((entry) => entry.kind);

  async function createAndOnboard(aggregate: object): Promise<Created> {
    const created = await lab.api<Created>('POST', '/api/v1/sites', { tenantId, timezone: 'Europe/Paris', tags: [], ...aggregate });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
    for (const { serial, code } of created.body.activationCodes) lab.fleet.device(serial!)!.setActivationCode(code);
    return created.body;
  }

  async function completed(siteId: string): Promise<void> {
    const until = Date.now() + 240_000;
    for (;;) {
      const { body } = await lab.api<{ state: string; error: string | null }>('GET', `/api/v1/sites/${siteId}/onboarding`);
      if (body?.state === 'completed') return;
      if (body?.state === 'failed' || Date.now() > until) assert.fail(`onboarding of ${siteId}: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-4600', 'SRX-SIM-4600', 'SRX-SIM-300'],
      baseAddress: '127.43.0.1', snmpPort: 28161, netconfPort: 28830, worker: 'process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', 'worker-crash'),
    });
    for (const [index, name] of ['Oslo hub', 'Bergen hub'].entries()) {
      const hub = await createAndOnboard({
        name, role: 'hub', topology: 'hub_and_spoke', devices: [{ role: 'primary', model: 'SRX-SIM-4600', serial: `BLS000000${index + 1}` }],
        wanLinks: [link('internet', 'ge-0/0/0')],
      });
      hubs.push(hub.id);
    }
    for (const hub of hubs) await completed(hub);
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('completes after a restart, each change on each device committed and confirmed exactly once', async () => {
    const [primaryHubId, secondaryHubId] = hubs;
    const hubJournals = ['BLS0000001', 'BLS0000002'].map((serial) => journal(serial).length);
    const branch = lab.fleet.device('BLS0000003')!;
    // Slow replies keep the stage-2 change open long enough to die in the middle of it.
    branch.faults.replyDelayMs = 300;
    const site = await createAndOnboard({
      name: 'Trondheim store', topology: 'hub_and_spoke', primaryHubId, secondaryHubId,
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: 'BLS0000003' }],
      wanLinks: [link('internet', 'ge-0/0/0')],
      departments: ['Staff'], lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.50.10.0/24', department: 'Staff' }],
    });

    // Stage 1 committed and confirmed, stage 2 committed but not yet confirmed: now the worker dies.
    const until = Date.now() + 120_000;
    while (journal('BLS0000003').length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await lab.killWorker();
    assert.deepEqual(journal('BLS0000003'), ['confirmed-commit', 'confirm', 'confirmed-commit']);
    assert.ok(branch.store.confirmPending?.junos, 'the stage-2 commit waits for its confirmation');

    branch.faults.replyDelayMs = 0;
    await lab.startWorker();
    await completed(site.id);

    assert.deepEqual(journal('BLS0000003'), ['confirmed-commit', 'confirm', 'confirmed-commit', 'confirm', 'confirmed-commit', 'confirm']);
    for (const [index, serial] of ['BLS0000001', 'BLS0000002'].entries()) {
      assert.deepEqual(journal(serial).slice(hubJournals[index]), ['confirmed-commit', 'confirm'], `${serial} changed once`);
    }
    const device = await database.prisma.device.findFirstOrThrow({ where: { siteId: site.id } });
    const versions = await database.prisma.configVersion.findMany({ where: { deviceId: device.id }, orderBy: { version: 'asc' } });
    assert.deepEqual(versions.map((v) => v.version), [1, 2, 3]);
    assert.equal(new Set(versions.map((v) => v.sha256)).size, 3);
  });
});
