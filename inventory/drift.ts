// What drift reconciliation last found on each device, and the alarm that goes with a drift: raised
// when a device is found running something Branchline did not commit, cleared once they agree.
import type { PrismaClient } from '../prisma/client.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { clearAlarm, raiseAlarm, type AlarmChange } from './alarms.ts';

export interface DriftFinding {
  deviceId: string;
  state: 'in_sync' | 'drifted';
  commitMarker: string;
  comparedVersion: number;
  diff: string;
  changedBy: string | null;
  changedAt: Date | null;
}

const alarmKey = (deviceId: string) => `${alarmTypes.configurationDrift}/${deviceId}`;

export function deviceDrift(prisma: PrismaClient, deviceId: string) {
  return prisma.deviceDrift.findUnique({ where: { deviceId } });
}

/** A device read again with nothing new to see (same newest commit, same version on record). */
export async function touchDrift(prisma: PrismaClient, deviceIds: string[], at: Date): Promise<void> {
  if (deviceIds.length > 0) await prisma.deviceDrift.updateMany({ where: { deviceId: { in: deviceIds } }, data: { checkedAt: at } });
}

/**
 * Keeps what a reading found, and raises or clears the device's drift alarm when its state
 * changed. A drift seen again keeps when it was first seen.
 */
export async function recordDrift(
  prisma: PrismaClient, finding: DriftFinding, at: Date,
): Promise<{ changed: boolean; previous: DriftFinding['state'] | null; raised: AlarmChange[]; cleared: AlarmChange[] }> {
  let raised: AlarmChange[] = [];
  const before = await prisma.deviceDrift.findUnique({ where: { deviceId: finding.deviceId }, select: { state: true, detectedAt: true } });
  const detectedAt = finding.state === 'drifted' ? (before?.state === 'drifted' ? before.detectedAt : at) : null;
  const row = { ...finding, detectedAt, checkedAt: at };
  await prisma.deviceDrift.upsert({ where: { deviceId: finding.deviceId }, create: row, update: row });
  if (finding.state === 'drifted' && before?.state !== 'drifted') {
    const device = await prisma.device.findUniqueOrThrow({ where: { id: finding.deviceId }, select: { hostname: true, siteId: true, site: { select: { tenantId: true } } } });
    const who = finding.changedBy ? ` (last commit by ${finding.changedBy}${finding.changedAt ? ` at ${finding.changedAt.toISOString()}` : ''})` : '';
    const { alarm, raised: isNew } = await raiseAlarm(prisma, {
      tenantId: device.site.tenantId, siteId: device.siteId, deviceId: finding.deviceId, type: alarmTypes.configurationDrift, severity: 'major',
      message: `${device.hostname} runs a configuration that differs from version ${finding.comparedVersion}, the last Branchline committed${who}: re-apply it or adopt the device's change.`,
      dedupeKey: alarmKey(finding.deviceId),
    });
    if (isNew) raised = [alarm];
  }
  const cleared = finding.state === 'in_sync' ? await clearAlarm(prisma, alarmKey(finding.deviceId)) : [];
  return { changed: before?.state !== finding.state, previous: (before?.state as DriftFinding['state'] | undefined) ?? null, raised, cleared };
}
