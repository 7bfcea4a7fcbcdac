// A device's configuration put back to a version (rollback), Branchline's newest version pushed
// back over a drift (re-apply), or the device's own change kept (adopt): one run at a time per
// device (`device-configuration/<deviceId>`), refused while one is under way. Bad input (a device
// out of service, a version not on record, nothing to re-apply or adopt) is refused before
// anything starts.
import { reconciledDeviceStatuses } from '../../domain/choices.ts';
import { configVersion, latestConfigVersion } from '../../inventory/config-history.ts';
import { deviceDrift } from '../../inventory/drift.ts';
import type { adoptConfiguration } from '../../workflows/adopt-configuration.ts';
import { deviceConfigurationWorkflowId } from '../../workflows/device-configuration.messages.ts';
import type { restoreConfiguration } from '../../workflows/restore-configuration.ts';
import { problems } from '../problems.ts';
import type { DeviceRunStarted } from './device-runs.ts';
import { auditStart, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { deviceConfigurationProgressUrl, temporalRunLink } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

export interface ConfigurationRequest {
  deviceId: string;
  /** rollback: the version to go back to; re-apply: the newest version; adopt: none. */
  action: 'rollback' | 're-apply' | 'adopt';
  version?: number | undefined;
  ticket?: string | undefined;
}

export async function startConfigurationRun(deps: RunDependencies, origin: Origin, request: ConfigurationRequest): Promise<DeviceRunStarted & { version: number | null }> {
  const { prisma } = deps;
  const device = await prisma.device.findUnique({ where: { id: request.deviceId }, include: { site: { select: { tenantId: true } } } });
  origin.principal.assert(device?.site.tenantId, 'device', 'execute', `Device ${request.deviceId}`);
  const tenantId = device!.site.tenantId;
  const workflowId = deviceConfigurationWorkflowId(device!.id);
  const kind = request.action === 'adopt' ? 'config_adoption' : 'config_rollback';
  const answer = (runId: string, started: boolean, version: number | null) => ({
    workflowId, runId, started, version, progressUrl: deviceConfigurationProgressUrl(device!.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId, ticket: request.ticket, kind, workflowId });
  if (earlier) return answer(earlier.runId ?? '', false, request.version ?? null);
  if (!device!.serial || !device!.managementAddress || !reconciledDeviceStatuses.has(device!.status)) {
    throw problems.conflict(`${device!.hostname} is ${device!.status}: only a device in service has its configuration rolled back, re-applied or adopted.`, { deviceStatus: device!.status });
  }
  let version: number | null = null;
  if (request.action === 'rollback') {
    if (!(await configVersion(prisma, device!.id, request.version!))) throw problems.validation([{ path: 'version', message: `${device!.hostname} has no configuration version ${request.version}` }]);
    version = request.version!;
  } else {
    // Re-apply and adopt answer a drift: without one there is nothing to choose between.
    const drift = await deviceDrift(prisma, device!.id);
    if (drift?.state !== 'drifted') throw problems.conflict(`${device!.hostname} is not drifted: it runs what Branchline last committed${drift ? '' : ' (as far as any reconciliation has read it)'}.`, { driftState: drift?.state ?? null });
    if (request.action === 're-apply') version = (await latestConfigVersion(prisma, device!.id))!.version;
  }
  const refusal = problems.conflict(`A configuration rollback, re-apply or adoption of ${device!.hostname} is under way: follow that run.`, { workflowId });
  const options = startOptions(workflowId, { tenantId, siteId: device!.siteId, deviceSerials: [device!.serial], ticket: request.ticket });
  const ticket = request.ticket ? { ticket: request.ticket } : {};
  const { runId } = await launch(deps.temporal, workflowId, { refuse: refusal }, () => (request.action === 'adopt'
    ? deps.temporal.workflow.start<typeof adoptConfiguration>('adoptConfiguration', { ...options, args: [{ deviceId: device!.id, ...ticket }] })
    : deps.temporal.workflow.start<typeof restoreConfiguration>('restoreConfiguration', { ...options, args: [{ deviceId: device!.id, version: version!, action: request.action as 'rollback' | 're-apply', ...ticket }] })),
  { prisma, tenantId, ticket: request.ticket, kind });
  await auditStart(deps, origin, {
    action: `device.configuration.${request.action}`, objectType: 'device', objectId: device!.id, tenantId,
    after: { workflowId, ...(version !== null ? { version } : {}), ...ticket },
  });
  return answer(runId, true, version);
}
