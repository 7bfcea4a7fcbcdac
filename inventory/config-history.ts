// A device's configuration history: every configuration Branchline committed (or adopted) is a
// version, numbered from 1, with its content (secrets named, never shown), its sha256, why it was
// made (its source) and which run made it. A version is stored whole, or as an increment over the
// one before it (a hub's tunnel change: what the merge touched, as the device read it back), with
// a whole version at least every `incrementsPerWhole` versions; its content is rebuilt on reading.
import { createHash } from 'node:crypto';
import { applyScopedChanges } from '../domain/config-delta.ts';
import type { PrismaClient } from '../prisma/client.ts';

/**
 * Increments in a row at most: rebuilding a version applies no more than this many to the whole
 * version before it, and a hub's configuration is read whole once per this many commits.
 */
export const incrementsPerWhole = 50;

export const configurationSha256 = (content: string) => createHash('sha256').update(content).digest('hex');

/** The content of a version, whole or rebuilt from the whole version before it; null when the device has no such version. */
export async function configurationContent(prisma: PrismaClient, deviceId: string, version: number): Promise<string | null> {
  const whole = await prisma.configVersion.findFirst({
    where: { deviceId, version: { lte: version }, content: { not: null } }, orderBy: { version: 'desc' }, select: { version: true, content: true },
  });
  if (!whole) return null;
  if (whole.version === version) return whole.content;
  const increments = await prisma.configVersion.findMany({
    where: { deviceId, version: { gt: whole.version, lte: version } }, orderBy: { version: 'asc' }, select: { changeScope: true, changedContent: true },
  });
  if (increments.length !== version - whole.version) return null;
  return applyScopedChanges(whole.content!, increments.map((increment) => ({ scope: increment.changeScope!, read: increment.changedContent! })));
}

/** A version with its content, and its sha256 (an increment's computed from the content rebuilt). */
export async function configVersionWithContent(prisma: PrismaClient, deviceId: string, version: number) {
  const found = await configVersion(prisma, deviceId, version);
  if (!found) return null;
  const content = found.content ?? await configurationContent(prisma, deviceId, version);
  if (content === null) return null;
  return { ...found, content, sha256: found.sha256 ?? configurationSha256(content) };
}

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

/**
 * Who asked for each version's run, by the audit of its start: the latest start of its workflow id
 * at or before the commit (a device's rollbacks share one id). A person by name, an API token or
 * ITSM by its name; none for a run nobody asked for (ZTP after a phone-home, a schedule).
 */
export async function versionRequesters(prisma: PrismaClient, versions: { version: number; workflowId: string | null; committedAt: Date }[]): Promise<Map<number, string>> {
  const workflowIds = [...new Set(versions.flatMap((v) => (v.workflowId ? [v.workflowId] : [])))];
  const latest = versions.reduce((at, v) => (v.committedAt > at ? v.committedAt : at), new Date(0));
  const starts = (await Promise.all(workflowIds.map((workflowId) => prisma.auditEntry.findMany({
    where: { after: { path: ['workflowId'], equals: workflowId }, at: { lte: latest }, actorId: { not: null } },
    orderBy: { at: 'desc' }, take: 50, select: { at: true, actorType: true, actorId: true },
  }).then((entries) => entries.map((entry) => ({ ...entry, workflowId })))))).flat();
  const actorIds = [...new Set(starts.map((s) => s.actorId!))];
  const [users, tokens] = await Promise.all([
    prisma.user.findMany({ where: { id: { in: actorIds.filter(isUuid) } }, select: { id: true, displayName: true } }),
    prisma.apiToken.findMany({ where: { id: { in: actorIds.filter(isUuid) } }, select: { id: true, name: true } }),
  ]);
  const names = new Map([...users.map((u) => [u.id, u.displayName] as const), ...tokens.map((t) => [t.id, `API token ${t.name}`] as const)]);
  const found = new Map<number, string>();
  for (const v of versions) {
    const start = starts.find((s) => s.workflowId === v.workflowId && s.at <= v.committedAt);
    if (start) found.set(v.version, names.get(start.actorId!) ?? (start.actorType === 'itsm' ? `ITSM ${start.actorId}` : start.actorId!));
  }
  return found;
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
