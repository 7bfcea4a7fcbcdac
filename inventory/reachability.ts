// Whether a device in service answers: drift reconciliation reads every one of them each round, so
// it is what notices a box going quiet and coming back. Quiet, an online device goes offline with
// a critical alarm (one per device); answering again, it is online and the alarm is cleared.
import type { PrismaClient } from '../prisma/client.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { clearAlarms, raiseAlarm, unreachableAlarmKey, type AlarmChange } from './alarms.ts';

export interface ReachabilityChange {
  /** The device's new status, when it changed. */
  status: 'online' | 'offline' | null;
  device: { tenantId: string; siteId: string; deviceId: string; hostname: string };
  raised: AlarmChange[];
  cleared: AlarmChange[];
}

const deviceSelect = { id: true, hostname: true, siteId: true, site: { select: { tenantId: true } } } as const;

/** The device did not answer: online becomes offline, with its alarm (raised once; an offline device keeps its own). */
export async function markUnreachable(prisma: PrismaClient, input: { deviceId: string; reason: string }): Promise<ReachabilityChange> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.device.updateMany({ where: { id: input.deviceId, status: 'online' }, data: { status: 'offline' } });
    const row = await tx.device.findUniqueOrThrow({ where: { id: input.deviceId }, select: { ...deviceSelect, status: true } });
    const device = { tenantId: row.site.tenantId, siteId: row.siteId, deviceId: row.id, hostname: row.hostname };
    // Meanwhile taken out of service (a replacement, an upgrade): its silence is that run's business.
    if (row.status !== 'offline') return { status: null, device, raised: [], cleared: [] };
    const { alarm, raised } = await raiseAlarm(tx, {
      tenantId: device.tenantId, siteId: device.siteId, deviceId: device.deviceId, type: alarmTypes.deviceUnreachable, severity: 'critical',
      message: `${device.hostname} does not answer: ${input.reason}`, dedupeKey: unreachableAlarmKey(device.deviceId),
    });
    return { status: count > 0 ? 'offline' : null, device, raised: raised ? [alarm] : [], cleared: [] };
  });
}

/** The device answered: offline becomes online, and its unreachable alarm is cleared. */
export async function markReachable(prisma: PrismaClient, input: { deviceId: string }): Promise<ReachabilityChange> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.device.updateMany({ where: { id: input.deviceId, status: 'offline' }, data: { status: 'online', lastSeenAt: new Date() } });
    const row = await tx.device.findUniqueOrThrow({ where: { id: input.deviceId }, select: deviceSelect });
    const device = { tenantId: row.site.tenantId, siteId: row.siteId, deviceId: row.id, hostname: row.hostname };
    const cleared = await clearAlarms(tx, { deviceIds: [input.deviceId], types: [alarmTypes.deviceUnreachable] });
    return { status: count > 0 ? 'online' : null, device, raised: [], cleared };
  });
}
