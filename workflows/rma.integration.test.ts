// Replacing a failed device end to end: a hub and a branch onboarded through the API, the branch's
// box powered off, an RMA started through the API, the new serial phoning home with its one-time
// activation code (or a spare that phoned home already, admitted by its host key), receiving the
// old configuration, and the tunnels up again on both ends — over real NETCONF and SNMP against the
// Temporal server and PostgreSQL `npm test` runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { createTestDatabase, eventually, recordHistory, testServices, type TestDatabase } from '../scripts/testing.ts';

const hubModel = 'SRX-SIM-4600';
const serial = (n: number) => `BLS${String(n).padStart(7, '0')}`;
/**
 * 1 the hub; 2 a branch and 3 its spare; 4 a small branch and 5 the bigger box replacing it; 6 never
 * used; 7 the branch's second spare, taken by the host key it reported when it phoned home.
 */
const models = [hubModel, 'SRX-SIM-300', 'SRX-SIM-300', 'SRX-SIM-100', 'SRX-SIM-300', 'SRX-SIM-300', 'SRX-SIM-300'];

interface Created { id: string; activationCodes: { code: string }[] }
interface Started { rmaId: string; workflowId: string; activationCode: string | null }
interface Progress { execution: string; state: string; oldSerial: string | null; newSerial: string; error: string | null; steps: { name: string; status: string }[] }

describe('device replacement (RMA)', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let hubId: string;

  const box = (n: number) => lab.fleet.device(serial(n))!;
  const running = (n: number) => box(n).store.datastore('running').toString();
  const up = (n: number, prefix: string) => box(n).interfaces().filter((i) => i.name.startsWith(prefix) && i.operUp).map((i) => i.name);
  const deviceAt = (siteId: string) => database.prisma.device.findFirstOrThrow({ where: { siteId } });
  const activationAlarms = (deviceId: string) => database.prisma.alarm.findMany({ where: { deviceId, type: 'ztp.activation-refused' } });
  const unclaimed = async () => (await lab.api<{ items: { serial: string }[] }>('GET', '/api/v1/unclaimed-devices?limit=100')).body.items.map((box) => box.serial);


  async function onboardedSite(aggregate: object, boxNumber: number): Promise<string> {
    const created = await lab.api<Created>('POST', '/api/v1/sites', aggregate);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
    box(boxNumber).setActivationCode(created.body.activationCodes[0]!.code);
    await eventually('the site did not come up', () => database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } }), (s) => s.status === 'active');
    return created.body.id;
  }

  const branch = (name: string, model: string, boxNumber: number) => ({
    tenantId, name, timezone: 'Europe/Paris', tags: [], topology: 'hub_and_spoke', primaryHubId: hubId,
    devices: [{ role: 'primary', model, serial: serial(boxNumber) }],
    wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
    departments: ['Staff'],
    lanSegments: [{ name: 'staff', vlanId: 10, prefix: `10.${boxNumber}.10.0/24`, department: 'Staff' }],
  });

  const replace = (deviceId: string, body: object) => lab.api<Started>('POST', `/api/v1/devices/${deviceId}/rma`, body);
  const settled = (deviceId: string) => eventually('the RMA did not end',
    async () => (await lab.api<Progress>('GET', `/api/v1/devices/${deviceId}/rma`)).body, (p) => !!p.execution && p.execution !== 'RUNNING');

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models, baseAddress: '127.52.0.1', snmpPort: 31163, netconfPort: 31832,
      worker: 'in-process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs'),
    });
    hubId = await onboardedSite({
      tenantId, name: 'Lille hub', role: 'hub', timezone: 'Europe/Paris', tags: [], topology: 'hub_and_spoke',
      devices: [{ role: 'primary', model: hubModel, serial: serial(1) }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 1000, monthlyCost: 400 }],
    }, 1);
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('refuses what cannot be done, changing nothing', async () => {
    const siteId = await onboardedSite(branch('Arras store', 'SRX-SIM-100', 4), 4);
    const device = await deviceAt(siteId);
    // The onboarding writes its last audit entry after the site is active: counted once it has ended.
    await lab.client.workflow.getHandle(`site-onboard/${siteId}`).result();
    const audits = await database.prisma.auditEntry.count();

    const cases: [object, number, string][] = [
      [{ newSerial: serial(5), newModel: hubModel }, 400, 'newModel'],
      [{ newSerial: serial(4) }, 400, 'newSerial'],
      [{ newSerial: serial(1) }, 400, 'newSerial'], // the hub's
      [{ newSerial: 'not a serial' }, 400, 'newSerial'],
      // Admitted by its host key only when it has phoned home, and as the model it said it is.
      [{ newSerial: 'BLS9999998', admitBy: 'host_key' }, 400, 'newSerial'],
      [{ newSerial: serial(5), admitBy: 'host_key' }, 400, 'newModel'],
      // A box that presented another tenant's activation code is that tenant's: as if it never phoned home.
      [{ newSerial: 'BLS9999997', admitBy: 'host_key' }, 400, 'newSerial'],
    ];
    const otherTenantsDevice = await database.prisma.device.findFirstOrThrow({ where: { site: { tenantId: { not: tenantId } } } });
    await database.prisma.unclaimedDevice.create({ data: { serial: 'BLS9999997', model: device.model, hostKeySha256: 'E'.repeat(43), deviceId: otherTenantsDevice.id } });
    await eventually('the spares did not phone home', unclaimed, (serials) => serials.includes(serial(5)));
    for (const [body, status, field] of cases) {
      const answer = await replace(device.id, body);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.match(JSON.stringify(answer.body), new RegExp(field));
    }
    const planned = await database.prisma.site.create({ data: { tenantId, name: 'Douai store', devices: { create: { hostname: 'douai-01', model: 'SRX-SIM-300', platform: 'junos' } } }, include: { devices: true } });
    assert.equal((await replace(planned.devices[0]!.id, { newSerial: serial(6) })).status, 409);
    assert.equal((await replace('00000000-0000-7000-8000-000000000000', { newSerial: serial(6) })).status, 404);

    assert.deepEqual(await deviceAt(siteId), device);
    assert.equal(await database.prisma.rmaRecord.count(), 0);
    assert.equal(await database.prisma.auditEntry.count(), audits);
  });

  it('replaces a powered-off branch box: the new serial phones home, gets the old configuration, and the tunnels come back up', async () => {
    const siteId = await onboardedSite(branch('Amiens store', 'SRX-SIM-300', 2), 2);
    const device = await deviceAt(siteId);
    const lastVersion = () => database.prisma.configVersion.findFirstOrThrow({ where: { deviceId: device.id }, orderBy: { version: 'desc' } });
    const before = await lastVersion();
    const hub = await deviceAt(hubId);
    const hubVersionBefore = (await database.prisma.configVersion.findFirstOrThrow({ where: { deviceId: hub.id }, orderBy: { version: 'desc' } })).version;
    const oldAddress = box(2).identity.address;
    // The hub's tunnels, one per branch: the one to this branch goes down with its box.
    const hubTunnels = await eventually('the tunnels did not come up', async () => up(1, 'st0.'), (u) => u.length === 2);
    await box(2).powerOff();
    await eventually('the hub still sees its tunnel up', async () => up(1, 'st0.'), (u) => u.length === 1);
    const started = await replace(device.id, { newSerial: serial(3), reason: 'power supply failed' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.match(started.body.activationCode ?? '', /^[\w-]{12}$/);
    // Only the right code is admitted: the spare phoning home with none is refused, with an alarm, and waits.
    await eventually('the device was not marked in RMA', () => deviceAt(siteId), (d) => d.serial === serial(3) && d.status === 'rma');
    await eventually('the spare calling with no code raised no alarm', () => activationAlarms(device.id), (alarms) => alarms.some((a) => a.state === 'active'));
    box(3).setActivationCode(started.body.activationCode!);

    const done = await settled(device.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.deepEqual(done.steps.map((s) => s.status), Array(7).fill('completed'));
    assert.deepEqual([done.oldSerial, done.newSerial], [serial(2), serial(3)]);
    await recordHistory(lab.client, started.body.workflowId, 'rma');
    await recordHistory(lab.client, `ztp/${device.id}`, 'ztp-of-a-replacement');

    // Same device, same identity: only the hardware changed.
    const replaced = await deviceAt(siteId);
    assert.deepEqual(
      [replaced.id, replaced.hostname, replaced.serial, replaced.status, replaced.managementAddress, replaced.hostKeySha256, replaced.activationCodeHash],
      [device.id, device.hostname, serial(3), 'online', box(3).identity.address, box(3).hostKeySha256, null],
    );
    // The new box runs the old configuration: read back after ZTP and the policies pushed again,
    // it is the version on record still (a different one would have been recorded anew).
    assert.deepEqual(await lastVersion(), before);
    assert.match(running(3), new RegExp(`<host-name>${device.hostname}</host-name>`));
    // The hub's tunnel now ends on the new box, on the same unit; both ends are up.
    assert.ok(running(1).includes(`<address>${box(3).identity.address}</address>`));
    assert.ok(!running(1).includes(`<address>${oldAddress}</address>`));
    assert.deepEqual(up(1, 'st0.'), hubTunnels);
    assert.equal(up(3, 'st0.').length, 1);
    // The hub's configuration versions say the replacement made them: its tunnel removed, then restored.
    const hubVersions = await database.prisma.configVersion.findMany({ where: { deviceId: hub.id, version: { gt: hubVersionBefore } }, orderBy: { version: 'asc' } });
    assert.deepEqual(hubVersions.map((v) => v.source), ['rma', 'rma']);

    const [record] = await database.prisma.rmaRecord.findMany({ where: { deviceId: device.id } });
    assert.deepEqual([record!.oldSerial, record!.newSerial, record!.status, record!.reason], [serial(2), serial(3), 'closed', 'power supply failed']);
    assert.ok(record!.closedAt! > record!.openedAt);
    assert.equal((await database.prisma.runSummary.findUniqueOrThrow({ where: { workflowId: started.body.workflowId } })).status, 'completed');
    // The refused calls' alarm is cleared: the box it was about is in service.
    const refusals = await activationAlarms(device.id);
    assert.ok(refusals.length > 0 && refusals.every((a) => a.state === 'cleared' && a.clearedAt !== null), JSON.stringify(refusals));
    assert.equal(await database.prisma.auditEntry.count({ where: { action: 'device.rma.start', objectId: device.id } }), 1);
    assert.deepEqual((await database.prisma.domainEvent.findMany({ where: { type: { startsWith: 'device.r' } }, orderBy: { at: 'asc' } })).map((e) => e.type), ['device.rma_opened', 'device.replaced']);
    const records = await lab.api<{ items: { newSerial: string; status: string }[] }>('GET', `/api/v1/rma-records?deviceId=${device.id}`);
    assert.deepEqual(records.body.items.map((r) => [r.newSerial, r.status]), [[serial(3), 'closed']]);
  });

  it('replaces a box with a spare that phoned home already, admitting it by the host key it reported: no activation code, no alarm', async () => {
    const siteId = (await database.prisma.site.findFirstOrThrow({ where: { name: 'Amiens store' } })).id;
    const device = await deviceAt(siteId);
    const alarmsBefore = await database.prisma.alarm.count({ where: { deviceId: device.id } });
    await eventually('the spare did not phone home', unclaimed, (serials) => serials.includes(serial(7)));
    await box(3).powerOff();
    const started = await replace(device.id, { newSerial: serial(7), admitBy: 'host_key', reason: 'fan failed' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.activationCode, null);

    // Nobody types anything: the spare, still calling, is admitted by its host key.
    const done = await settled(device.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.deepEqual([done.oldSerial, done.newSerial], [serial(3), serial(7)]);
    assert.equal(box(7).activationCode, undefined);
    const replaced = await deviceAt(siteId);
    assert.deepEqual(
      [replaced.serial, replaced.status, replaced.managementAddress, replaced.hostKeySha256, replaced.activationCodeHash],
      [serial(7), 'online', box(7).identity.address, box(7).hostKeySha256, null],
    );
    assert.ok(running(1).includes(`<address>${box(7).identity.address}</address>`));
    assert.ok(!(await unclaimed()).includes(serial(7)), 'the spare is no longer unclaimed');
    assert.equal(await database.prisma.alarm.count({ where: { deviceId: device.id } }), alarmsBefore, 'no alarm was raised');
  });

  it('replaces a small box with a documented bigger model, and an aborted replacement leaves the device in RMA', async () => {
    const siteId = (await database.prisma.site.findFirstOrThrow({ where: { name: 'Arras store' } })).id;
    const device = await deviceAt(siteId);
    await box(4).powerOff();
    const started = await replace(device.id, { newSerial: serial(5), newModel: 'SRX-SIM-300' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await eventually('the device was not marked in RMA', () => deviceAt(siteId), (d) => d.serial === serial(5));
    box(5).setActivationCode(started.body.activationCode!);
    const done = await settled(device.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.deepEqual([(await deviceAt(siteId)).model, (await deviceAt(siteId)).status], ['SRX-SIM-300', 'online']);
    assert.ok(running(1).includes(`<address>${box(5).identity.address}</address>`));

    // A second replacement whose box never calls: aborted while it waits.
    const again = await replace(device.id, { newSerial: serial(6) });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal((await replace(device.id, { newSerial: 'BLS9999999' })).status, 409);
    await eventually('the new box was not awaited', async () => (await lab.api<Progress>('GET', `/api/v1/devices/${device.id}/rma`)).body,
      (p) => p.steps.find((s) => s.name === 'ztp')?.status === 'running');
    assert.equal((await lab.api('POST', `/api/v1/devices/${device.id}/rma/abort`)).status, 202);
    const aborted = await settled(device.id);
    assert.deepEqual([aborted.execution, aborted.state], ['CANCELLED', 'aborted']);
    const record = await database.prisma.rmaRecord.findFirstOrThrow({ where: { deviceId: device.id }, orderBy: { openedAt: 'desc' } });
    assert.equal(record.status, 'aborted');
    assert.equal((await deviceAt(siteId)).status, 'rma');
    assert.equal(await database.prisma.alarm.count({ where: { deviceId: device.id, type: 'rma.failed' } }), 1);
  });
});
