// Applies a site's SLA policies to its devices (id `sla-policies/<siteId>`): the firewall and
// steering policies rendered from the inventory, with the steering's thresholds on each probed
// link's RPM test, pushed to each device as a confirmed commit under its lease, checked (its WAN
// links still up) and confirmed, and recorded as a configuration version. With dryRun, each
// device loads, diffs and discards instead: the preview.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import type { SiteActivities } from '../activities/sites.ts';
import type { SlaSteeringActivities } from '../activities/sla-steering.ts';
import { databaseActivity, deviceReadActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { renderers } from '../domain/render/renderers.ts';
import { devicePolicies, probedLinks, wanLinkChecks, type PlannedDevice, type SitePlan } from '../domain/site-plan.ts';
import { configurationChanges } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import { describeFailure } from './steps.ts';
import type { ApplySlaPoliciesInput, ApplySlaPoliciesResult, SlaDeviceOutcome } from './apply-sla-policies.messages.ts';

/**
 * A device's policies as rendered from the plan, over its own WAN links; SLA steering names the
 * link each policy's applications take now.
 */
export const policyEdit = (plan: SitePlan, device: PlannedDevice, activeLinks?: (policy: string) => Record<string, string>) => {
  const steering = activeLinks ? plan.policies.steering.map((rule) => ({ ...rule, activeLinks: { ...rule.activeLinks, ...activeLinks(rule.name) } })) : plan.policies.steering;
  return renderers.forPlatform(device.platform).policies({ ...devicePolicies({ ...plan.policies, steering }, device), probedLinks: probedLinks(plan, device) });
};

export async function applySlaPolicies(input: ApplySlaPoliciesInput): Promise<ApplySlaPoliciesResult> {
  takePatchBatch();
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const reads = proxyActivities<DeviceActivities>(deviceReadActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  if (!input.dryRun) await sites.recordRun({ workflowId, runId, kind: 'policy_deployment', tenantId: input.tenantId, siteId: input.siteId, ...(input.ticket ? { ticket: input.ticket } : {}) });
  try {
    const plan = await sites.loadSitePlan({ siteId: input.siteId });
    const reachable = plan.devices.filter((device) => device.target);
    if (reachable.length === 0) throw ApplicationFailure.nonRetryable(`${plan.name} has no provisioned device to configure.`, failureTypes.siteNotReady);
    const devices = await Promise.all(reachable.map(async (device): Promise<SlaDeviceOutcome> => {
      const target = device.target!;
      const which = { deviceId: target.deviceId, hostname: device.hostname, serial: target.serial };
      const config = policyEdit(plan, device);
      if (input.dryRun) {
        const { diff } = await reads.previewConfiguration({ target, config, mode: 'merge' });
        return { ...which, changed: diff !== '', diff };
      }
      const pushed = await withDeviceLeases([target.serial], `SLA policies of ${plan.name}`, '30 minutes', () => pushConfiguration({
        target, config, mode: 'merge', persist: `${workflowId}/${runId}/${device.role}`, checks: wanLinkChecks(device.wanLinks), source: 'policy', workflowId,
      }));
      return { ...which, changed: pushed.changed, version: pushed.version };
    }));
    if (!input.dryRun) {
      // Steering starts with the site's first steered push, and takes every later one as its new start.
      if (patched('sla-steering-start')) await proxyActivities<SlaSteeringActivities>(databaseActivity).startSlaSteering({ siteId: input.siteId });
      await sites.closeRun({ workflowId, status: 'completed' });
    }
    return { siteId: input.siteId, devices };
  } catch (error) {
    if (!input.dryRun) await sites.closeRun({ workflowId, status: 'failed', error: describeFailure(error).message });
    throw error;
  }
}
