// For tests of the device activities against simulated boxes: a fleet, an image server handing
// out one image, the activities wired to both, each box's target, and one stop for all of it.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { Fleet } from '../simulator/fleet.ts';
import { createTestDatabase } from './testing.ts';
import { createDeviceActivities, type DeviceActivities } from '../activities/devices/activities.ts';
import { NetconfSessionPool } from '../activities/devices/netconf/pool.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';

export interface FleetActivities {
  fleet: Fleet;
  activities: DeviceActivities;
  /** BLS0000001 first. */
  targets: DeviceTarget[];
  stop(): Promise<void>;
}

export async function fleetActivities(options: { devices: number; baseAddress: string; snmpPort: number; netconfPort: number; image: Buffer; password: string }): Promise<FleetActivities> {
  const database = await createTestDatabase();
  const credentials = { username: 'branchline', password: options.password, community: options.password };
  const fleet = await Fleet.start({
    devices: options.devices, baseAddress: options.baseAddress, snmpPort: options.snmpPort, netconfPort: options.netconfPort, controlPort: 0,
    models: ['SRX-SIM-300'], phoneHomeIntervalMs: 1000, rebootMs: 200, credentials,
  });
  const targets = [...fleet.devices.values()].map(({ identity }): DeviceTarget => ({
    deviceId: randomUUID(), serial: identity.serial, platform: 'junos', host: identity.address, netconfPort: identity.netconfPort, snmpPort: identity.snmpPort,
  }));
  const images = createServer((_request, response) => response.end(options.image));
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  const transports = { netconf: new NetconfSessionPool({ maxSessions: 4, idleMs: 5000 }), snmp: new SnmpClient({ timeoutMs: 1000, retries: 1 }) };
  const activities = createDeviceActivities({
    prisma: database.prisma, transports, credentials, secretsKey: randomBytes(32), imageBaseUrl: `http://127.0.0.1:${(images.address() as AddressInfo).port}`,
  });
  return {
    fleet, activities, targets,
    async stop() {
      await transports.netconf.close();
      transports.snmp.close();
      await fleet.stop();
      images.close();
      await database.drop();
    },
  };
}
