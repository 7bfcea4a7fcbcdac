// A VNF instance's side effects in the inventory: what the lifecycle workflow needs of the instance
// and its package, its state and last operation recorded (each change announced as an event), its
// reservation on the host changed or released, a change of package kept for its rollback, and its
// alarm when healing gives up.
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import type { ChainInterface } from '../domain/network-service.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import type { VnfFlavour } from '../domain/vnf-catalogue.ts';
import type { VnfInstanceChange, VnfPackageSpec } from '../domain/vnf-instance.ts';
import { clearAlarm, raiseAlarm } from '../inventory/alarms.ts';
import { deviceTarget } from '../inventory/devices.ts';
import { packageSpec } from '../inventory/vnf-packages.ts';
import {
  reserveFlavour, revertVnfPackage, switchVnfPackage, updateVnfInstance, vnfHostOf,
} from '../inventory/vnf-instances.ts';
import { publishEvent, runningWorkflow } from './events/publish.ts';

/** The instance as its workflow drives it: plain data, no Prisma rows across the boundary. */
export interface VnfInstanceSpec {
  instanceId: string;
  tenantId: string;
  siteId: string;
  deviceId: string;
  hostname: string;
  /** Its name on the uCPE. */
  name: string;
  target: DeviceTarget;
  flavour: VnfFlavour;
  package: VnfPackageSpec;
  parameters: Record<string, string | number | boolean>;
  /** What a change of package rolls back to. */
  previous: { package: VnfPackageSpec; parameters: Record<string, string | number | boolean> } | null;
  status: string;
  healCount: number;
  /** Its guest interfaces on a network service's chain (absent or empty: a VNF on its own). */
  interfaces?: ChainInterface[];
}

const alarmKey = (instanceId: string) => `${alarmTypes.vnfFailed}/${instanceId}`;

export function createVnfLifecycleActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma } = deps;
  const instanceRow = async (instanceId: string) => {
    const row = await prisma.vnfInstance.findUnique({ where: { id: instanceId }, include: { package: true, previousPackage: true } });
    if (!row) throw ApplicationFailure.nonRetryable(`VNF instance ${instanceId} does not exist.`, failureTypes.vnfInstanceNotFound, { instanceId });
    return row;
  };

  return {
    async loadVnfInstance(input: { instanceId: string }): Promise<VnfInstanceSpec> {
      const row = await instanceRow(input.instanceId);
      const { hostname, target } = await deviceTarget(prisma, row.deviceId);
      const pkg = packageSpec(row.package);
      const flavour = pkg.flavours.find((f) => f.name === row.flavour)
        ?? { name: row.flavour, vcpus: row.reservedVcpus, memoryMiB: row.reservedMemoryMiB, diskGiB: row.reservedDiskGiB };
      return {
        instanceId: row.id, tenantId: row.tenantId, siteId: row.siteId, deviceId: row.deviceId, hostname, name: row.name, target, flavour, package: pkg,
        parameters: row.config as VnfInstanceSpec['parameters'],
        previous: row.previousPackage ? { package: packageSpec(row.previousPackage), parameters: (row.previousConfig ?? {}) as VnfInstanceSpec['parameters'] } : null,
        status: row.status, healCount: row.healCount, interfaces: (row.chainInterfaces ?? []) as unknown as ChainInterface[],
      };
    },

    async loadVnfPackage(input: { packageId: string }): Promise<VnfPackageSpec> {
      const row = await prisma.vnfPackage.findUnique({ where: { id: input.packageId } });
      if (!row) throw ApplicationFailure.nonRetryable(`VNF package ${input.packageId} does not exist.`, failureTypes.vnfInstanceNotFound, { packageId: input.packageId });
      return packageSpec(row);
    },

    /** The instance's state and last operation; with `event`, announced (`vnf.<event>`) to the UI and the tenant's webhooks. */
    async recordVnfInstance(input: { instanceId: string; change: VnfInstanceChange; event?: { type: string; data?: Record<string, unknown> } }): Promise<void> {
      await updateVnfInstance(prisma, input.instanceId, input.change);
      if (!input.event) return;
      const row = await instanceRow(input.instanceId);
      await publishEvent(deps, {
        tenantId: row.tenantId, type: `vnf.${input.event.type}`, workflowId: runningWorkflow(),
        data: {
          instanceId: row.id, siteId: row.siteId, deviceId: row.deviceId, name: row.name, status: row.status, package: `${row.package.name} ${row.package.version}`,
          flavour: row.flavour, lastOperation: row.lastOperation, outcome: row.lastOperationOutcome, error: row.lastOperationError, ...input.event.data,
        },
      });
    },

    /** The instance's reservation moved to `flavour`; refused for good, nothing changed, when the host lacks room. */
    async reserveVnfFlavour(input: { instanceId: string; flavour: VnfFlavour }): Promise<void> {
      const row = await instanceRow(input.instanceId);
      const device = await prisma.device.findUniqueOrThrow({ where: { id: row.deviceId }, select: { model: true, hostname: true } });
      const host = vnfHostOf(device.model);
      if (!host) throw ApplicationFailure.nonRetryable(`${device.hostname} hosts no VNFs.`, failureTypes.vnfResourcesShort);
      const { shortfall } = await reserveFlavour(prisma, host, input.instanceId, input.flavour);
      if (shortfall) throw ApplicationFailure.nonRetryable(`${device.hostname} has no room for flavour ${input.flavour.name}: ${shortfall}.`, failureTypes.vnfResourcesShort, { shortfall });
    },

    async switchVnfPackage(input: { instanceId: string; packageId: string; parameters: Record<string, string | number | boolean> }): Promise<void> {
      await switchVnfPackage(prisma, input.instanceId, input);
    },

    async revertVnfPackage(input: { instanceId: string }): Promise<void> {
      await revertVnfPackage(prisma, input.instanceId);
    },

    async raiseVnfAlarm(input: { instanceId: string; message: string }): Promise<void> {
      const row = await instanceRow(input.instanceId);
      const alarm = { tenantId: row.tenantId, siteId: row.siteId, deviceId: row.deviceId, type: alarmTypes.vnfFailed, severity: 'major' as const, message: input.message, dedupeKey: alarmKey(row.id) };
      const { alarm: raised, raised: isNew } = await raiseAlarm(prisma, alarm);
      if (isNew) await publishEvent(deps, { tenantId: row.tenantId, type: 'alarm.raised', workflowId: runningWorkflow(), data: { ...raised, instanceId: row.id } });
    },

    async clearVnfAlarm(input: { instanceId: string }): Promise<void> {
      const row = await instanceRow(input.instanceId);
      for (const cleared of await clearAlarm(prisma, alarmKey(row.id))) {
        await publishEvent(deps, { tenantId: row.tenantId, type: 'alarm.cleared', workflowId: runningWorkflow(), data: { ...cleared, instanceId: row.id } });
      }
    },
  };
}

export type VnfLifecycleActivities = ReturnType<typeof createVnfLifecycleActivities>;
