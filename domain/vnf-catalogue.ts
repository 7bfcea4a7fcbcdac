// The VNF catalogue: what a package declares (image, flavours, interfaces, a day-1 configuration
// template with typed parameters, a health check, scaling limits) and what a network-service
// template chains. Pure: the API validates with these schemas and checks a host's room with these
// functions; what the workflow needs of a package is in vnf-instance.ts, which has no zod.
import { z } from 'zod';
import type { VnfHostResources } from './device-models.ts';

const slug = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes, starting with a letter, at most 31');

export const vnfFlavour = z.object({
  name: slug,
  vcpus: z.number().int().min(1).max(32),
  memoryMiB: z.number().int().min(256).max(262_144),
  diskGiB: z.number().int().min(1).max(2048),
});
export type VnfFlavour = z.infer<typeof vnfFlavour>;

/** The guest's data interfaces: which of the chain's sides each one faces (management is the host's eth0). */
export const vnfInterfaceRoles = ['left', 'right'] as const;
export const vnfInterface = z.object({ name: z.string().regex(/^eth[2-9]$/, 'a guest data interface, eth2 to eth9'), role: z.enum(vnfInterfaceRoles) });

export const day1ParameterTypes = ['string', 'integer', 'ipv4-prefix', 'boolean'] as const;
export const day1Parameter = z.object({
  name: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,40}$/, 'a letter, then letters, digits and _'),
  type: z.enum(day1ParameterTypes),
  required: z.boolean().default(true),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  min: z.number().int().optional(),
  max: z.number().int().optional(),
});
export type Day1Parameter = z.infer<typeof day1Parameter>;

/** Data, as JSNAPy's checks are: an SNMP object to read, and what must hold of it. */
export const vnfHealthCheck = z.object({
  oid: z.string().regex(/^\d+(\.\d+)+$/, 'a numeric OID'),
  /** answers: any value read in time; equals: this value; above: a number greater than this. */
  holds: z.enum(['answers', 'equals', 'above']).default('answers'),
  value: z.string().max(200).optional(),
  intervalSeconds: z.number().int().min(5).max(3600).default(30),
  timeoutSeconds: z.number().int().min(1).max(60).default(5),
  /** Failed readings in a row before the VNF is unhealthy. */
  failuresBeforeUnhealthy: z.number().int().min(1).max(10).default(2),
});
export type VnfHealthCheck = z.infer<typeof vnfHealthCheck>;

export const vnfPackageInput = z.object({
  vendor: z.string().trim().min(1).max(80),
  product: slug,
  version: z.string().regex(/^[\w.-]{1,40}$/, 'letters, digits, dots, dashes and _'),
  // As the inventory's VnfType enum has them.
  type: z.enum(['firewall', 'router', 'wan_optimizer', 'utm']),
  /** The image, uploaded first, by its sha256 (as firmware images are). */
  imageSha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  flavours: z.array(vnfFlavour).min(1).max(10),
  interfaces: z.array(vnfInterface).max(8).default([]),
  day1: z.object({ template: z.string().max(65_536).default(''), parameters: z.array(day1Parameter).max(50).default([]) }).default({ template: '', parameters: [] }),
  healthCheck: vnfHealthCheck,
  scaling: z.object({ minFlavour: slug.optional(), maxFlavour: slug.optional() }).default({}),
});
export type VnfPackageInput = z.infer<typeof vnfPackageInput>;

export interface FieldProblem {
  path: string;
  message: string;
}

const placeholders = (template: string) => [...template.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!);

/** What the schema alone cannot say: unique names, a template naming only declared parameters, scaling limits among the flavours. */
export function vnfPackageProblems(input: VnfPackageInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const duplicates = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);
  for (const name of duplicates(input.flavours.map((f) => f.name))) problems.push({ path: 'flavours', message: `flavour ${name} is declared twice` });
  for (const name of duplicates(input.interfaces.map((i) => i.name))) problems.push({ path: 'interfaces', message: `interface ${name} is declared twice` });
  for (const name of duplicates(input.day1.parameters.map((p) => p.name))) problems.push({ path: 'day1.parameters', message: `parameter ${name} is declared twice` });
  const declared = new Set(input.day1.parameters.map((p) => p.name));
  for (const name of new Set(placeholders(input.day1.template))) {
    if (!declared.has(name)) problems.push({ path: 'day1.template', message: `the template uses {{${name}}}, which no parameter declares` });
  }
  input.day1.parameters.forEach((parameter, i) => {
    if (parameter.default !== undefined) {
      const problem = parameterProblem(parameter, parameter.default);
      if (problem) problems.push({ path: `day1.parameters.${i}.default`, message: problem });
    }
  });
  const order = input.flavours.map((f) => f.name);
  for (const limit of ['minFlavour', 'maxFlavour'] as const) {
    const name = input.scaling[limit];
    if (name !== undefined && !order.includes(name)) problems.push({ path: `scaling.${limit}`, message: `no flavour ${name}` });
  }
  if (input.scaling.minFlavour && input.scaling.maxFlavour && order.indexOf(input.scaling.minFlavour) > order.indexOf(input.scaling.maxFlavour)) {
    problems.push({ path: 'scaling', message: 'the smallest flavour allowed comes after the largest' });
  }
  if (input.healthCheck.holds !== 'answers' && input.healthCheck.value === undefined) problems.push({ path: 'healthCheck.value', message: `"${input.healthCheck.holds}" needs a value` });
  return problems;
}

function parameterProblem(parameter: Day1Parameter, value: unknown): string | undefined {
  switch (parameter.type) {
    case 'string':
      return typeof value === 'string' && value.length <= 255 ? undefined : `${parameter.name} is text of at most 255 characters`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${parameter.name} is true or false`;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${parameter.name} is a whole number`;
      if ((parameter.min !== undefined && value < parameter.min) || (parameter.max !== undefined && value > parameter.max)) {
        return `${parameter.name} is from ${parameter.min ?? '…'} to ${parameter.max ?? '…'}`;
      }
      return undefined;
    case 'ipv4-prefix': {
      const match = typeof value === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value) : null;
      return match && match.slice(1, 5).every((o) => Number(o) <= 255) && Number(match[5]) <= 32 ? undefined : `${parameter.name} is an IPv4 prefix (192.0.2.1/24)`;
    }
  }
}

/** The day-1 parameters an instance gives, checked against the package's declarations, defaults filled in. */
export function day1Values(parameters: Day1Parameter[], given: Record<string, unknown>): { values: Record<string, string | number | boolean>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const values: Record<string, string | number | boolean> = {};
  const declared = new Set(parameters.map((p) => p.name));
  for (const name of Object.keys(given)) if (!declared.has(name)) problems.push({ path: `parameters.${name}`, message: `the package declares no parameter ${name}` });
  for (const parameter of parameters) {
    const value = given[parameter.name] ?? parameter.default;
    if (value === undefined) {
      if (parameter.required) problems.push({ path: `parameters.${parameter.name}`, message: `${parameter.name} is required` });
      continue;
    }
    const problem = parameterProblem(parameter, value);
    if (problem) problems.push({ path: `parameters.${parameter.name}`, message: problem });
    else values[parameter.name] = value as string | number | boolean;
  }
  return { values, problems };
}

export interface HostUse {
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

/** Why a flavour does not fit on a host with what its instances reserve already, or undefined when it does. */
export function flavourShortfall(host: VnfHostResources, reserved: HostUse, flavour: Pick<VnfFlavour, 'vcpus' | 'memoryMiB' | 'diskGiB'>): string | undefined {
  const short: string[] = [];
  if (reserved.cores + flavour.vcpus > host.cores) short.push(`${flavour.vcpus} vCPUs asked, ${host.cores - reserved.cores} of ${host.cores} free`);
  if (reserved.memoryMiB + flavour.memoryMiB > host.memoryMiB) short.push(`${flavour.memoryMiB} MiB of memory asked, ${host.memoryMiB - reserved.memoryMiB} of ${host.memoryMiB} free`);
  if (reserved.diskGiB + flavour.diskGiB > host.diskGiB) short.push(`${flavour.diskGiB} GiB of disk asked, ${host.diskGiB - reserved.diskGiB} of ${host.diskGiB} free`);
  return short.length > 0 ? short.join('; ') : undefined;
}

/** A network-service template: the functions in chain order, each a package, the left side of the first facing the LAN. */
export const networkServiceInput = z.object({
  name: slug,
  description: z.string().max(500).default(''),
  functions: z.array(z.object({
    packageId: z.string().uuid(),
    flavour: slug,
    /** The guest interfaces the function chains by (default: the package's interface facing that side). */
    leftInterface: vnfInterface.shape.name.optional(),
    rightInterface: vnfInterface.shape.name.optional(),
  })).min(1).max(8),
});
export type NetworkServiceInput = z.infer<typeof networkServiceInput>;

type ChainablePackage = Pick<VnfPackageInput, 'flavours' | 'interfaces'>;

/** The interface a function chains by on `side`: the one the template names, else the package's facing that side. */
export function chainInterface(pkg: ChainablePackage, fn: NetworkServiceInput['functions'][number], side: (typeof vnfInterfaceRoles)[number]): string | undefined {
  const named = side === 'left' ? fn.leftInterface : fn.rightInterface;
  return named ?? pkg.interfaces.find((x) => x.role === side)?.name;
}

/** Each function's package exists, offers the flavour named, and has a left and a right side to chain by (two interfaces, not one). */
export function networkServiceProblems(input: NetworkServiceInput, packages: ReadonlyMap<string, ChainablePackage>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  input.functions.forEach((fn, i) => {
    const pkg = packages.get(fn.packageId);
    if (!pkg) return problems.push({ path: `functions.${i}.packageId`, message: `no VNF package ${fn.packageId}` });
    if (!pkg.flavours.some((f) => f.name === fn.flavour)) problems.push({ path: `functions.${i}.flavour`, message: `the package has no flavour ${fn.flavour}` });
    const sides: string[] = [];
    for (const role of vnfInterfaceRoles) {
      const name = chainInterface(pkg, fn, role);
      if (!name) problems.push({ path: `functions.${i}`, message: `the package has no ${role} interface to chain by` });
      else if (!pkg.interfaces.some((x) => x.name === name)) problems.push({ path: `functions.${i}.${role}Interface`, message: `the package declares no interface ${name}` });
      else sides.push(name);
    }
    if (sides.length === 2 && sides[0] === sides[1]) problems.push({ path: `functions.${i}.rightInterface`, message: `${sides[0]} cannot face both sides of the chain` });
    return undefined;
  });
  return problems;
}

/** The VNF's name on the host: Junos's VNF names are short, so the instance's id stands in a few characters. */
export const vnfNameOnHost = (product: string, instanceId: string) => `${product.slice(0, 20)}-${instanceId.replace(/-/g, '').slice(-8)}`;
