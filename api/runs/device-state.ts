// What a device reports now, for the device and site pages: a short read-only run on the devices
// queue (`device-state/<deviceId>/<id>`), whose answer the API waits for. The API touches no
// device itself; a device that does not answer is a 503 that says why.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { targetOf } from '../../inventory/devices.ts';
import type { readDeviceState as readDeviceStateWorkflow } from '../../workflows/read-device-state.ts';
import { readDeviceStateWorkflowId, type DeviceState } from '../../workflows/read-device-state.messages.ts';
import type { Principal } from '../access/principal.ts';
import { problems } from '../problems.ts';
import { startOptions, type RunDependencies } from './launch.ts';

export async function readDeviceState(deps: RunDependencies, principal: Principal, deviceId: string): Promise<DeviceState> {
  const device = await deps.prisma.device.findUnique({ where: { id: deviceId }, include: { site: { select: { tenantId: true } } } });
  principal.assert(device?.site.tenantId, 'device', 'read', `Device ${deviceId}`);
  const target = targetOf(device!);
  if (!target) throw problems.conflict(`${device!.hostname} has never been provisioned: it has no address to reach yet.`, { deviceStatus: device!.status });
  const workflowId = readDeviceStateWorkflowId(device!.id, randomUUID());
  return deps.temporal.workflow.execute<typeof readDeviceStateWorkflow>('readDeviceState', {
    ...startOptions(workflowId, { tenantId: device!.site.tenantId, siteId: device!.siteId, deviceSerials: [target.serial] }),
    args: [{ target }],
    // Two tries of twenty seconds each, and a little for the worker to pick it up.
    workflowExecutionTimeout: '1 minute',
  }).catch((error: unknown) => {
    if (!(error instanceof WorkflowFailedError)) throw error;
    let cause: Error | undefined = error;
    while (cause?.cause instanceof Error) cause = cause.cause;
    const reason = cause !== error ? cause?.message.replace(/\.$/, '') : undefined;
    throw problems.unavailable(`${device!.hostname} cannot be reached: ${reason ?? 'it did not answer in time'}.`, {
      deviceId: device!.id, ...(cause instanceof ApplicationFailure && cause.type ? { failureType: cause.type } : {}),
    });
  });
}
