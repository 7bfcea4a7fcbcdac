// Upgrading one device end to end: the firmware catalogue (an upload through the API), the
// upgradeDevice workflow and a simulated box over NETCONF — to new software and, when it
// misbehaves, back to the old, with the reason said.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simulatorImage, startSeededLab, type Lab } from '../scripts/lab.ts';
import { recordHistory, type TestDatabase } from '../scripts/testing.ts';

const model = 'SRX-SIM-300';
const serial = 'BLS0000001';

interface Upgrade { execution: string; state: string; fromVersion: string | null; error: string | null; steps: { name: string; status: string; error?: string }[] }

describe('device upgrade', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let deviceId: string;
  const images = new Map<string, string>();

  async function upload(version: string): Promise<string> {
    const file = simulatorImage(model, version);
    const response = await fetch(`${lab.apiUrl}/api/v1/firmware-images?model=${model}&version=${version}`, {
      method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(file),
    });
    const body = (await response.json()) as { id: string; sha256: string; downloadUrl: string };
    assert.equal(response.status, 201, JSON.stringify(body));
    return body.id;
  }

  async function upgradeTo(version: string): Promise<Upgrade> {
    const started = await lab.api<{ started: boolean }>('POST', `/api/v1/devices/${deviceId}/upgrade`, { imageId: images.get(version) });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const until = Date.now() + 120_000;
    for (;;) {
      const { body } = await lab.api<Upgrade>('GET', `/api/v1/devices/${deviceId}/upgrade`);
      if (body.execution && body.execution !== 'RUNNING') return body;
      if (Date.now() > until) assert.fail(`the upgrade did not end: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const box = () => lab.fleet.device(serial)!;
  const faults = (change: object) => fetch(`${lab.fleet.controlUrl}/devices/${serial}/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change),
  });

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: [model], baseAddress: '127.46.0.1', snmpPort: 31161, netconfPort: 31830 }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    for (const version of ['23.2R1', '23.4R1', '24.1R1']) images.set(version, await upload(version));

    // A single full-mesh site: active once its box is provisioned.
    const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, name: 'Ghent depot', timezone: 'Europe/Brussels', tags: [], topology: 'full_mesh',
      devices: [{ role: 'primary', model, serial }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
    box().setActivationCode(created.body.activationCodes[0]!.code);
    for (let i = 0; i < 240 && (await database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } })).status !== 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    deviceId = (await database.prisma.device.findFirstOrThrow({ where: { serial } })).id;
    assert.equal(box().softwareVersion(), '22.4R1');
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('brings the device to the new software: staged, rebooted, back with a fresh uptime, everything up again', async () => {
    const upgrade = await upgradeTo('23.2R1');
    assert.equal(upgrade.execution, 'COMPLETED', JSON.stringify(upgrade));
    assert.equal(upgrade.fromVersion, '22.4R1');
    assert.deepEqual(upgrade.steps.map((s) => [s.name, s.status]), [
      ['pre-checks', 'completed'], ['stage', 'completed'], ['reboot', 'completed'], ['back', 'completed'], ['post-checks', 'completed'],
    ]);
    assert.equal(box().softwareVersion(), '23.2R1');
    assert.ok(box().interfaces().find((i) => i.name === 'ge-0/0/0')?.operUp);
    const device = await database.prisma.device.findUniqueOrThrow({ where: { id: deviceId } });
    assert.deepEqual([device.softwareVersion, device.status], ['23.2R1', 'online']);
    const run = await database.prisma.runSummary.findFirstOrThrow({ where: { workflowId: `upgrade-device/${deviceId}` } });
    assert.deepEqual([run.kind, run.status], ['device_upgrade', 'completed']);
  });

  it('does nothing to a device on that version already', async () => {
    const upgrade = await upgradeTo('23.2R1');
    assert.equal(upgrade.execution, 'COMPLETED');
    assert.deepEqual(upgrade.steps.slice(1).map((s) => s.status), ['skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('rolls back to the previous software when interfaces up before are down after, and says why', async () => {
    await faults({ wanDownOnVersion: '23.4R1' });
    try {
      const upgrade = await upgradeTo('23.4R1');
      assert.equal(upgrade.execution, 'FAILED');
      assert.equal(upgrade.state, 'rolled_back');
      assert.match(upgrade.error!, /ge-0\/0\/0 is down.*Rolled back to 23\.2R1/);
      assert.deepEqual(upgrade.steps.map((s) => [s.name, s.status]), [
        ['pre-checks', 'completed'], ['stage', 'completed'], ['reboot', 'completed'], ['back', 'completed'], ['post-checks', 'failed'], ['rollback', 'completed'],
      ]);
      assert.equal(box().softwareVersion(), '23.2R1');
      assert.ok(box().interfaces().find((i) => i.name === 'ge-0/0/0')?.operUp);
      const device = await database.prisma.device.findUniqueOrThrow({ where: { id: deviceId } });
      assert.deepEqual([device.softwareVersion, device.status], ['23.2R1', 'online']);
      await recordHistory(lab.client, `upgrade-device/${deviceId}`, 'upgrade-device-rolled-back-rebooted-once');
    } finally {
      await faults({ wanDownOnVersion: null });
    }
  });

  it('fails without touching the device when the install is refused or there is no room for the image', async () => {
    await faults({ failNextInstall: 'package signature invalid' });
    const refused = await upgradeTo('24.1R1');
    assert.equal(refused.execution, 'FAILED');
    assert.match(refused.error!, /package signature invalid/);
    assert.equal(refused.steps.find((s) => s.name === 'rollback'), undefined, 'nothing was installed: nothing to roll back');
    assert.equal(box().softwareVersion(), '23.2R1');

    await faults({ storageFreeBytes: 10 }); // the simulator's images are a hundred bytes or so
    try {
      const full = await upgradeTo('24.1R1');
      assert.equal(full.execution, 'FAILED');
      assert.match(full.error!, /has 0 bytes free/); // the device counts its room in blocks of 512 bytes
      assert.equal(full.steps.find((s) => s.name === 'stage')?.status, 'pending');
      assert.equal(box().softwareVersion(), '23.2R1');
    } finally {
      await faults({ storageFreeBytes: 4 * 1024 ** 3 });
    }
  });

  it('refuses an image of another model, and an upload whose sha256 does not match', async () => {
    const other = await database.prisma.firmwareImage.create({ data: { model: 'SRX-SIM-100', version: '23.2R1', sha256: 'a'.repeat(64), sizeBytes: 10, fileName: 'x.img' } });
    const wrong = await lab.api<{ errors: { path: string; message: string }[] }>('POST', `/api/v1/devices/${deviceId}/upgrade`, { imageId: other.id });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.errors[0]!.message, /SRX-SIM-100/);
    const damaged = await fetch(`${lab.apiUrl}/api/v1/firmware-images?model=${model}&version=25.1R1&sha256=${'b'.repeat(64)}`, {
      method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(simulatorImage(model, '25.1R1')),
    });
    assert.equal(damaged.status, 400);
    assert.equal(await database.prisma.firmwareImage.count({ where: { version: '25.1R1' } }), 0);
  });
});
