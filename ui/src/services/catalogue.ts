// The Services section as the UI reads it: VNF packages (the API keeps product, version and type
// apart from the rest of the descriptor: read back whole with the catalogue's own schema),
// network-service templates and their chains, network services and VNF instances, and where each
// one's page is. Pure: the pages, the wizard and their tests share it.
import { vnfPackageInput, type VnfFlavour, type VnfPackageInput } from '../../../domain/vnf-catalogue.ts';

export interface VnfPackageRow {
  id: string;
  vendor: string;
  product: string;
  version: string;
  type: string;
  descriptor: Record<string, unknown>;
  createdAt: string;
}

/** A package as it was added: flavours, interfaces, day-1 template and parameters, health check. */
export interface VnfPackage extends VnfPackageInput {
  id: string;
  createdAt: string;
}

/** The row's descriptor read with the catalogue's schema (defaults filled in); undefined when it is not one. */
export function packageOf(row: VnfPackageRow): VnfPackage | undefined {
  const parsed = vnfPackageInput.safeParse({ ...row.descriptor, vendor: row.vendor, product: row.product, version: row.version, type: row.type });
  return parsed.success ? { ...parsed.data, id: row.id, createdAt: row.createdAt } : undefined;
}

export const vnfTypeLabels: Record<VnfPackageInput['type'], string> = {
  firewall: 'Firewall', router: 'Router', wan_optimizer: 'WAN optimiser', utm: 'Unified threat management',
};

/** "small: 1 vCPU, 1024 MiB, 4 GiB". */
export const flavourInWords = (flavour: Pick<VnfFlavour, 'name' | 'vcpus' | 'memoryMiB' | 'diskGiB'>) =>
  `${flavour.name}: ${flavour.vcpus} vCPU${flavour.vcpus === 1 ? '' : 's'}, ${flavour.memoryMiB} MiB, ${flavour.diskGiB} GiB`;

export interface TemplateFunction {
  position: number;
  packageId: string;
  product: string;
  version: string;
  vendor: string;
  type: string;
  flavour: string;
  leftInterface: string;
  rightInterface: string;
}

export interface NetworkServiceTemplate {
  id: string;
  tenantId: string;
  name: string;
  version: number;
  description: string;
  supersededAt: string | null;
  createdAt: string;
  functions: TemplateFunction[];
  inUse: number;
}

export interface FunctionInstance {
  instanceId: string;
  name: string;
  position: number;
  product: string;
  version: string;
  flavour: string;
  status: string;
  lastHealth: string;
  healCount: number;
  interfaces: { name: string; vlan: string }[];
  workflowId: string;
}

export interface NetworkService {
  id: string;
  tenantId: string;
  siteId: string;
  deviceId: string;
  name: string;
  status: string;
  lastError: string | null;
  template: { id: string; name: string; version: number };
  vlanBase: number;
  createdAt: string;
  workflowId: string;
  functions: FunctionInstance[];
  live: {
    status: string;
    busy: boolean;
    error: string | null;
    path: { hops: string[]; status: string; egressVlan: string | null } | null;
    steps: { name: string; label: string; status: string; error?: string; detail?: string }[];
  } | null;
}

export interface VnfInstance {
  id: string;
  tenantId: string;
  siteId: string;
  deviceId: string;
  name: string;
  package: { id: string; product: string; version: string };
  previousPackageId: string | null;
  flavour: string;
  reserved: { vcpus: number; memoryMiB: number; diskGiB: number };
  parameters: Record<string, string | number | boolean>;
  status: string;
  lastHealth: string;
  lastHealthAt: string | null;
  healCount: number;
  lastOperation: string;
  lastOperationOutcome: string;
  lastOperationError: string | null;
  createdAt: string;
  workflowId: string;
  /** The network service it is a function of, and its place in the chain. */
  networkService: { id: string; name: string; position: number } | null;
  live: {
    status: string;
    health: string;
    address: string | null;
    heals: number;
    healAttempts: number;
    busy: boolean;
    lastOperation: { kind: string; outcome: string; error: string | null } | null;
  } | null;
}

export const servicesHref = '/services';
export const addNetworkServiceHref = '/services/new';
export const packageHref = (id: string) => `/services/packages/${id}`;
export const templateHref = (id: string) => `/services/templates/${id}`;
export const newTemplateHref = '/services/templates/new';
export const networkServiceHref = (id: string) => `/network-services/${id}`;
export const vnfInstanceHref = (id: string) => `/vnf-instances/${id}`;

/** One box of a chain's picture: what it is, and (on a running service) how it is. */
export interface ChainBox {
  title: string;
  subtitle: string;
  /** Status and health, on a service's page. */
  state?: string;
  href?: string;
}

/** The chain in words, the picture's text alternative: "LAN → vsrx 1.0 (small) → vrouter 1.0 (small) → WAN". */
export const chainInWords = (boxes: readonly ChainBox[]) =>
  ['LAN side', ...boxes.map((box) => `${box.title} ${box.subtitle}${box.state ? `, ${box.state}` : ''}`), 'WAN side'].join(' → ');

export interface ChainLayout {
  width: number;
  height: number;
  /** The LAN and WAN ends, and each function's box, left to right. */
  ends: { x: number; label: string }[];
  boxes: { x: number; y: number }[];
  /** Arrows from each element to the next, at mid-height. */
  arrows: { from: number; to: number }[];
}

export const chainGeometry = { box: { width: 150, height: 64 }, end: { width: 56 }, gap: 40, margin: 8 } as const;

/** Where each element of the chain's picture goes: LAN end, the functions, WAN end, an arrow between each. */
export function chainLayout(functions: number): ChainLayout {
  const { box, end, gap, margin } = chainGeometry;
  const lanX = margin;
  const boxes = Array.from({ length: functions }, (_, i) => ({ x: lanX + end.width + gap + i * (box.width + gap), y: margin }));
  const wanX = lanX + end.width + gap + functions * (box.width + gap);
  const edges = [lanX, ...boxes.map((b) => b.x), wanX];
  const widths = [end.width, ...boxes.map(() => box.width), end.width];
  const arrows = edges.slice(0, -1).map((x, i) => ({ from: x + widths[i]!, to: edges[i + 1]! }));
  return { width: wanX + end.width + margin, height: box.height + 2 * margin, ends: [{ x: lanX, label: 'LAN' }, { x: wanX, label: 'WAN' }], boxes, arrows };
}

/**
 * A template's versions (all versions of every template, as the API lists them) under one name,
 * newest first.
 */
export function versionsOf(all: readonly NetworkServiceTemplate[], template: Pick<NetworkServiceTemplate, 'tenantId' | 'name'>): NetworkServiceTemplate[] {
  return all.filter((t) => t.tenantId === template.tenantId && t.name === template.name).sort((a, b) => b.version - a.version);
}

/** Operations of a VNF instance, as the API names their routes, and as the page's buttons say them. */
export const vnfActionLabels = {
  heal: 'Heal now', scale: 'Scale', 'change-package': 'Change package', terminate: 'Terminate', retry: 'Retry the failed operation',
  rollback: 'Roll the failed operation back', fail: 'Give the failed operation up',
} as const;
export type VnfAction = keyof typeof vnfActionLabels;
