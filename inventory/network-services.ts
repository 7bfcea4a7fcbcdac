// Network-service templates and their instances. A template is versioned: a version some instance
// uses never changes, a change is a new version superseding it. An instance is stored with one VNF
// instance per function (its reservation and its interfaces on the chain's VLANs) and the chain's
// block of VLANs, all in one transaction under the uCPE's row lock, so two services asked at once
// cannot both take the last of its room or the same VLANs.
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import type { VnfHostResources } from '../domain/device-models.ts';
import { chainVlans, freeVlanBase, functionInterfaces } from '../domain/network-service.ts';
import { flavourShortfall, type VnfFlavour } from '../domain/vnf-catalogue.ts';
import { lockHost, reservedOn, sameParameters, type TwinInstance } from './vnf-instances.ts';

type Transaction = Prisma.TransactionClient;

export const templateInclude = { functions: { orderBy: { position: 'asc' }, include: { package: { select: { id: true, name: true, version: true, vendor: true, type: true } } } } } as const;
export type TemplateRow = Prisma.NetworkServiceGetPayload<{ include: typeof templateInclude }>;

export interface TemplateFunction {
  packageId: string;
  flavour: string;
  leftInterface: string;
  rightInterface: string;
}

export interface NewTemplateVersion {
  tenantId: string;
  name: string;
  description: string;
  functions: TemplateFunction[];
  supersedes?: { id: string; version: number };
}

/** A new template, or a new version of `supersedes` (marked superseded in the same transaction). */
export async function createTemplate(prisma: PrismaClient, input: NewTemplateVersion): Promise<TemplateRow> {
  return prisma.$transaction((tx) => createTemplateIn(tx, input));
}

/** `createTemplate` inside a transaction of the caller's. */
export async function createTemplateIn(tx: Transaction, input: NewTemplateVersion): Promise<TemplateRow> {
  if (input.supersedes) await tx.networkService.update({ where: { id: input.supersedes.id }, data: { supersededAt: new Date() } });
  return tx.networkService.create({
    data: {
      tenantId: input.tenantId, name: input.name, description: input.description, version: (input.supersedes?.version ?? 0) + 1,
      functions: { create: input.functions.map((fn, position) => ({ position, ...fn })) },
    },
    include: templateInclude,
  });
}

/** Network services (not terminated) built from the template: while there are any, it does not change. */
export const templateUses = (prisma: PrismaClient | Transaction, serviceId: string) =>
  prisma.networkServiceInstance.count({ where: { serviceId } });

export interface NewNetworkService {
  id: string;
  tenantId: string;
  siteId: string;
  deviceId: string;
  serviceId: string;
  name: string;
  functions: { instanceId: string; name: string; packageId: string; flavour: VnfFlavour; parameters: Record<string, string | number | boolean>; left: string; right: string }[];
}

/**
 * Stores the service, its VNF instances and their reservations, or answers what the host lacks, or
 * the service of the same template and functions still being instantiated there (the same request
 * sent twice at once), and stores nothing.
 */
export async function reserveNetworkService(prisma: PrismaClient, host: VnfHostResources, input: NewNetworkService): Promise<{ shortfall?: string; twin?: TwinInstance }> {
  return prisma.$transaction(async (tx) => {
    await lockHost(tx, input.deviceId);
    const underWay = await tx.networkServiceInstance.findMany({
      where: { deviceId: input.deviceId, serviceId: input.serviceId, status: 'instantiating' },
      select: { id: true, name: true, functions: { orderBy: { position: 'asc' }, select: { packageId: true, flavour: true, config: true } } },
    });
    const twin = underWay.find((other) => other.functions.length === input.functions.length && other.functions.every((fn, position) => {
      const asked = input.functions[position]!;
      return fn.packageId === asked.packageId && fn.flavour === asked.flavour.name && sameParameters(fn.config, asked.parameters);
    }));
    if (twin) return { twin: { id: twin.id, name: twin.name } };
    const total = input.functions.reduce((all, fn) => ({ vcpus: all.vcpus + fn.flavour.vcpus, memoryMiB: all.memoryMiB + fn.flavour.memoryMiB, diskGiB: all.diskGiB + fn.flavour.diskGiB }), { vcpus: 0, memoryMiB: 0, diskGiB: 0 });
    const shortfall = flavourShortfall(host, await reservedOn(tx, input.deviceId), total);
    if (shortfall) return { shortfall };
    const taken = await tx.networkServiceInstance.findMany({ where: { deviceId: input.deviceId, status: { not: 'terminated' } }, select: { vlanBase: true } });
    const vlanBase = freeVlanBase(taken.map((t) => t.vlanBase));
    if (vlanBase === undefined) return { shortfall: 'no block of VLANs left for another chain on this uCPE' };
    const vlans = chainVlans(input.id, vlanBase, input.functions.length);
    await tx.networkServiceInstance.create({
      data: { id: input.id, tenantId: input.tenantId, siteId: input.siteId, deviceId: input.deviceId, serviceId: input.serviceId, name: input.name, vlanBase },
    });
    for (const [position, fn] of input.functions.entries()) {
      await tx.vnfInstance.create({
        data: {
          id: fn.instanceId, tenantId: input.tenantId, siteId: input.siteId, deviceId: input.deviceId, packageId: fn.packageId, name: fn.name,
          serviceId: input.serviceId, serviceInstanceId: input.id, position,
          chainInterfaces: functionInterfaces(vlans, position, { left: fn.left, right: fn.right }) as unknown as Prisma.InputJsonValue,
          flavour: fn.flavour.name, reservedVcpus: fn.flavour.vcpus, reservedMemoryMiB: fn.flavour.memoryMiB, reservedDiskGiB: fn.flavour.diskGiB,
          config: fn.parameters,
        },
      });
    }
    return {};
  });
}
