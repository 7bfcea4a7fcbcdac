// Rebooting a simulated box with the device activities, as an upgrade does: the reboot's time is
// the device's own boot time, a retried reboot does not reboot again, and a reboot however fast is
// seen to have happened.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simulatorImage } from '../../simulator/device.ts';
import { Fleet } from '../../simulator/fleet.ts';
import type { DeviceTarget } from '../../domain/site-plan.ts';
import { createTestDatabase, type TestDatabase } from '../../scripts/testing.ts';
import { createDeviceActivities, type DeviceActivities } from './activities.ts';
import { NetconfSessionPool } from './netconf/pool.ts';
import { SnmpClient } from './snmp.ts';

describe('rebooting a device', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let fleet: Fleet;
  let activities: DeviceActivities;
  const transports = { netconf: new NetconfSessionPool({ maxSessions: 2, idleMs: 5000 }), snmp: new SnmpClient({ timeoutMs: 1000, retries: 1 }) };
  const credentials = { username: 'branchline', password: 'reboot-test', community: 'reboot-test' };
  let target: DeviceTarget;
  const image = simulatorImage('SRX-SIM-300', '23.2R1');
  const images = createServer((_request, response) => response.end(image));
  const box = () => fleet.device('BLS0000001')!;
  /** Runs an activity as a worker would (heartbeats, cancellation), within `ms`. */
  const run = <T>(work: () => Promise<T>, ms = 20_000): Promise<T> => Promise.race([
    new MockActivityEnvironment().run(work) as Promise<T>,
    sleep(ms).then((): never => assert.fail(`no answer within ${ms} ms`)),
  ]);
  const answering = async () => {
    for (let i = 0; i < 100 && !(await activities.readBootTime({ target }).then(() => true, () => false)); i++) await sleep(100);
  };

  before(async () => {
    database = await createTestDatabase();
    fleet = await Fleet.start({
      devices: 1, baseAddress: '127.72.0.1', snmpPort: 37162, netconfPort: 37831, controlPort: 0,
      models: ['SRX-SIM-300'], phoneHomeIntervalMs: 1000, rebootMs: 200, credentials,
    });
    const { identity } = box();
    target = { deviceId: randomUUID(), serial: box().serial, platform: 'junos', host: identity.address, netconfPort: identity.netconfPort, snmpPort: identity.snmpPort };
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    const imageBaseUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    activities = createDeviceActivities({ prisma: database.prisma, transports, credentials, secretsKey: randomBytes(32), imageBaseUrl });
    await sleep(3_000); // the box has been up a while, as one in service has
  });
  after(async () => {
    await transports.netconf.close();
    transports.snmp.close();
    await fleet.stop();
    images.close();
    await database.drop();
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
