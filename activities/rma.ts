// The records of a device replacement (RMA): the device marked in RMA, the new serial and its
// activation code (or a spare's host key) bound to it, the replacement's record closed (or failed)
// with both serials and times. The device keeps its id, hostname, site and configuration throughout.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Prisma, type PrismaClient } from '../prisma/client.ts';
import { admissionAlarmTypes, alarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { publishEvent } from './events/publish.ts';
import { clearAlarms, raiseAlarm, type RemovedTunnel } from './sites.ts';

const runningWorkflow = () => Context.current().info.workflowExecution?.workflowId ?? null;

export function createRmaActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma } = deps;

  const deviceOf = (deviceId: string) =>
    prisma.device.findUniqueOrThrow({ where: { id: deviceId }, select: { id: true, siteId: true, hostname: true, serial: true, site: { select: { tenantId: true } } } });

  return {
    /** Opens the record (once, whatever the retries) and marks the device in RMA. */
    async openRma(input: { rmaId: string; deviceId: string; reason?: string }): Promise<{ oldSerial: string }> {
      const device = await deviceOf(input.deviceId);
      if (!device.serial) throw ApplicationFailure.nonRetryable(`${device.hostname} has never been provisioned: there is no box to replace.`, failureTypes.rmaRefused);
      const record = await prisma.rmaRecord.upsert({
        where: { id: input.rmaId },
        create: { id: input.rmaId, tenantId: device.site.tenantId, deviceId: device.id, oldSerial: device.serial, reason: input.reason ?? null, workflowId: runningWorkflow() },
        update: {},
      });
      await prisma.device.update({ where: { id: device.id }, data: { status: 'rma' } });
      await publishEvent(deps, {
        tenantId: device.site.tenantId, type: 'device.rma_opened', workflowId: runningWorkflow(),
        data: { rmaId: record.id, siteId: device.siteId, deviceId: device.id, hostname: device.hostname, oldSerial: record.oldSerial, reason: record.reason },
      });
      return { oldSerial: record.oldSerial };
    },

    /** The last configuration on record for the device: what the replacement receives. */
    async lastConfiguration(input: { deviceId: string }): Promise<{ version: number; content: string } | null> {
      return prisma.configVersion.findFirst({ where: { deviceId: input.deviceId }, orderBy: { version: 'desc' }, select: { version: true, content: true } });
    },

    /**
     * Binds the new serial to the device with how the new box proves itself, forgetting the old
     * box's host key: its one-time activation code (the code's hash), or, for a spare that phoned
     * home already, the host key it reported. The next box to phone home with both is the new one.
     */
    async grantRma(input: {
      rmaId: string; deviceId: string; newSerial: string; newModel: string; activationCodeHash?: string; hostKeySha256?: string; configVersion: number; farTunnels: RemovedTunnel[];
    }): Promise<void> {
      try {
        await prisma.$transaction([
          prisma.device.update({
            where: { id: input.deviceId },
            data: {
              serial: input.newSerial, model: input.newModel, activationCodeHash: input.activationCodeHash ?? null, hostKeySha256: input.hostKeySha256 ?? null, status: 'rma',
            },
          }),
          // The box may have phoned home before its serial was bound: it is claimed now.
          prisma.unclaimedDevice.deleteMany({ where: { serial: input.newSerial } }),
          prisma.rmaRecord.update({
            where: { id: input.rmaId },
            data: {
              status: 'granted', newSerial: input.newSerial, configVersion: input.configVersion,
              farTunnels: input.farTunnels as unknown as Prisma.InputJsonValue,
            },
          }),
        ]);
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw ApplicationFailure.nonRetryable(`Serial ${input.newSerial} belongs to another device already.`, failureTypes.rmaRefused);
        }
        throw error;
      }
    },

    async markRmaProvisioning(input: { rmaId: string }): Promise<void> {
      await prisma.rmaRecord.update({ where: { id: input.rmaId }, data: { status: 'provisioning' } });
    },

    /**
     * The replacement is in service: the device online again, the record closed with both serials
     * and times, and the alarms about getting its box admitted (a call with a wrong code or none…) cleared.
     */
    async closeRma(input: { rmaId: string; deviceId: string; softwareVersion: string }): Promise<void> {
      const device = await deviceOf(input.deviceId);
      const [record] = await prisma.$transaction([
        prisma.rmaRecord.update({ where: { id: input.rmaId }, data: { status: 'closed', closedAt: new Date() } }),
        prisma.device.update({ where: { id: input.deviceId }, data: { status: 'online', softwareVersion: input.softwareVersion, lastSeenAt: new Date() } }),
        clearAlarms(prisma, { deviceIds: [input.deviceId], types: admissionAlarmTypes }),
      ]);
      await publishEvent(deps, {
        tenantId: device.site.tenantId, type: 'device.replaced', workflowId: runningWorkflow(),
        data: { rmaId: record.id, siteId: device.siteId, deviceId: device.id, hostname: device.hostname, oldSerial: record.oldSerial, newSerial: record.newSerial },
      });
    },

    /** The replacement did not come to pass: the device stays in RMA, with an alarm saying why. */
    async endRma(input: { rmaId: string; deviceId: string; status: 'failed' | 'aborted'; reason: string }): Promise<void> {
      const device = await deviceOf(input.deviceId);
      await prisma.rmaRecord.update({ where: { id: input.rmaId }, data: { status: input.status, reason: input.reason, closedAt: new Date() } });
      const message = `The replacement of ${device.hostname} ${input.status === 'aborted' ? 'was aborted' : 'failed'}: ${input.reason}`;
      await raiseAlarm(prisma, { tenantId: device.site.tenantId, siteId: device.siteId, deviceId: device.id, type: alarmTypes.rmaFailed, severity: 'major', message, dedupeKey: `rma:${input.rmaId}` });
      await publishEvent(deps, {
        tenantId: device.site.tenantId, type: `device.rma_${input.status}`, workflowId: runningWorkflow(),
        data: { rmaId: input.rmaId, siteId: device.siteId, deviceId: device.id, hostname: device.hostname, reason: input.reason },
      });
    },
  };
}

export type RmaActivities = ReturnType<typeof createRmaActivities>;
