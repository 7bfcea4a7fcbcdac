// The home dashboard's figures for the tenants one may read, each in one grouped query: sites by
// status, devices by status, open alarms by severity, runs in progress and failed lately, and how
// the sites steering by application SLAs fare now.
import type { PrismaClient } from '../prisma/client.ts';
import { alarmTypes } from '../domain/alarm-types.ts';

type TenantWhere = { tenantId?: string | { in: string[] } };

const countsBy = <K extends string>(rows: { key: K; count: number }[]) => Object.fromEntries(rows.map((row) => [row.key, row.count])) as Partial<Record<K, number>>;

/** Sites by status (decommissioned ones left out: they are history). */
export async function siteCounts(prisma: PrismaClient, where: TenantWhere) {
  const rows = await prisma.site.groupBy({ by: ['status'], where: { ...where, status: { not: 'decommissioned' } }, _count: { _all: true } });
  return countsBy(rows.map((row) => ({ key: row.status, count: row._count._all })));
}

/** Devices by status (retired ones left out). */
export async function deviceCounts(prisma: PrismaClient, where: TenantWhere) {
  const rows = await prisma.device.groupBy({ by: ['status'], where: { site: where, status: { not: 'retired' } }, _count: { _all: true } });
  return countsBy(rows.map((row) => ({ key: row.status, count: row._count._all })));
}

/** Open alarms (active or acknowledged) by severity, and how many of them nobody acknowledged yet. */
export async function openAlarmCounts(prisma: PrismaClient, where: TenantWhere) {
  const rows = await prisma.alarm.groupBy({ by: ['severity', 'state'], where: { ...where, state: { not: 'cleared' } }, _count: { _all: true } });
  const bySeverity: Record<string, number> = {};
  let unacknowledged = 0;
  for (const row of rows) {
    bySeverity[row.severity] = (bySeverity[row.severity] ?? 0) + row._count._all;
    if (row.state === 'active') unacknowledged += row._count._all;
  }
  return { bySeverity, unacknowledged };
}

/** Runs in progress, and runs that failed (failed, timed out, terminated) since `since`. */
export async function runCounts(prisma: PrismaClient, where: TenantWhere, since: Date) {
  const [running, failed] = await Promise.all([
    prisma.runSummary.count({ where: { ...where, status: 'running' } }),
    prisma.runSummary.count({ where: { ...where, status: { in: ['failed', 'timed_out', 'terminated'] }, closedAt: { gte: since } } }),
  ]);
  return { running, failedSince: failed };
}

/** Active sites steering by application SLA policies, and those among them with an application out of its SLA now. */
export async function slaCounts(prisma: PrismaClient, where: TenantWhere) {
  const [steered, violating] = await Promise.all([
    prisma.site.count({ where: { ...where, status: 'active', appSlaPolicies: { some: {} } } }),
    prisma.site.count({ where: { ...where, status: 'active', appSlaPolicies: { some: {} }, alarms: { some: { type: alarmTypes.slaViolation, state: { not: 'cleared' } } } } }),
  ]);
  return { steeredSites: steered, compliantSites: steered - violating, violatingSites: violating };
}
