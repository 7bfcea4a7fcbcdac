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
  { model: 'SRX-SIM-100', platform: 'junos', label: 'Branch CPE, small', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'], lanPorts: ['ge-0/0/2'], hub: false },
  { model: 'SRX-SIM-300', platform: 'junos', label: 'Branch CPE, medium', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'], lanPorts: ['ge-0/0/2', 'ge-0/0/3'], hub: false },
  { model: 'SRX-SIM-4600', platform: 'junos', label: 'Hub gateway', wanPorts: ['ge-0/0/0', 'ge-0/0/1'], lanPorts: ['ge-0/0/2', 'ge-0/0/3'], hub: true },
];

export const deviceModelNames = deviceModels.map((m) => m.model) as [string, ...string[]];

export function deviceModel(model: string): DeviceModel | undefined {
  return deviceModels.find((m) => m.model === model);
}


/**
 * A failed box may be replaced by another model when it is listed here, its ports renamed as
 * given in the configuration it receives. A bigger branch box has the small one's ports under the
 * same names, so it takes the configuration as it is. Anything else is refused: the same model.
 */
export const replacementModels: Readonly<Record<string, readonly { model: string; ports: Readonly<Record<string, string>> }[]>> = {
  'SRX-SIM-100': [{ model: 'SRX-SIM-300', ports: {} }],
};

/** The port renames that take `failed`'s configuration to `replacement`, or undefined when it cannot replace it. */
export function portMapping(failed: string, replacement: string): Readonly<Record<string, string>> | undefined {
  if (failed === replacement) return {};
  return replacementModels[failed]?.find((r) => r.model === replacement)?.ports;
}
