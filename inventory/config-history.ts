// A device's configuration history: every configuration Branchline committed (or adopted) is a
// version, numbered from 1, with its content (secrets named, never shown), its sha256, why it was
// made (its source) and which run made it.
import type { PrismaClient } from '../prisma/client.ts';

/** A version as lists show it: everything but its content. */
export const versionSummary = {
  id: true, version: true, source: true, sha256: true, workflowId: true, committedAt: true, restoredVersion: true,
} as const;

export function configVersion(prisma: PrismaClient, deviceId: string, version: number) {
  return prisma.configVersion.findUnique({ where: { deviceId_version: { deviceId, version } } });
}

/** The newest version on record: what Branchline believes the device runs. */
export function latestConfigVersion(prisma: PrismaClient, deviceId: string) {
  return prisma.configVersion.findFirst({ where: { deviceId }, orderBy: { version: 'desc' } });
}

/** Newest first, `limit` from below `before` (a version number): versions are the history's natural cursor. */
export function configVersions(prisma: PrismaClient, deviceId: string, page: { limit: number; before?: number | undefined }) {
  return prisma.configVersion.findMany({
    where: { deviceId, ...(page.before !== undefined ? { version: { lt: page.before } } : {}) },
    orderBy: { version: 'desc' },
    take: page.limit,
    select: versionSummary,
  });
}
