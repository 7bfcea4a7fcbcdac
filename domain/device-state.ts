// What a device reports now (facts and interfaces), read for the device and site pages: the
// device activity answers it, the API passes it on, the pages show it.
export interface DeviceInterfaceState {
  name: string;
  adminUp: boolean;
  operUp: boolean;
  addresses: string[];
}

export interface DeviceState {
  hostName: string;
  model: string;
  serial: string;
  softwareVersion: string;
  uptimeSeconds: number;
  interfaces: DeviceInterfaceState[];
  /** When the device answered (ISO 8601). */
  readAt: string;
}
