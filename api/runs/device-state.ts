// What a device reports now, for the device and site pages: a short read-only run on the devices
// queue (`device-state/<deviceId>/<id>`), whose answer the API waits for. The API touches no
// device itself. A device that does not answer is a state of the device, not a failure of the
// request: the answer says it cannot be reached, and why, in the device layer's words.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { targetOf } from '../../inventory/devices.ts';
import type { readDeviceState as readDeviceStateWorkflow } from '../../workflows/read-device-state.ts';
import type { DeviceState } from '../../domain/device-state.ts';
import { readDeviceStateWorkflowId } from '../../workflows/read-device-state.messages.ts';
import type { Principal } from '../access/principal.ts';
import { problems } from '../problems.ts';
import { startOptions, type RunDependencies } from './launch.ts';

export type DeviceReading = ({ reachable: true } & DeviceState) | { reachable: false; reason: string; failureType: string | null };

export async function readDeviceState(deps: RunDependencies, principal: Principal, deviceId: string): Promise<DeviceReading> {
  const device = await deps.prisma.device.findUnique({ where: { id: deviceId }, include: { site: { select: { tenantId: true } } } });
  principal.assert(device?.site.tenantId, 'device', 'read', `Device ${deviceId}`);
  const target = targetOf(device!);
  if (!target) throw problems.conflict(`${device!.hostname} has never been provisioned: it has no address to reach yet.`, { deviceStatus: device!.status });
  const workflowId = readDeviceStateWorkflowId(device!.id, randomUUID());
  const state = await deps.temporal.workflow.execute<typeof readDeviceStateWorkflow>('readDeviceState', {
    ...startOptions(workflowId, { tenantId: device!.site.tenantId, siteId: device!.siteId, deviceSerials: [target.serial] }),
    args: [{ target }],
    // Two tries of twenty seconds each, and a little for the worker to pick it up.
    workflowExecutionTimeout: '1 minute',
  }).catch((error: unknown) => {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return error;
  });
  if (!(state instanceof WorkflowFailedError)) return { reachable: true, ...state };
  // The device's own reason (unreachable, refused login…), from the deepest cause.
  let cause: Error | undefined = state;
  while (cause?.cause instanceof Error) cause = cause.cause;
  const reason = cause !== state ? cause?.message.replace(/\.$/, '') : undefined;
  return {
    reachable: false,
    reason: `${device!.hostname} cannot be reached: ${reason ?? 'it did not answer in time'}.`,
    failureType: cause instanceof ApplicationFailure && cause.type ? cause.type : null,
  };
}
