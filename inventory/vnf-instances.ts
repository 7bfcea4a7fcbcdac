// VNF instances and what they reserve on their uCPE. A host's reservations are the sum over its
// instances' rows; every reservation (an instance created, a flavour changed) is counted and written
// under the host device's row lock, so two at once cannot both take the last of its room.
import { isDeepStrictEqual } from 'node:util';
import { Prisma, type PrismaClient } from '../prisma/client.ts';
import { deviceModel, type VnfHostResources } from '../domain/device-models.ts';
import { flavourShortfall, type HostUse, type VnfFlavour } from '../domain/vnf-catalogue.ts';
import type { VnfInstanceChange } from '../domain/vnf-instance.ts';

type Transaction = Prisma.TransactionClient;

/** What the host's instances hold, `except` one (whose flavour is changing). */
export async function reservedOn(tx: Transaction, deviceId: string, except?: string): Promise<HostUse> {
  const sum = await tx.vnfInstance.aggregate({
    where: { deviceId, ...(except ? { id: { not: except } } : {}) },
    _sum: { reservedVcpus: true, reservedMemoryMiB: true, reservedDiskGiB: true },
  });
  return { cores: sum._sum.reservedVcpus ?? 0, memoryMiB: sum._sum.reservedMemoryMiB ?? 0, diskGiB: sum._sum.reservedDiskGiB ?? 0 };
}

export const lockHost = (tx: Transaction, deviceId: string) => tx.$queryRaw`SELECT id FROM device WHERE id = ${deviceId}::uuid FOR UPDATE`;

/** The VNF host of a device's model; undefined for a box that hosts none. */
export const vnfHostOf = (model: string): VnfHostResources | undefined => deviceModel(model)?.vnfHost;

/** What a host offers and what its instances hold now. */
export async function hostReservations(prisma: PrismaClient, deviceId: string): Promise<HostUse> {
  return prisma.$transaction((tx) => reservedOn(tx, deviceId));
}

export interface NewVnfInstance {
  id: string;
  tenantId: string;
  siteId: string;
  deviceId: string;
  packageId: string;
  name: string;
  flavour: VnfFlavour;
  parameters: Record<string, string | number | boolean>;
}

/** An instance already on record that a request would make again, named to the operator. */
export interface TwinInstance {
  id: string;
  name: string;
}

/** Day-1 values as stored (JSON, no undefined members), compared member by member: jsonb keeps its own key order. */
export const sameParameters = (stored: unknown, parameters: Record<string, string | number | boolean>) =>
  isDeepStrictEqual(stored, JSON.parse(JSON.stringify(parameters)));

/**
 * Creates the instance with its reservation, or answers what the host lacks, or the instance of the
 * same package, flavour and parameters still being instantiated there (the same request sent twice
 * at once: a double click, a resend without its key), and creates nothing.
 */
export async function reserveVnfInstance(prisma: PrismaClient, host: VnfHostResources, input: NewVnfInstance): Promise<{ shortfall?: string; twin?: TwinInstance }> {
  return prisma.$transaction(async (tx) => {
    await lockHost(tx, input.deviceId);
    const underWay = await tx.vnfInstance.findMany({
      where: { deviceId: input.deviceId, packageId: input.packageId, flavour: input.flavour.name, serviceInstanceId: null, status: 'instantiating' },
      select: { id: true, name: true, config: true },
    });
    const twin = underWay.find((other) => sameParameters(other.config, input.parameters));
    if (twin) return { twin: { id: twin.id, name: twin.name } };
    const shortfall = flavourShortfall(host, await reservedOn(tx, input.deviceId), input.flavour);
    if (shortfall) return { shortfall };
    await tx.vnfInstance.create({
      data: {
        id: input.id, tenantId: input.tenantId, siteId: input.siteId, deviceId: input.deviceId, packageId: input.packageId, name: input.name,
        flavour: input.flavour.name, reservedVcpus: input.flavour.vcpus, reservedMemoryMiB: input.flavour.memoryMiB, reservedDiskGiB: input.flavour.diskGiB,
        config: input.parameters,
      },
    });
    return {};
  });
}

/** The instance's reservation changed to `flavour`, unless the host lacks room for it beside the others. */
export async function reserveFlavour(prisma: PrismaClient, host: VnfHostResources, instanceId: string, flavour: VnfFlavour): Promise<{ shortfall?: string }> {
  return prisma.$transaction(async (tx) => {
    const { deviceId } = await tx.vnfInstance.findUniqueOrThrow({ where: { id: instanceId }, select: { deviceId: true } });
    await lockHost(tx, deviceId);
    const shortfall = flavourShortfall(host, await reservedOn(tx, deviceId, instanceId), flavour);
    if (shortfall) return { shortfall };
    await tx.vnfInstance.update({
      where: { id: instanceId },
      data: { flavour: flavour.name, reservedVcpus: flavour.vcpus, reservedMemoryMiB: flavour.memoryMiB, reservedDiskGiB: flavour.diskGiB },
    });
    return {};
  });
}

export async function updateVnfInstance(prisma: PrismaClient, instanceId: string, change: VnfInstanceChange): Promise<void> {
  const { release, lastHealth, ...rest } = change;
  await prisma.vnfInstance.update({
    where: { id: instanceId },
    data: {
      ...rest,
      ...(lastHealth ? { lastHealth, lastHealthAt: new Date() } : {}),
      ...(release ? { reservedVcpus: 0, reservedMemoryMiB: 0, reservedDiskGiB: 0 } : {}),
    },
  });
}

/** A change of package: the one it ran and its day-1 parameters kept, to roll back to. */
export async function switchVnfPackage(prisma: PrismaClient, instanceId: string, to: { packageId: string; parameters: Record<string, unknown> }): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const row = await tx.vnfInstance.findUniqueOrThrow({ where: { id: instanceId }, select: { packageId: true, config: true } });
    if (row.packageId === to.packageId) return; // a retry: switched already
    await tx.vnfInstance.update({
      where: { id: instanceId },
      data: { previousPackageId: row.packageId, previousConfig: row.config ?? Prisma.JsonNull, packageId: to.packageId, config: to.parameters as Prisma.InputJsonValue },
    });
  });
}

/** A change of package undone: back to the package and parameters it ran before. */
export async function revertVnfPackage(prisma: PrismaClient, instanceId: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const row = await tx.vnfInstance.findUniqueOrThrow({ where: { id: instanceId }, select: { previousPackageId: true, previousConfig: true } });
    if (!row.previousPackageId) return; // a retry: reverted already
    await tx.vnfInstance.update({
      where: { id: instanceId },
      data: { packageId: row.previousPackageId, config: (row.previousConfig ?? {}) as Prisma.InputJsonValue, previousPackageId: null, previousConfig: Prisma.JsonNull },
    });
  });
}
