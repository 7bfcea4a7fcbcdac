// How a driver reaches a device over each protocol, from the connection the inventory gives.
import type { NetconfTarget } from '../netconf/session.ts';
import type { SnmpTarget } from '../snmp.ts';
import type { DeviceConnection } from './contract.ts';

export function netconfTarget(connection: DeviceConnection): NetconfTarget {
  return {
    host: connection.host,
    port: connection.netconfPort,
    username: connection.username,
    password: connection.password,
    ...(connection.privateKey ? { privateKey: connection.privateKey } : {}),
    hostKeySha256: connection.hostKeySha256,
  };
}

export function snmpTarget(connection: DeviceConnection): SnmpTarget {
  const base = { host: connection.host, port: connection.snmpPort };
  return connection.snmpV3 ? { ...base, version: '3', v3: connection.snmpV3 } : { ...base, version: '2c', community: connection.community };
}
