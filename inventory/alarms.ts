// Alarms: raised once per dedupe key (raising it again updates the open one), acknowledged by a
// person with a note, cleared when what they were about is over (or by hand), and kept once cleared
// as history. Each change answers the alarms it changed, so the caller can publish their events.
import type { Prisma, PrismaClient } from '../prisma/client.ts';

export interface AlarmRaised {
  tenantId?: string;
  siteId?: string;
  deviceId?: string;
  type: string;
  severity: 'critical' | 'major' | 'minor' | 'warning' | 'info';
  message: string;
  dedupeKey: string;
}

/** What an alarm's events carry. */
export interface AlarmChange {
  alarmId: string;
  tenantId: string | null;
  siteId: string | null;
  deviceId: string | null;
  type: string;
  severity: string;
  message: string;
  dedupeKey: string;
}

const changeSelect = { id: true, tenantId: true, siteId: true, deviceId: true, type: true, severity: true, message: true, dedupeKey: true } as const;
type ChangeRow = Prisma.AlarmGetPayload<{ select: typeof changeSelect }>;
const asChange = ({ id, ...row }: ChangeRow): AlarmChange => ({ alarmId: id, ...row });

/** Not cleared: active or acknowledged. */
const open = { state: { not: 'cleared' } } as const;

/**
 * One open alarm per dedupe key: raising it again updates its message and severity. Answers the
 * alarm, and whether it is new (only a new alarm is an `alarm.raised` event).
 */
export async function raiseAlarm(prisma: PrismaClient | Prisma.TransactionClient, input: AlarmRaised): Promise<{ alarm: AlarmChange; raised: boolean }> {
  const active = await prisma.alarm.findFirst({ where: { dedupeKey: input.dedupeKey, ...open }, select: { id: true } });
  if (active) {
    const row = await prisma.alarm.update({ where: { id: active.id }, data: { message: input.message, severity: input.severity }, select: changeSelect });
    return { alarm: asChange(row), raised: false };
  }
  const row = await prisma.alarm.create({
    data: {
      tenantId: input.tenantId ?? null, siteId: input.siteId ?? null, deviceId: input.deviceId ?? null,
      type: input.type, severity: input.severity, message: input.message, dedupeKey: input.dedupeKey,
    },
    select: changeSelect,
  });
  return { alarm: asChange(row), raised: true };
}

/** Clears the open alarms matching `where`, as their cause being over (`by` null) or by hand; answers those cleared. */
async function clearWhere(prisma: PrismaClient | Prisma.TransactionClient, where: Prisma.AlarmWhereInput, by: { name: string; note?: string | null } | null = null): Promise<AlarmChange[]> {
  const rows = await prisma.alarm.findMany({ where: { ...where, ...open }, select: changeSelect });
  if (rows.length === 0) return [];
  await prisma.alarm.updateMany({
    where: { id: { in: rows.map((row) => row.id) }, ...open },
    data: { state: 'cleared', clearedAt: new Date(), clearedBy: by?.name ?? null, clearNote: by?.note ?? null },
  });
  return rows.map(asChange);
}

/** Clears the devices' open alarms of these types: what they were about is over. */
export function clearAlarms(prisma: PrismaClient | Prisma.TransactionClient, input: { deviceIds: string[]; types: string[] }): Promise<AlarmChange[]> {
  return clearWhere(prisma, { deviceId: { in: input.deviceIds }, type: { in: input.types } });
}

/** Clears the open alarm of this key; answers those cleared (none when there was none). */
export function clearAlarm(prisma: PrismaClient | Prisma.TransactionClient, dedupeKey: string): Promise<AlarmChange[]> {
  return clearWhere(prisma, { dedupeKey });
}

/** Acknowledges the active alarms among these ids: who, when and why. Answers those acknowledged. */
export async function acknowledgeAlarms(prisma: PrismaClient, input: { ids: string[]; by: string; note: string | null }): Promise<AlarmChange[]> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.alarm.findMany({ where: { id: { in: input.ids }, state: 'active' }, select: changeSelect });
    await tx.alarm.updateMany({
      where: { id: { in: rows.map((row) => row.id) }, state: 'active' },
      data: { state: 'acknowledged', acknowledgedBy: input.by, acknowledgedAt: new Date(), acknowledgeNote: input.note },
    });
    return rows.map(asChange);
  });
}

/** Clears open alarms by hand (the operator knows the cause is over); answers those cleared. */
export function clearAlarmsByHand(prisma: PrismaClient, input: { ids: string[]; by: string; note: string | null }): Promise<AlarmChange[]> {
  return prisma.$transaction((tx) => clearWhere(tx, { id: { in: input.ids } }, { name: input.by, note: input.note }));
}

/** The dedupe key of a device's unreachable alarm. */
export const unreachableAlarmKey = (deviceId: string) => `device-unreachable:${deviceId}`;
