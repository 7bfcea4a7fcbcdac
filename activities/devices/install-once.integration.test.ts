// Installing software with the device activities, retried (issue 20, hazard 8): a retry that
// overlaps the install its earlier attempt started, or comes after it, installs nothing more.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simulatorImage } from '../../simulator/device.ts';
import { fleetActivities, type FleetActivities } from '../../scripts/fleet-activities.ts';

describe('installing software, retried', { timeout: 120_000 }, () => {
  let lab: FleetActivities;
  const bytes = simulatorImage('SRX-SIM-300', '23.2R1');
  const image = { model: 'SRX-SIM-300', version: '23.2R1', sha256: createHash('sha256').update(bytes).digest('hex') };
  /** Runs an activity attempt as a worker would (heartbeats). */
  const attempt = <T>(work: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(work) as Promise<T>;

  before(async () => {
    lab = await fleetActivities({ devices: 2, baseAddress: '127.246.1.1', snmpPort: 37163, netconfPort: 37832, image: bytes, password: 'install-test' });
    // A real box takes minutes to add a package.
    for (const device of lab.fleet.devices.values()) device.faults.installMs = 3_000;
  });
  after(async () => {
    await lab?.stop();
  });

  it('stageImage › retried while the first attempt\'s install runs › installs once', async () => {
    const target = lab.targets[0]!;
    const box = lab.fleet.device(target.serial)!;
    // The first attempt's worker went quiet mid-install (its heartbeat timed out): Temporal runs it again meanwhile.
    const first = attempt(() => lab.activities.stageImage({ target, image }));
    for (let i = 0; i < 200 && box.installingVersion === undefined; i++) await sleep(50);
    assert.equal(box.installingVersion, '23.2R1', 'the first attempt is installing');
    const retry = attempt(() => lab.activities.stageImage({ target, image }));
    assert.deepEqual(await Promise.all([first, retry]), [{ version: '23.2R1' }, { version: '23.2R1' }]);
    assert.equal(box.installs, 1);
    assert.equal(box.pendingVersion, '23.2R1');
  });

  it('stageImage › retried after the first attempt\'s install, its answer lost › installs nothing more', async () => {
    const target = lab.targets[1]!;
    const box = lab.fleet.device(target.serial)!;
    await attempt(() => lab.activities.stageImage({ target, image }));
    assert.deepEqual(await attempt(() => lab.activities.stageImage({ target, image })), { version: '23.2R1' });
    assert.equal(box.installs, 1);
  });
});
