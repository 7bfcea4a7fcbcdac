// Drivers by platform. A new device family is a new driver registered here.
import { DeviceError } from '../errors.ts';
import { netconfDriver } from './netconf.ts';
import type { DeviceConnection, DeviceDriver, DriverFactory, Transports } from './contract.ts';
import { junosSimDriver } from './junos-sim.ts';

export const drivers: Readonly<Record<string, DriverFactory>> = {
  netconf: netconfDriver,
  'junos-sim': junosSimDriver,
};

export function driverFor(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const factory = drivers[connection.platform];
  if (!factory) {
    throw new DeviceError('rejected', `no driver for platform "${connection.platform}" (device ${connection.serial}); known: ${Object.keys(drivers).join(', ')}`);
  }
  return factory(connection, transports);
}
