// What a configuration rollback, re-apply or adoption needs from the inventory before it touches a
// device: how to reach it, that it is in service, that the version exists, and what must hold
// after the change (its primary WAN links up, the management path among them).
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../prisma/client.ts';
import { reconciledDeviceStatuses } from '../domain/choices.ts';
import { failureTypes } from '../domain/failure-types.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import { wanLinkChecks, type DeviceTarget } from '../domain/site-plan.ts';
import { configVersion } from '../inventory/config-history.ts';
import { deviceInclude, plannedDevice, targetOf } from '../inventory/devices.ts';

export interface ConfigurationTarget {
  hostname: string;
  siteId: string;
  tenantId: string;
  target: DeviceTarget;
  checks: PostCheck[];
}

export function createDeviceConfigurationActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  return {
    /** The device to restore or adopt a configuration on; one out of service, or a version not on record, fails for good. */
    async loadConfigurationTarget(input: { deviceId: string; version?: number }): Promise<ConfigurationTarget> {
      const device = await prisma.device.findUnique({ where: { id: input.deviceId }, include: { ...deviceInclude, site: { select: { tenantId: true } } } });
      if (!device) throw ApplicationFailure.nonRetryable(`Device ${input.deviceId} does not exist.`, failureTypes.deviceNotFound);
      const target = targetOf(device);
      if (!target || !reconciledDeviceStatuses.has(device.status)) {
        throw ApplicationFailure.nonRetryable(`${device.hostname} is ${device.status}: only a device in service has its configuration restored or adopted.`, failureTypes.configurationRestoreFailed, { deviceId: device.id });
      }
      if (input.version !== undefined && !(await configVersion(prisma, device.id, input.version))) {
        throw ApplicationFailure.nonRetryable(`${device.hostname} has no configuration version ${input.version}.`, failureTypes.configVersionNotFound, { deviceId: device.id, version: input.version });
      }
      const planned = plannedDevice(device);
      return {
        hostname: device.hostname, siteId: device.siteId, tenantId: device.site.tenantId, target,
        checks: wanLinkChecks(planned.wanLinks.filter((link) => planned.primaryLinks.includes(link.name))),
      };
    },
  };
}

export type DeviceConfigurationActivities = ReturnType<typeof createDeviceConfigurationActivities>;
