// Replacing a failed device (RMA, id `rma/<deviceId>`): the logical device keeps its id, hostname,
// site and configuration; only the hardware is rebound. Initiate (mark it in RMA, take its last
// configuration on record, or the box's own if nothing is on record and it still answers; read how
// the hubs and mesh peers hold its tunnels) → grant (the new serial and its one-time activation
// code, or the host key of a spare that phoned home already) → retire the old box (its tunnels
// removed from the far ends) → ZTP the new box with the old configuration (ports renamed for a
// mapped model) → restore the far ends' tunnels to the new box and push the site's policies →
// verify both ends → close the RMA record.
//
// A failure leaves the device in RMA with an alarm and the record failed; the old box's tunnels
// stay removed (it is gone), and a new RMA of the device restores them from the record.
import {
  ApplicationFailure, CancellationScope, executeChild, isCancellation, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import type { RmaActivities } from '../activities/rma.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { replaceableDeviceStatuses } from '../domain/choices.ts';
import { portMapping } from '../domain/device-models.ts';
import { databaseActivity, deviceReadActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges } from './configuration-change.ts';
import { durationMs } from './input-durations.ts';
import { withDeviceLeases } from './lease.ts';
import { renderers } from '../domain/render/renderers.ts';
import { Saga } from './saga.ts';
import type { DeviceTarget, FarEnd, RemovedTunnel } from '../domain/site-plan.ts';
import { describeFailure, StepLog } from './steps.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { changeTunnels } from './tunnel-changes.ts';
import { devicesVerified, interfaceChecks } from './verification.ts';
import { ztp } from './ztp.ts';
import { ztpWorkflowId } from './ztp.messages.ts';
import { type RmaInput, type RmaResult, type RmaProgress, rmaProgressQuery } from './rma.messages.ts';
import { fromStart, takePatchBatch } from './patches.ts';

/** The configuration with the failed model's ports renamed to the replacement's, all in one pass (a swap stays a swap). */
export function renamePorts(config: string, ports: Readonly<Record<string, string>>): string {
  const names = Object.keys(ports);
  if (names.length === 0) return config;
  const alternatives = names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  // A port appears as an element's whole text, or with a unit after it (ge-0/0/1.0).
  return config.replace(new RegExp(`>(${alternatives})(\\.\\d+)?<`, 'g'), (_match, port: string, unit: string | undefined) => `>${ports[port]}${unit ?? ''}<`);
}

export async function rma(input: RmaInput): Promise<RmaResult> {
  takePatchBatch();
  const phoneHomeWithinMs = durationMs(input.phoneHomeWithin ?? '7 days', 'phoneHomeWithin');
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const records = proxyActivities<RmaActivities>(databaseActivity);
  // A failed box is expected not to answer: one short try, no long retries.
  const probe = proxyActivities<DeviceActivities>({ ...deviceReadActivity, startToCloseTimeout: '20 seconds', retry: { maximumAttempts: 1 } });
  const reads = proxyActivities<DeviceActivities>({ ...deviceReadActivity, startToCloseTimeout: '2 minutes' });
  const pushConfiguration = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const steps = new StepLog([
    { name: 'initiate', label: 'Mark the device in RMA and take its configuration' },
    { name: 'grant', label: 'Bind the new serial and its activation code' },
    { name: 'retire', label: "Remove the old box's tunnels from hubs and peers" },
    { name: 'ztp', label: 'Zero-touch provisioning of the new box' },
    { name: 'restore', label: 'Restore the tunnels and policies' },
    { name: 'verify', label: 'Verify interfaces and tunnels on both ends' },
    { name: 'close', label: 'Close the RMA record' },
  ]);
  const progress: RmaProgress = {
    rmaId: input.rmaId, deviceId: input.deviceId, hostname: null, state: 'running', oldSerial: null, newSerial: input.newSerial, steps: steps.steps, devices: [], error: null,
  };
  setHandler(rmaProgressQuery, () => progress);

  const plan = await sites.loadRmaPlan({ deviceId: input.deviceId, ...(input.newModel ? { model: input.newModel } : {}) });
  const { device, targetImage } = plan;
  const newModel = input.newModel ?? device.model;
  progress.hostname = device.hostname;
  await sites.recordRun({ workflowId, runId, kind: 'rma', tenantId: plan.tenantId, siteId: plan.siteId, ...(input.ticket ? { ticket: input.ticket } : {}) });
  const saga = new Saga({ context: { rmaId: input.rmaId, deviceId: input.deviceId } });

  try {
    const captured = await steps.run('initiate', async () => {
      const ports = portMapping(device.model, newModel);
      if (!ports) throw ApplicationFailure.nonRetryable(`A ${newModel} cannot replace a ${device.model} (see the documented replacement models).`, failureTypes.rmaRefused);
      if (!replaceableDeviceStatuses.has(device.status) || !device.serial) {
        throw ApplicationFailure.nonRetryable(`${device.hostname} is ${device.status}: only a device in service is replaced.`, failureTypes.rmaRefused);
      }
      const { oldSerial } = await records.openRma({ rmaId: input.rmaId, deviceId: device.id, ...(input.reason ? { reason: input.reason } : {}) });
      progress.oldSerial = oldSerial;
      // Added once the record is open, not before: a refused open leaves no record to end (and the
      // open is a database write, retried until it answers). The record ends as the run does.
      saga.add('initiate', () => records.endRma({
        rmaId: input.rmaId, deviceId: device.id, status: progress.state === 'aborted' ? 'aborted' : 'failed', reason: progress.error!,
      }));
      const configuration = await records.lastConfiguration({ deviceId: device.id })
        ?? (device.target ? await probe.captureConfiguration({ target: device.target, workflowId }).catch(() => null) : null);
      if (!configuration) {
        throw ApplicationFailure.nonRetryable(`${device.hostname} has no configuration on record and does not answer: there is nothing to give the new box.`, failureTypes.rmaRefused);
      }
      return { ...configuration, content: renamePorts(configuration.content, ports), farTunnels: await farTunnels(plan.farEnds) };
    }, (c) => `configuration version ${c.version}, ${c.farTunnels.length} tunnel(s) on hubs and peers`);

    /** The far ends' tunnels as configured there (their WAN link included), else as an earlier RMA removed them. */
    async function farTunnels(ends: FarEnd[]): Promise<RemovedTunnel[]> {
      const oldHost = device.target?.host;
      const perEnd = await Promise.all(ends.map(async (end) => {
        const configured = oldHost ? await reads.readTunnelsTo({ target: end.target, peer: oldHost }) : [];
        return end.tunnels.map((tunnel): RemovedTunnel => {
          const known = configured.find((t) => t.unit === tunnel.unit)
            ?? plan.previousFarTunnels.find((t) => t.farSerial === end.target.serial && t.unit === tunnel.unit);
          return { ...tunnel, viaLink: known?.viaLink || end.primaryLinks[0] || '', farSerial: end.target.serial };
        });
      }));
      return perEnd.flat();
    }

    await steps.run('grant', () => records.grantRma({
      rmaId: input.rmaId, deviceId: device.id, newSerial: input.newSerial, newModel,
      ...(input.hostKeySha256 ? { hostKeySha256: input.hostKeySha256 } : { activationCodeHash: input.activationCodeHash }),
      configVersion: captured.version, farTunnels: captured.farTunnels,
    }), () => `${progress.oldSerial} → ${input.newSerial}${input.hostKeySha256 ? ', a spare admitted by the host key it reported' : ''}`);

    const ends = plan.farEnds.map((end) => ({ end, tunnels: captured.farTunnels.filter((t) => t.farSerial === end.target.serial) }));
    const tunnelEdit = (target: DeviceTarget, tunnels: RemovedTunnel[], side: 'add' | 'remove') => {
      const renderer = renderers.forPlatform(target.platform);
      return tunnels.map(({ farSerial: _far, ...tunnel }) => renderer.tunnel(tunnel, [])[side]).join('');
    };
    await steps.run('retire', () => Promise.all(ends.map(({ end, tunnels }) =>
      changeTunnels(end.target, tunnelEdit(end.target, tunnels, 'remove'), `retiring ${progress.oldSerial} (${device.hostname}) on ${end.hostname}`, 'rma'))),
    (changed) => `${changed.length} hub(s) or peer(s) changed`);

    await records.markRmaProvisioning({ rmaId: input.rmaId });
    const deadline = new Date(Date.now() + phoneHomeWithinMs).toISOString();
    progress.devices = [{ deviceId: device.id, hostname: device.hostname, workflowId: ztpWorkflowId(device.id) }];
    const provisioned = await steps.run('ztp', () => executeChild(ztp, {
      workflowId: ztpWorkflowId(device.id),
      taskQueue: taskQueues.orchestration,
      args: [{
        deviceId: device.id, siteId: plan.siteId, tenantId: plan.tenantId, hostname: device.hostname, model: newModel, deadline,
        stage2: captured.content, stage1Checks: [],
        // Its tunnels come up once the far ends hold them again (restore).
        stage2Checks: plan.checks.filter((check) => check.kind !== 'interface-up' || !check.interface.startsWith('st0.')),
        ...(targetImage ? { targetImage } : {}),
      }],
    }), (r) => `${r.target.serial} at ${r.target.host} on ${r.softwareVersion}`);
    const target = provisioned.target;

    await steps.run('restore', async () => {
      await Promise.all(ends.map(({ end, tunnels }) =>
        changeTunnels(end.target, tunnelEdit(end.target, tunnels.map((t) => ({ ...t, peer: target.host })), 'add'), `${device.hostname}'s new box on ${end.hostname}`, 'rma')));
      await withDeviceLeases([target.serial], `policies of ${device.hostname}'s new box`, '30 minutes', () => pushConfiguration({
        target, config: renderers.forPlatform(target.platform).policies(plan.policies), mode: 'merge', persist: `${workflowId}/${runId}/policies`,
        checks: [], source: 'rma', workflowId,
      }));
    }, () => `${captured.farTunnels.length} tunnel(s) on ${ends.length} hub(s) or peer(s), ${plan.policies.firewall.length} firewall rule(s)`);

    const verifications = [
      { target, checks: plan.checks },
      ...ends.map(({ end, tunnels }) => ({ target: end.target, checks: interfaceChecks(tunnels.map((t) => `st0.${t.unit}`)) })),
    ];
    await steps.run('verify', () => devicesVerified(verifications, fromStart('rma-verified-in-one-activity')), (checked) => `${checked} device(s) checked`);

    await steps.run('close', () => records.closeRma({ rmaId: input.rmaId, deviceId: device.id, softwareVersion: provisioned.softwareVersion }));
    progress.state = 'completed';
    await sites.closeRun({ workflowId, status: 'completed' });
    return {
      rmaId: input.rmaId, deviceId: device.id, oldSerial: progress.oldSerial ?? '', newSerial: input.newSerial,
      configVersion: captured.version, softwareVersion: provisioned.softwareVersion, tunnelsRestored: captured.farTunnels.length,
    };
  } catch (error) {
    const cancelled = isCancellation(error);
    const failure = describeFailure(error);
    progress.state = cancelled ? 'aborted' : 'failed';
    progress.error = cancelled ? 'aborted by the operator' : failure.message;
    await saga.compensate();
    await CancellationScope.nonCancellable(() => sites.closeRun({ workflowId, status: cancelled ? 'cancelled' : 'failed', error: progress.error! }));
    if (cancelled || error instanceof ApplicationFailure) throw error;
    const failedStep = steps.steps.find((step) => step.status === 'failed')?.name ?? null;
    throw ApplicationFailure.nonRetryable(`The replacement of ${device.hostname} failed: ${failure.message}`, failureTypes.rmaFailed, { failedStep, cause: failure.type ?? null });
  }
}
