// A universal CPE's host (NFX-like): the VNFs its running configuration defines, their images in
// /var/public, the cores, memory and disk they take, boot time, and each running VNF's guest — a
// simulated device of its own on its own loopback address, speaking NETCONF and SNMP, so day-1
// configuration and health checks are real protocol traffic. Faults come from the control API.
import { childText, elementChildren, escapeXml, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import type { VnfHostResources } from '../domain/device-models.ts';

/** A VNF image for the simulator: a header naming product, version and the size it stands for, then payload. */
export function simulatorVnfImage(product: string, version: string, sizeGiB = 1): Buffer {
  return Buffer.concat([Buffer.from(`BRANCHLINE-SIM-VNF product=${product} version=${version} size-gib=${sizeGiB}\n`), Buffer.from(`${product}/${version}`)]);
}

export function parseVnfImage(bytes: Buffer): { product: string; version: string; sizeGiB: number } | undefined {
  const header = /^BRANCHLINE-SIM-VNF product=(\S+) version=(\S+) size-gib=(\d+)\n/.exec(bytes.subarray(0, 200).toString('latin1'));
  return header ? { product: header[1]!, version: header[2]!, sizeGiB: Number(header[3]) } : undefined;
}

export const vnfImageDirectory = '/var/public/';

export interface VnfDefinition {
  name: string;
  image: string;
  vcpus: number;
  memoryKiB: number;
  interfaces: { name: string; vlans: string[] }[];
  autostart: boolean;
}

export type VnfState = 'booting' | 'running' | 'crashed' | 'shutdown' | 'error';

/** The path a flow takes through a service chain, hop by hop, as the host reports it. */
export interface ServicePath {
  ingressVlan: string;
  hops: { vnf: string; ingressInterface: string; egressInterface: string | null; state: VnfState | 'hung' }[];
  /** Where the flow leaves the chain (null: dropped on the way). */
  egressVlan: string | null;
  status: 'forwarding' | 'dropped';
  droppedAt?: string;
}

/** What the host runs a guest with: the simulator's device machinery, started and stopped on demand. */
export interface VnfGuest {
  powerOn(): Promise<void>;
  powerOff(): Promise<void>;
  stop(): Promise<void>;
  /** Hang: the process lives, the guest answers nothing. */
  setHung(hung: boolean): Promise<void>;
}

export interface VnfHostOptions {
  bootMs: number;
  /** Loopback addresses the host gives its guests' management interfaces, in order. */
  addresses: string[];
  createGuest(input: { name: string; address: string; product: string; version: string }): VnfGuest;
  onChange(): void;
}

interface HostedVnf {
  definition: VnfDefinition;
  state: VnfState;
  /** Why it is in error. */
  reason?: string;
  address: string;
  /** Counted against the host's resources (false: refused for want of them). */
  placed: boolean;
  guest?: VnfGuest;
  hung: boolean;
  /** Boots since it was defined: a test's proof that nothing booted twice. */
  boots: number;
  timer?: NodeJS.Timeout;
}

const gib = 1024 ** 3;

export function vnfDefinitions(running: Document): VnfDefinition[] {
  const root = running.documentElement;
  const section = root ? elementChildren(root).filter((e) => e.localName === 'virtual-network-functions') : [];
  const child = (e: Element | undefined, name: string) => e && elementChildren(e).find((c) => c.localName === name);
  return section.map((vnf) => ({
    name: childText(vnf, 'name') ?? '',
    image: childText(child(vnf, 'image')!, 'file') ?? '',
    vcpus: Number(childText(child(vnf, 'virtual-cpu')!, 'count') ?? 0),
    memoryKiB: Number(childText(child(vnf, 'memory')!, 'size') ?? 0),
    interfaces: elementChildren(vnf).filter((e) => e.localName === 'interfaces').map((iface) => ({
      name: childText(iface, 'name') ?? '',
      vlans: (() => {
        const vlan = child(child(iface, 'mapping'), 'vlan');
        return vlan ? elementChildren(vlan).filter((m) => m.localName === 'members').map((m) => m.textContent?.trim() ?? '') : [];
      })(),
    })),
    autostart: !child(vnf, 'no-autostart'),
  }));
}

export class VnfHost {
  readonly images = new Map<string, Buffer>();
  private readonly vnfs = new Map<string, HostedVnf>();
  readonly faults = {
    /** VNFs whose next boot fails (the guest never comes up). */
    failNextBoot: new Set<string>(),
    /** Memory something else holds (a host out of memory). */
    memoryTakenMiB: 0,
    /** /var/public has no room left. */
    diskFull: false,
  };
  private stopped = false;

  constructor(readonly resources: VnfHostResources, private readonly options: VnfHostOptions) {}

  used(): { cores: number; memoryMiB: number; diskBytes: number } {
    const placed = [...this.vnfs.values()].filter((v) => v.placed);
    return {
      cores: placed.reduce((sum, v) => sum + v.definition.vcpus, 0),
      memoryMiB: placed.reduce((sum, v) => sum + v.definition.memoryKiB / 1024, 0) + this.faults.memoryTakenMiB,
      diskBytes: [...this.images.values()].reduce((sum, image) => sum + (parseVnfImage(image)?.sizeGiB ?? 0) * gib + image.length, 0),
    };
  }

  diskFreeBytes(): number {
    return this.faults.diskFull ? 0 : Math.max(0, this.resources.diskGiB * gib - this.used().diskBytes);
  }

  /** file copy into /var/public: refused when the image would not fit. */
  storeImage(path: string, bytes: Buffer): void {
    const size = (parseVnfImage(bytes)?.sizeGiB ?? 0) * gib + bytes.length;
    const room = this.diskFreeBytes() + (this.images.has(path) ? size : 0);
    if (size > room) throw new Error(`${path}: write failed: No space left on device (${size} bytes, ${room} free)`);
    this.images.set(path, bytes);
    this.options.onChange();
  }

  deleteImage(path: string): boolean {
    if ([...this.vnfs.values()].some((v) => v.definition.image === path)) throw new Error(`${path}: in use by a virtual network function`);
    const deleted = this.images.delete(path);
    this.options.onChange();
    return deleted;
  }

  /** The running configuration changed: new VNFs are placed and booted, removed ones stopped, changed ones restarted. */
  reconcile(running: Document): void {
    const wanted = new Map(vnfDefinitions(running).map((d) => [d.name, d]));
    for (const [name, vnf] of this.vnfs) {
      if (!wanted.has(name)) void this.undefine(name, vnf);
    }
    for (const definition of wanted.values()) {
      const vnf = this.vnfs.get(definition.name);
      if (!vnf) this.define(definition);
      else if (JSON.stringify(vnf.definition) !== JSON.stringify(definition)) {
        vnf.definition = definition;
        // Unplaced first, so that what it held before does not count against its new size.
        vnf.placed = false;
        vnf.placed = this.fits(definition);
        void this.shutDown(vnf).then(() => this.startIfWanted(vnf));
      }
    }
    this.options.onChange();
  }

  private fits(definition: VnfDefinition): boolean {
    const used = this.used();
    return used.cores + definition.vcpus <= this.resources.cores && used.memoryMiB + definition.memoryKiB / 1024 <= this.resources.memoryMiB;
  }

  private define(definition: VnfDefinition) {
    const taken = new Set([...this.vnfs.values()].map((v) => v.address));
    const address = this.options.addresses.find((a) => !taken.has(a));
    const vnf: HostedVnf = { definition, state: 'shutdown', address: address ?? '', placed: false, hung: false, boots: 0 };
    this.vnfs.set(definition.name, vnf);
    if (!address) {
      vnf.state = 'error';
      vnf.reason = 'no management address left for the guest';
      return;
    }
    vnf.placed = this.fits(definition);
    this.startIfWanted(vnf);
  }

  private startIfWanted(vnf: HostedVnf) {
    if (!vnf.definition.autostart) return;
    this.boot(vnf);
  }

  /** Boots the guest: the bootMs it takes, then its NETCONF and SNMP answer — unless a fault says otherwise. */
  private boot(vnf: HostedVnf) {
    if (this.stopped) return;
    if (!vnf.placed) {
      vnf.placed = this.fits(vnf.definition);
      if (!vnf.placed) {
        const used = this.used();
        vnf.state = 'error';
        vnf.reason = used.memoryMiB + vnf.definition.memoryKiB / 1024 > this.resources.memoryMiB ? 'insufficient memory on the host' : 'insufficient CPUs on the host';
        return;
      }
    }
    const image = this.images.get(vnf.definition.image);
    const header = image && parseVnfImage(image);
    if (!header) {
      vnf.state = 'error';
      vnf.reason = image ? `${vnf.definition.image} is not a bootable image` : `${vnf.definition.image}: No such file or directory`;
      return;
    }
    vnf.state = 'booting';
    delete vnf.reason;
    vnf.boots += 1;
    clearTimeout(vnf.timer);
    vnf.timer = setTimeout(() => {
      vnf.timer = undefined;
      if (this.vnfs.get(vnf.definition.name) !== vnf || vnf.state !== 'booting') return;
      if (this.faults.failNextBoot.delete(vnf.definition.name)) {
        vnf.state = 'error';
        vnf.reason = 'boot failed: the guest did not start';
        this.options.onChange();
        return;
      }
      vnf.guest ??= this.options.createGuest({ name: vnf.definition.name, address: vnf.address, product: header.product, version: header.version });
      void vnf.guest.powerOn().then(() => {
        if (vnf.state === 'booting') vnf.state = 'running';
        this.options.onChange();
      });
    }, this.options.bootMs);
  }

  private async shutDown(vnf: HostedVnf) {
    clearTimeout(vnf.timer);
    vnf.timer = undefined;
    vnf.state = 'shutdown';
    vnf.hung = false;
    await vnf.guest?.setHung(false);
    await vnf.guest?.powerOff();
  }

  private async undefine(name: string, vnf: HostedVnf) {
    this.vnfs.delete(name);
    clearTimeout(vnf.timer);
    // The guest's disk goes with its definition: a VNF defined again starts from its image.
    await vnf.guest?.stop();
  }

  /** request virtual-network-functions <name> start | stop | restart. */
  async request(name: string, action: 'start' | 'stop' | 'restart'): Promise<void> {
    const vnf = this.vnfs.get(name);
    if (!vnf) throw new Error(`virtual network function ${name} is not defined`);
    if (action !== 'start') await this.shutDown(vnf);
    if (action !== 'stop') this.boot(vnf);
    this.options.onChange();
  }

  /** Control API: the guest's process dies. */
  async crash(name: string): Promise<void> {
    const vnf = this.running(name);
    await vnf.guest?.powerOff();
    vnf.state = 'crashed';
    this.options.onChange();
  }

  /** Control API: the guest stops answering while its process stays alive. */
  async hang(name: string): Promise<void> {
    const vnf = this.running(name);
    vnf.hung = true;
    await vnf.guest?.setHung(true);
    this.options.onChange();
  }

  private running(name: string): HostedVnf {
    const vnf = this.vnfs.get(name);
    if (!vnf || vnf.state !== 'running') throw new Error(`virtual network function ${name} is not running`);
    return vnf;
  }

  describe() {
    const used = this.used();
    return {
      resources: { ...this.resources, used: { cores: used.cores, memoryMiB: used.memoryMiB, diskBytes: used.diskBytes }, diskFreeBytes: this.diskFreeBytes() },
      images: [...this.images.keys()].sort(),
      vnfs: [...this.vnfs.values()].map((v) => ({
        name: v.definition.name, state: v.state, reason: v.reason ?? null, address: v.address, placed: v.placed, hung: v.hung, boots: v.boots, definition: v.definition,
      })),
      faults: { failNextBoot: [...this.faults.failNextBoot], memoryTakenMiB: this.faults.memoryTakenMiB, diskFull: this.faults.diskFull },
    };
  }

  /**
   * The path a flow entering on `vlan` takes through the chained VNFs, as the box reports it: the VNF
   * with a data interface on that VLAN takes it, and it leaves by that VNF's other interface onto the
   * next VLAN, until a VLAN no further VNF is on (the chain's egress). A VNF that is not running, or
   * hangs, or has no other interface, drops the flow there.
   */
  servicePath(vlan: string): ServicePath {
    const hops: ServicePath['hops'] = [];
    const passed = new Set<string>();
    let current = vlan;
    for (;;) {
      const vnf = [...this.vnfs.values()].find((v) => !passed.has(v.definition.name) && v.definition.interfaces.some((i) => i.vlans.includes(current)));
      if (!vnf) return { ingressVlan: vlan, hops, egressVlan: current, status: 'forwarding' };
      passed.add(vnf.definition.name);
      const entry = vnf.definition.interfaces.find((i) => i.vlans.includes(current))!;
      const exit = vnf.definition.interfaces.find((i) => i !== entry && i.vlans.length > 0);
      const state = vnf.hung ? 'hung' : vnf.state;
      hops.push({ vnf: vnf.definition.name, ingressInterface: entry.name, egressInterface: exit?.name ?? null, state });
      if (state !== 'running' || !exit) return { ingressVlan: vlan, hops, egressVlan: null, status: 'dropped', droppedAt: vnf.definition.name };
      current = exit.vlans[0]!;
    }
  }

  /** The service-chain path report as the operational RPC answers it. */
  servicePathInformation(vlan: string): string {
    const path = this.servicePath(vlan);
    const leaf = (name: string, value: string | number) => `<${name}>${escapeXml(String(value))}</${name}>`;
    const hops = path.hops.map((h) => `<service-chain-hop>${leaf('vnf-name', h.vnf)}${leaf('ingress-interface', h.ingressInterface)}`
      + `${h.egressInterface ? leaf('egress-interface', h.egressInterface) : ''}${leaf('vnf-state', h.state)}</service-chain-hop>`).join('');
    return `<service-chain-path-information>${leaf('ingress-vlan', path.ingressVlan)}${hops}${path.egressVlan ? leaf('egress-vlan', path.egressVlan) : ''}`
      + `${leaf('path-status', path.status)}${path.droppedAt ? leaf('dropped-at', path.droppedAt) : ''}</service-chain-path-information>`;
  }

  /** show virtual-network-functions, with the host's resources, as the operational RPC answers it. */
  information(): string {
    const leaf = (name: string, value: string | number) => `<${name}>${escapeXml(String(value))}</${name}>`;
    const used = this.used();
    const vnfs = [...this.vnfs.values()].map((v) => `<vnf-instance>${leaf('vnf-name', v.definition.name)}${leaf('vnf-state', v.state)}`
      + `${leaf('vnf-liveliness', v.state === 'running' ? 'up' : 'down')}${leaf('vnf-management-address', v.address)}${leaf('vnf-image', v.definition.image)}`
      + `${leaf('virtual-cpu-count', v.definition.vcpus)}${leaf('memory-size', v.definition.memoryKiB)}${v.reason ? leaf('vnf-error', v.reason) : ''}</vnf-instance>`).join('');
    return `<vnf-information>${vnfs}<host-resources>${leaf('cpu-total', this.resources.cores)}${leaf('cpu-used', used.cores)}`
      + `${leaf('memory-total', this.resources.memoryMiB * 1024)}${leaf('memory-used', Math.round(used.memoryMiB * 1024))}`
      + `${leaf('disk-total', this.resources.diskGiB * gib)}${leaf('disk-available', this.diskFreeBytes())}</host-resources></vnf-information>`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const vnf of this.vnfs.values()) clearTimeout(vnf.timer);
    await Promise.all([...this.vnfs.values()].map((v) => v.guest?.stop()));
  }
}
