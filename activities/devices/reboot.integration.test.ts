// Rebooting a simulated box with the device activities, as an upgrade does: the reboot's time is
// the device's own boot time, a retried reboot does not reboot again, and a reboot however fast is
// seen to have happened.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simulatorImage } from '../../simulator/device.ts';
import type { DeviceTarget } from '../../domain/site-plan.ts';
import type { DeviceActivities } from './activities.ts';
import { fleetActivities, type FleetActivities } from '../../scripts/fleet-activities.ts';

describe('rebooting a device', { timeout: 120_000 }, () => {
  const image = simulatorImage('SRX-SIM-300', '23.2R1');
  let lab: FleetActivities;
  let activities: DeviceActivities;
  let target: DeviceTarget;
  const box = () => lab.fleet.device('BLS0000001')!;
  /** Runs an activity as a worker would (heartbeats, cancellation), within `ms`. */
  const run = <T>(work: () => Promise<T>, ms = 20_000): Promise<T> => Promise.race([
    new MockActivityEnvironment().run(work) as Promise<T>,
    sleep(ms).then((): never => assert.fail(`no answer within ${ms} ms`)),
  ]);
  const answering = async () => {
    for (let i = 0; i < 100 && !(await activities.readBootTime({ target }).then(() => true, () => false)); i++) await sleep(100);
  };

  before(async () => {
    lab = await fleetActivities({ devices: 1, baseAddress: '127.72.0.1', snmpPort: 37162, netconfPort: 37831, image, password: 'reboot-test' });
    ({ activities } = lab);
    target = lab.targets[0]!;
    await sleep(3_000); // the box has been up a while, as one in service has
  });
  after(async () => {
    await lab?.stop();
  });

  it('reboots once: a retry that finds the device booted since the boot time it was given does not reboot it again', async () => {
    const { bootedAt } = await activities.readBootTime({ target });
    await activities.rebootDevice({ target, bootedAt });
    await sleep(500);
    await answering();
    // The first attempt's answer was lost: Temporal runs it again, with the same input.
    await activities.rebootDevice({ target, bootedAt });
    await sleep(500);
    assert.equal(box().reboots, 1);
  });

  it('knows the device is back from its reboot however fast it came back, before anyone looked', async () => {
    await sleep(3_000);
    const { bootedAt } = await activities.readBootTime({ target });
    await activities.rebootDevice({ target, bootedAt });
    await sleep(2_500); // back within 200 ms: up for seconds by the time the wait begins
    const back = await run(() => activities.waitUntilBack({ target, version: box().softwareVersion(), bootedAfter: bootedAt }));
    assert.equal(back.version, box().softwareVersion());
    assert.equal(box().reboots, 2);
  });

  it('withdraws a staged install without rebooting, and a retry changes nothing more', async () => {
    const sha256 = createHash('sha256').update(image).digest('hex');
    await run(() => activities.stageImage({ target, image: { model: 'SRX-SIM-300', version: '23.2R1', sha256 } }));
    assert.equal(box().pendingVersion, '23.2R1');
    const reboots = box().reboots;
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.deepEqual(await activities.setNextBootSoftware({ target, version: '22.4R1' }), { version: '22.4R1' });
      assert.ok(box().pendingVersion === null || box().pendingVersion === '22.4R1', `nothing new boots next (${box().pendingVersion})`);
    }
    assert.equal(box().softwareVersion(), '22.4R1');
    assert.equal(box().reboots, reboots);
  });
});
