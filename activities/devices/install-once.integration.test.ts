// Installing software with the device activities, retried (issue 20, hazard 8): a retry that
// overlaps the install its earlier attempt started, or comes after it, installs nothing more.
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

describe('installing software, retried', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let fleet: Fleet;
  let activities: DeviceActivities;
  const transports = { netconf: new NetconfSessionPool({ maxSessions: 4, idleMs: 5000 }), snmp: new SnmpClient({ timeoutMs: 1000, retries: 1 }) };
  const credentials = { username: 'branchline', password: 'install-test', community: 'install-test' };
  const bytes = simulatorImage('SRX-SIM-300', '23.2R1');
  const image = { model: 'SRX-SIM-300', version: '23.2R1', sha256: createHash('sha256').update(bytes).digest('hex') };
  const images = createServer((_request, response) => response.end(bytes));
  const targets: DeviceTarget[] = [];
  /** Runs an activity attempt as a worker would (heartbeats). */
  const attempt = <T>(work: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(work) as Promise<T>;

  before(async () => {
    database = await createTestDatabase();
    fleet = await Fleet.start({
      devices: 2, baseAddress: '127.246.1.1', snmpPort: 37163, netconfPort: 37832, controlPort: 0,
      models: ['SRX-SIM-300'], phoneHomeIntervalMs: 1000, rebootMs: 200, credentials,
    });
    for (const serial of ['BLS0000001', 'BLS0000002']) {
      const { identity } = fleet.device(serial)!;
      targets.push({ deviceId: randomUUID(), serial, platform: 'junos', host: identity.address, netconfPort: identity.netconfPort, snmpPort: identity.snmpPort });
      // A real box takes minutes to add a package.
      fleet.device(serial)!.faults.installMs = 3_000;
    }
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    activities = createDeviceActivities({
      prisma: database.prisma, transports, credentials, secretsKey: randomBytes(32), imageBaseUrl: `http://127.0.0.1:${(images.address() as AddressInfo).port}`,
    });
  });
  after(async () => {
    await transports.netconf.close();
    transports.snmp.close();
    await fleet.stop();
    images.close();
    await database.drop();
  });

  it('stageImage › retried while the first attempt\'s install runs › installs once', async () => {
    const [target] = targets;
    const box = fleet.device(target!.serial)!;
    // The first attempt's worker went quiet mid-install (its heartbeat timed out): Temporal runs it again meanwhile.
    const first = attempt(() => activities.stageImage({ target: target!, image }));
    for (let i = 0; i < 200 && box.installingVersion === undefined; i++) await sleep(50);
    assert.equal(box.installingVersion, '23.2R1', 'the first attempt is installing');
    const retry = attempt(() => activities.stageImage({ target: target!, image }));
    assert.deepEqual(await Promise.all([first, retry]), [{ version: '23.2R1' }, { version: '23.2R1' }]);
    assert.equal(box.installs, 1);
    assert.equal(box.pendingVersion, '23.2R1');
  });

  it('stageImage › retried after the first attempt\'s install, its answer lost › installs nothing more', async () => {
    const target = targets[1]!;
    const box = fleet.device(target.serial)!;
    await attempt(() => activities.stageImage({ target, image }));
    assert.deepEqual(await attempt(() => activities.stageImage({ target, image })), { version: '23.2R1' });
    assert.equal(box.installs, 1);
  });
});
