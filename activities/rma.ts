// The records of a device replacement (RMA), kept through inventory/rma.ts, each change followed
// by its event: the device marked in RMA, the new box bound to it, the replacement closed (or failed).
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { closeRma, endRma, grantRma, lastConfiguration, markRmaProvisioning, openRma, type RmaGrant } from '../inventory/rma.ts';
import { publishEvent, runningWorkflow } from './events/publish.ts';
import { publishAlarmsCleared } from './sites.ts';

export function createRmaActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma } = deps;

  return {
    /** Opens the record (once, whatever the retries) and marks the device in RMA. */
    async openRma(input: { rmaId: string; deviceId: string; reason?: string }): Promise<{ oldSerial: string }> {
      const { device, record } = await openRma(prisma, { ...input, workflowId: runningWorkflow() });
      await publishEvent(deps, {
        tenantId: device.tenantId, type: 'device.rma_opened', workflowId: runningWorkflow(),
        data: { rmaId: record.id, siteId: device.siteId, deviceId: device.deviceId, hostname: device.hostname, oldSerial: record.oldSerial, reason: record.reason },
      });
      return { oldSerial: record.oldSerial };
    },

    /** The last configuration on record for the device: what the replacement receives. */
    async lastConfiguration(input: { deviceId: string }): Promise<{ version: number; content: string } | null> {
      return lastConfiguration(prisma, input.deviceId);
    },

    /**
     * Binds the new serial to the device with how the new box proves itself: its one-time
     * activation code (the code's hash), or the host key a spare that phoned home already reported.
     */
    async grantRma(input: RmaGrant): Promise<void> {
      await grantRma(prisma, input);
    },

    async markRmaProvisioning(input: { rmaId: string }): Promise<void> {
      await markRmaProvisioning(prisma, input.rmaId);
    },

    /** The replacement is in service: the device online again, the record closed, the admission alarms cleared. */
    async closeRma(input: { rmaId: string; deviceId: string; softwareVersion: string }): Promise<void> {
      const { device, record, cleared } = await closeRma(prisma, input);
      await publishAlarmsCleared(deps, cleared);
      await publishEvent(deps, {
        tenantId: device.tenantId, type: 'device.replaced', workflowId: runningWorkflow(),
        data: { rmaId: record.id, siteId: device.siteId, deviceId: device.deviceId, hostname: device.hostname, oldSerial: record.oldSerial, newSerial: record.newSerial },
      });
    },

    /** The replacement did not come to pass: the device stays in RMA, with an alarm saying why. */
    async endRma(input: { rmaId: string; deviceId: string; status: 'failed' | 'aborted'; reason: string }): Promise<void> {
      const { device, alarm } = await endRma(prisma, input);
      if (alarm) await publishEvent(deps, { tenantId: alarm.tenantId, type: 'alarm.raised', workflowId: runningWorkflow(), data: { ...alarm } }, alarm.alarmId);
      await publishEvent(deps, {
        tenantId: device.tenantId, type: `device.rma_${input.status}`, workflowId: runningWorkflow(),
        data: { rmaId: input.rmaId, siteId: device.siteId, deviceId: device.deviceId, hostname: device.hostname, reason: input.reason },
      });
    },
  };
}

export type RmaActivities = ReturnType<typeof createRmaActivities>;
