// PostgreSQL out of the worker's reach between a device change and its record (a TCP proxy in
// front of it, cut and restored): the onboarding waits for the database and completes, every
// change is recorded as a version, each device changed once, and no allocation is released.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { startTcpProxy, type TcpProxy } from '../scripts/tcp-proxy.ts';
import { createTestDatabase, eventually, testServices, type TestDatabase } from '../scripts/testing.ts';

/** Longer than a device write's five attempts (about 75 s of backoff), which once carried the record. */
const outageMs = 100_000;

describe('PostgreSQL unreachable between a device change and its record', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let lab: Lab;
  let tenantId: string;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    const url = new URL(database.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, workerDatabaseUrl: Object.assign(new URL(database.url), { host: `127.0.0.1:${proxy.port}` }).toString(),
      temporalAddress, namespace, models: ['SRX-SIM-4600'], baseAddress: '127.71.0.1', snmpPort: 37161, netconfPort: 37830,
      worker: 'process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', 'database-outage'),
    });
  });
  after(async () => {
    await lab?.stop();
    await proxy?.stop();
    await database?.drop();
  });

  it('completes once the database is back: the change recorded, each change made once, no allocation released', async () => {
    const box = lab.fleet.device('BLS0000001')!;
    const journal = () => box.store.journal.map((entry) => entry.kind);
    // Slow replies keep the change's activity busy a moment after its confirm: the cut lands before its record.
    box.faults.replyDelayMs = 300;
    const created = await lab.api<{ id: string; activationCodes: { serial: string | null; code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, timezone: 'Europe/Paris', tags: [], name: 'Oslo hub', role: 'hub', topology: 'hub_and_spoke',
      devices: [{ role: 'primary', model: 'SRX-SIM-4600', serial: 'BLS0000001' }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const siteId = created.body.id;
    assert.equal((await lab.api('POST', `/api/v1/sites/${siteId}/onboarding`, {})).status, 202);
    for (const { serial, code } of created.body.activationCodes) lab.fleet.device(serial!)!.setActivationCode(code);

    // Stage 1 committed and confirmed: the database goes away before its record.
    await eventually('stage 1 confirmed', async () => journal(), (kinds) => kinds.length >= 2, 120_000);
    proxy.cut();
    assert.deepEqual(journal(), ['confirmed-commit', 'confirm']);
    const allocations = await database.prisma.allocation.count({ where: { siteId } });
    assert.ok(allocations > 0, 'the site holds allocations');
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    box.faults.replyDelayMs = 0;
    proxy.restore();

    const progress = await eventually('the onboarding ends', async () => (await lab.api<{ state: string }>('GET', `/api/v1/sites/${siteId}/onboarding`)).body,
      (body) => ['completed', 'failed', 'compensating'].includes(body?.state ?? ''), 240_000);
    assert.equal(progress.state, 'completed', JSON.stringify(progress));
    assert.deepEqual(journal(), ['confirmed-commit', 'confirm', 'confirmed-commit', 'confirm', 'confirmed-commit', 'confirm'], 'each change committed and confirmed once');
    const device = await database.prisma.device.findFirstOrThrow({ where: { siteId } });
    const versions = await database.prisma.configVersion.findMany({ where: { deviceId: device.id }, orderBy: { version: 'asc' } });
    assert.deepEqual(versions.map((v) => v.version), [1, 2, 3], 'stage 1, stage 2 and the policies recorded');
    assert.equal(await database.prisma.allocation.count({ where: { siteId } }), allocations, 'no allocation released');
  });
});
