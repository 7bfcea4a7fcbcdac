// The device models Branchline knows: which family drives them and which ports they have.
// Pure data, shared by validation (API), configuration rendering (workflows) and the UI.

export interface DeviceModel {
  model: string;
  platform: string;
  /** What the box calls itself: `product-model` in Junos's get-software-information (`show version`). */
  productModel: string;
  label: string;
  /** Ports that can carry a WAN link (dl0 is the LTE modem). */
  wanPorts: string[];
  /** Ports for LAN segments. */
  lanPorts: string[];
  /** Can terminate spokes' tunnels. */
  hub: boolean;
  /**
   * A universal CPE: what its host offers virtual network functions, after what Junos itself keeps
   * (the NFX's control plane pins cores and memory of its own). Absent: the box hosts none.
   */
  vnfHost?: VnfHostResources;
}

export interface VnfHostResources {
  cores: number;
  memoryMiB: number;
  /** Room for VNF images and disks (/var/public). */
  diskGiB: number;
}

const ports = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

export const deviceModels: readonly DeviceModel[] = [
  // The simulated fleet's models (the demo and the tests).
  { model: 'SRX-SIM-100', platform: 'junos', productModel: 'srx-sim-100', label: 'Branch CPE, small (simulated)', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'], lanPorts: ['ge-0/0/2'], hub: false },
  { model: 'SRX-SIM-300', platform: 'junos', productModel: 'srx-sim-300', label: 'Branch CPE, medium (simulated)', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'], lanPorts: ['ge-0/0/2', 'ge-0/0/3'], hub: false },
  { model: 'SRX-SIM-4600', platform: 'junos', productModel: 'srx-sim-4600', label: 'Hub gateway (simulated)', wanPorts: ['ge-0/0/0', 'ge-0/0/1'], lanPorts: ['ge-0/0/2', 'ge-0/0/3'], hub: true },
  // Juniper's branch and hub SRX Series, with their fixed ports (ge-0/0/6-7 on SRX300/320 and
  // ge-0/0/8-15 on SRX340/345 are SFP; dl0 is the LTE Mini-PIM where a slot takes one).
  { model: 'SRX300', platform: 'junos', productModel: 'srx300', label: 'Branch, 8 × 1GbE', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'ge-0/0/6', 'ge-0/0/7'], lanPorts: ports('ge-0/0/', 2, 5), hub: false },
  { model: 'SRX320', platform: 'junos', productModel: 'srx320', label: 'Branch, 8 × 1GbE, LTE', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'ge-0/0/6', 'ge-0/0/7', 'dl0'], lanPorts: ports('ge-0/0/', 2, 5), hub: false },
  { model: 'SRX340', platform: 'junos', productModel: 'srx340', label: 'Branch, 16 × 1GbE, LTE', wanPorts: ['ge-0/0/0', 'ge-0/0/1', ...ports('ge-0/0/', 8, 11), 'dl0'], lanPorts: [...ports('ge-0/0/', 2, 7), ...ports('ge-0/0/', 12, 15)], hub: false },
  { model: 'SRX345', platform: 'junos', productModel: 'srx345', label: 'Large branch, 16 × 1GbE, LTE', wanPorts: ['ge-0/0/0', 'ge-0/0/1', ...ports('ge-0/0/', 8, 11), 'dl0'], lanPorts: [...ports('ge-0/0/', 2, 7), ...ports('ge-0/0/', 12, 15)], hub: false },
  { model: 'SRX1500', platform: 'junos', productModel: 'srx1500', label: 'Hub, 16 × 1GbE, 4 × 10GbE', wanPorts: ['xe-0/0/16', 'xe-0/0/17', 'ge-0/0/0', 'ge-0/0/1'], lanPorts: [...ports('ge-0/0/', 2, 15), 'xe-0/0/18', 'xe-0/0/19'], hub: true },
  { model: 'SRX4600', platform: 'junos', productModel: 'srx4600', label: 'Hub, 8 × 10GbE', wanPorts: ['xe-1/1/0', 'xe-1/1/1'], lanPorts: ports('xe-1/1/', 2, 7), hub: true },
  // Juniper's NFX universal CPEs (Junos on the host, VNFs beside it): NFX150-S1 has 4 cores and
  // 8 GiB, NFX250-S2 8 cores and 32 GiB; Junos keeps 2 cores and 4 GiB (NFX150) or 8 GiB (NFX250).
  {
    model: 'NFX150', platform: 'junos', productModel: 'nfx150', label: 'Universal CPE, 4 cores, 8 GiB', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'],
    lanPorts: ports('ge-0/0/', 2, 3), hub: false, vnfHost: { cores: 2, memoryMiB: 4096, diskGiB: 64 },
  },
  {
    model: 'NFX250', platform: 'junos', productModel: 'nfx250', label: 'Universal CPE, 8 cores, 32 GiB', wanPorts: ['ge-0/0/0', 'ge-0/0/1', 'dl0'],
    lanPorts: ports('ge-0/0/', 2, 3), hub: false, vnfHost: { cores: 6, memoryMiB: 24_576, diskGiB: 200 },
  },
];

export const deviceModelNames = deviceModels.map((m) => m.model) as [string, ...string[]];

export function deviceModel(model: string): DeviceModel | undefined {
  return deviceModels.find((m) => m.model === model);
}

/** The catalogue's name for what a box reports as its product model ("srx340" → "SRX340"); what it said when Branchline knows no such model. */
export function modelOfProduct(productModel: string): string {
  const reported = productModel.trim().toLowerCase();
  return deviceModels.find((m) => m.productModel === reported)?.model ?? productModel;
}


/**
 * A failed box may be replaced by another model when it is listed here, its ports renamed as
 * given in the configuration it receives. A bigger branch box has the small one's ports under the
 * same names, so it takes the configuration as it is. Anything else is refused: the same model.
 */
export const replacementModels: Readonly<Record<string, readonly { model: string; ports: Readonly<Record<string, string>> }[]>> = {
  'SRX-SIM-100': [{ model: 'SRX-SIM-300', ports: {} }],
  SRX300: [{ model: 'SRX320', ports: {} }],
  SRX340: [{ model: 'SRX345', ports: {} }],
};

/** The port renames that take `failed`'s configuration to `replacement`, or undefined when it cannot replace it. */
export function portMapping(failed: string, replacement: string): Readonly<Record<string, string>> | undefined {
  if (failed === replacement) return {};
  return replacementModels[failed]?.find((r) => r.model === replacement)?.ports;
}
