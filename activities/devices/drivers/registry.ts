// Drivers by platform. A new device family is a new driver registered here.
import { DeviceError } from '../errors.ts';
import type { DeviceConnection, DeviceDriver, DriverFactory, Transports } from './contract.ts';
import { junosDriver } from './junos.ts';
import { netconfDriver } from './netconf.ts';

export const drivers: Readonly<Record<string, DriverFactory>> = {
  junos: junosDriver,
  // The platform's name before the simulator spoke Junos: runs started then still carry it in their targets.
  'junos-sim': junosDriver,
  netconf: netconfDriver,
};

export function driverFor(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const factory = drivers[connection.platform];
  if (!factory) {
    throw new DeviceError('rejected', `no driver for platform "${connection.platform}" (device ${connection.serial}); known: ${Object.keys(drivers).join(', ')}`);
  }
  return factory(connection, transports);
}
