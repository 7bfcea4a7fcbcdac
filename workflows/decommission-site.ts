// Decommissioning (id `site-decommission/<siteId>`), onboarding's inverse: remove the site's
// tunnels from its hubs and mesh peers, reset its devices to factory defaults, release its
// allocations, retire its devices, mark the site decommissioned.
import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity } from './activity-options.ts';
import { decommissionableSiteStatuses } from '../domain/choices.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import { renderers } from '../domain/render/renderers.ts';
import { describeFailure, StepLog } from './steps.ts';
import { changeTunnels } from './tunnel-changes.ts';
import { type DecommissionSiteInput, type DecommissionProgress, decommissionProgressQuery } from './decommission-site.messages.ts';
import { takePatchBatch } from './patches.ts';

export async function decommissionSite(input: DecommissionSiteInput): Promise<{ siteId: string; peersChanged: number; devicesReset: number }> {
  takePatchBatch();
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const steps = new StepLog([
    { name: 'validate', label: 'Validate the site' },
    { name: 'tunnels', label: 'Remove the tunnels from hubs and peers' },
    { name: 'reset', label: 'Reset the devices' },
    { name: 'release', label: 'Release addresses and tunnel ids' },
    { name: 'retire', label: 'Retire the devices and mark the site decommissioned' },
  ]);
  const progress: DecommissionProgress = { siteId: input.siteId, state: 'running', steps: steps.steps, error: null };
  setHandler(decommissionProgressQuery, () => progress);
  await sites.recordRun({ workflowId, runId, kind: 'decommission', tenantId: input.tenantId, siteId: input.siteId, ...(input.ticket ? { ticket: input.ticket } : {}) });
  const persist = (change: string) => `${workflowId}/${runId}/${change}`;

  try {
    const plan = await steps.run('validate', async () => {
      const loaded = await sites.loadDecommissionPlan({ siteId: input.siteId });
      if (!decommissionableSiteStatuses.has(loaded.status)) {
        throw ApplicationFailure.nonRetryable(`${loaded.name} is ${loaded.status}: only an active or failed site is decommissioned.`, failureTypes.siteNotReady);
      }
      return loaded;
    });
    await sites.setSiteStatus({ siteId: plan.siteId, status: 'decommissioning' });

    await steps.run('tunnels', () => Promise.all(plan.peers.map((peer) => {
      const renderer = renderers.forPlatform(peer.target.platform);
      // A removal names the tunnel's unit, VPN and zone member only: no WAN link is needed.
      const edit = peer.tunnels.map((tunnel) => renderer.tunnel(tunnel, []).remove).join('');
      return changeTunnels(peer.target, edit, `removing ${plan.name} from ${peer.hostname}`, 'decommission');
    })), (changed) => `${changed.length} peer(s) changed`);

    const reachable = plan.devices.flatMap((d) => (d.target ? [{ ...d, target: d.target }] : []));
    await steps.run('reset', () => Promise.all(reachable.map((device) =>
      withDeviceLeases([device.target.serial], `decommissioning ${plan.name}`, '30 minutes', () =>
        pushConfiguration({ target: device.target, config: renderers.forPlatform(device.target.platform).factoryDefault(), mode: 'replace', persist: persist(`reset/${device.id}`), checks: [], source: 'decommission', workflowId })))),
    (reset) => `${reset.length} device(s) reset`);

    await steps.run('release', () => sites.releaseSiteAddresses({ siteId: plan.siteId, includingPeers: true }), (r) => `${r.released} released`);
    await steps.run('retire', async () => {
      for (const device of plan.devices) await sites.retireDevice({ deviceId: device.id });
      await sites.setSiteStatus({ siteId: plan.siteId, status: 'decommissioned' });
      await sites.notifySiteEvent({ tenantId: plan.tenantId, siteId: plan.siteId, action: 'site.decommissioned', workflowId });
    });
    progress.state = 'completed';
    await sites.closeRun({ workflowId, status: 'completed' });
    return { siteId: plan.siteId, peersChanged: plan.peers.length, devicesReset: reachable.length };
  } catch (error) {
    // Every step is idempotent: starting decommissioning again finishes the job. A cancelled run
    // closes its summary all the same (out of the cancellation's reach), as cancelled.
    progress.state = 'failed';
    progress.error = describeFailure(error).message;
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(() => sites.closeRun({ workflowId, status, error: progress.error! }));
    throw error;
  }
}
