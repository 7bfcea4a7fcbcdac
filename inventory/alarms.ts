// Alarms: raised once per dedupe key (raising it again updates the active one), cleared when what
// they were about is over.
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

/** One active alarm per dedupe key: raising it again updates its message and severity. */
export async function raiseAlarm(prisma: PrismaClient | Prisma.TransactionClient, input: AlarmRaised): Promise<void> {
  const active = await prisma.alarm.findFirst({ where: { dedupeKey: input.dedupeKey, state: { not: 'cleared' } } });
  if (active) {
    await prisma.alarm.update({ where: { id: active.id }, data: { message: input.message, severity: input.severity } });
    return;
  }
  await prisma.alarm.create({
    data: {
      tenantId: input.tenantId ?? null, siteId: input.siteId ?? null, deviceId: input.deviceId ?? null,
      type: input.type, severity: input.severity, message: input.message, dedupeKey: input.dedupeKey,
    },
  });
}

/** Clears the devices' active (or acknowledged) alarms of these types: what they were about is over. */
export function clearAlarms(prisma: PrismaClient, input: { deviceIds: string[]; types: string[] }) {
  return prisma.alarm.updateMany({
    where: { deviceId: { in: input.deviceIds }, type: { in: input.types }, state: { not: 'cleared' } },
    data: { state: 'cleared', clearedAt: new Date() },
  });
}

/** Clears the active (or acknowledged) alarm of this key; answers how many were cleared. */
export async function clearAlarm(prisma: PrismaClient, dedupeKey: string): Promise<number> {
  const { count } = await prisma.alarm.updateMany({ where: { dedupeKey, state: { not: 'cleared' } }, data: { state: 'cleared', clearedAt: new Date() } });
  return count;
}
