// The device models Branchline knows: which family drives them and which ports they have.
// Pure data, shared by validation (API), configuration rendering (workflows) and the UI.
export interface DeviceModel {
  model: string;
  platform: string;
  label: string;
  /** Ports that can carry a WAN link (dl0 is the LTE modem). */
  wanPorts: string[];
  /** Ports for LAN segments. */
  lanPorts: string[];
  /** Can terminate spokes' tunnels. */
  hub: boolean;
}

export const deviceModels: readonly DeviceModel[] = [
  { model: 'SRX-SIM-100', platform: 'junos-sim', label: 'Branch CPE, small', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'], lanPorts: ['ge-0/0/2'], hub: false },
  { model: 'SRX-SIM-300', platform: 'junos-sim', label: 'Branch CPE, medium', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'], lanPorts: ['ge-0/0/2', 'ge-0/0/3'], hub: false },
  { model: 'SRX-SIM-4600', platform: 'junos-sim', label: 'Hub gateway', wanPorts: ['ge-0/0/0', 'ge-0/0/1'], lanPorts: ['ge-0/0/2', 'ge-0/0/3'], hub: true },
];

export const deviceModelNames = deviceModels.map((m) => m.model) as [string, ...string[]];

export function deviceModel(model: string): DeviceModel | undefined {
  return deviceModels.find((m) => m.model === model);
}
