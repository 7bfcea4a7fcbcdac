// A network service on a uCPE, pure: the chain's VLANs (ingress, one between each pair of
// functions, egress), each function's guest interfaces on them (function n's right side and n+1's
// left side share a VLAN), and what the box's reported path must show for the chain to count as
// stitched. The API, the workflow and the UI share it. No schemas here: the workflow bundle
// evaluates every module it holds for each run it starts (see network-service-request.ts).

/** VLAN ids the chains of a uCPE take, a block of `vlanBlock` per network service. */
export const chainVlanRange = { first: 3000, last: 3999 } as const;
export const vlanBlock = 10;
/** Functions in one chain at most (the template's limit): its VLANs fit in one block. */
export const maxChainFunctions = 8;

export interface ChainVlan {
  name: string;
  id: number;
}

/** The chain's VLANs: `functions + 1` of them, named for the service so two chains never share one. */
export function chainVlans(serviceInstanceId: string, vlanBase: number, functions: number): ChainVlan[] {
  const tag = serviceInstanceId.replace(/-/g, '').slice(-8);
  return Array.from({ length: functions + 1 }, (_, i) => ({ name: `ns-${tag}-${i}`, id: vlanBase + i }));
}

/** The first free block of VLANs on a uCPE, given the blocks its other chains hold; undefined when none is left. */
export function freeVlanBase(taken: readonly number[]): number | undefined {
  for (let base = chainVlanRange.first; base + vlanBlock - 1 <= chainVlanRange.last; base += vlanBlock) {
    if (!taken.includes(base)) return base;
  }
  return undefined;
}

export interface ChainInterface {
  name: string;
  vlan: string;
}

/** Function `position`'s guest interfaces on the chain: its left on the VLAN before it, its right on the one after. */
export function functionInterfaces(vlans: readonly ChainVlan[], position: number, sides: { left: string; right: string }): ChainInterface[] {
  return [{ name: sides.left, vlan: vlans[position]!.name }, { name: sides.right, vlan: vlans[position + 1]!.name }];
}

/** The path a flow takes through the chain, as the uCPE reports it. */
export interface ServiceChainPath {
  ingressVlan: string;
  hops: { vnf: string; ingressInterface: string; egressInterface: string | null; state: string }[];
  egressVlan: string | null;
  status: string;
  droppedAt?: string | undefined;
}

/** Why the reported path is not the chain (undefined: it is): every function in order, forwarding, out on the egress VLAN. */
export function chainPathProblem(path: ServiceChainPath, expected: { vnfs: readonly string[]; egressVlan: string }): string | undefined {
  const through = path.hops.map((h) => h.vnf);
  if (path.status !== 'forwarding') return `the flow is dropped at ${path.droppedAt ?? 'an unknown hop'} (it passes ${through.join(' → ') || 'nothing'})`;
  if (through.join(',') !== expected.vnfs.join(',')) return `the flow passes ${through.join(' → ') || 'no VNF'}, not ${expected.vnfs.join(' → ')}`;
  if (path.egressVlan !== expected.egressVlan) return `the flow leaves on ${path.egressVlan ?? 'nothing'}, not ${expected.egressVlan}`;
  return undefined;
}
