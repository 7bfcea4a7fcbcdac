// Pre/post checks as data (STYLE, from JSNAPy): what must hold on a device after a change. Plans
// write them, workflows carry them, the device layer reads the device and judges them.

/** What must hold after a change, as data: checked against what the device reports. */
export type PostCheck =
  /** Up, and holding `address` (with its prefix length) when one is given. */
  | { kind: 'interface-up'; interface: string; address?: string }
  | { kind: 'probe-up'; link: string }
  /**
   * The tunnel to `peer` still carries traffic: its IKE and IPsec SAs up (its `interface`, the st0
   * unit, up where the device tells no SAs). Judged only for tunnels up before the change: a peer
   * already down is no fault of the change.
   */
  | { kind: 'tunnel-up'; peer: string; interface: string }
  | { kind: 'version'; equals: string };
