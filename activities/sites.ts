// The inventory side of onboarding and decommissioning: read a site as a plan, keep its status,
// admit the boxes that phone home, raise alarms and keep the run summaries for lists. Each activity
// reads or writes through inventory/ and publishes the event that follows.
import type { Client } from '@temporalio/client';
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type { PrismaClient } from '../prisma/client.ts';
import type { DecommissionPlan, DeviceTarget, DeviceTunnelPlan, RmaPlan, SitePlan } from '../domain/site-plan.ts';
import { raiseAlarm, type AlarmChange, type AlarmRaised } from '../inventory/alarms.ts';
import { allocateSiteAddresses, releaseSiteAddresses } from '../inventory/allocations.ts';
import { admitDevice, deviceTarget, retireDevice, setDeviceStatus, type Admission, type DeviceStatusChange } from '../inventory/devices.ts';
import { rmaPlan } from '../inventory/rma.ts';
import { closeRun, recordRun, type RunEnd, type RunStart } from '../inventory/runs.ts';
import { planSite, storedSite } from '../inventory/site-plan.ts';
import { activateSite, assertSiteIdle, auditSiteEvent, decommissionPlan, setSiteStatus, type SiteStatusChange } from '../inventory/sites.ts';
import { activityAttemptKey, publishEvent, runningWorkflow } from './events/publish.ts';
import { followSiteService } from './sla-steering.ts';

/** One `alarm.cleared` event per alarm a change cleared, each under its own key (a retry repeats none). */
export async function publishAlarmsCleared(deps: { prisma: PrismaClient; client: Client }, cleared: AlarmChange[]): Promise<void> {
  for (const alarm of cleared) await publishEvent(deps, { tenantId: alarm.tenantId, type: 'alarm.cleared', workflowId: runningWorkflow(), data: { ...alarm } }, alarm.alarmId);
}

export function createSiteActivities(deps: { prisma: PrismaClient; client: Client; metrics?: MetricMeter }) {
  const { prisma } = deps;
  const metrics = deps.metrics ?? noopMetricMeter;
  const runsStarted = metrics.createCounter('branchline_runs_started', '{run}', 'Runs begun, by kind');
  const runsFinished = metrics.createCounter('branchline_runs_finished', '{run}', 'Runs ended, by kind and outcome (completed, failed, cancelled, terminated, timed_out)');

  return {
    /** The site as onboarding needs it; a site that cannot be onboarded now fails with SiteNotReady and the reason. */
    async loadSitePlan(input: { siteId: string }): Promise<SitePlan> {
      return planSite(prisma, await storedSite(prisma, input.siteId));
    },

    /**
     * What decommissioning undoes: the tunnels on the other ends (hubs and mesh peers, whichever
     * side allocated them) and the site's own devices.
     */
    async loadDecommissionPlan(input: { siteId: string }): Promise<DecommissionPlan> {
      return decommissionPlan(prisma, input.siteId);
    },

    /**
     * What replacing a device needs: where it is, the far ends of its tunnels, what must be up on
     * the replacement, the site's policies and the target image for the replacement's model (the
     * device's own unless told).
     */
    async loadRmaPlan(input: { deviceId: string; model?: string }): Promise<RmaPlan> {
      return rmaPlan(prisma, input);
    },

    /** A decommissioned site's device gives its serial back, so the box can serve another site. */
    async retireDevice(input: { deviceId: string }): Promise<void> {
      await retireDevice(prisma, input.deviceId);
    },

    async setSiteStatus(input: SiteStatusChange): Promise<void> {
      const { tenantId } = await setSiteStatus(prisma, input);
      await publishEvent(deps, { tenantId, type: 'site.status_changed', workflowId: runningWorkflow(), data: { siteId: input.siteId, status: input.status, reason: input.reason ?? null } });
    },

    async allocateSiteAddresses(input: { siteId: string; devices: DeviceTunnelPlan[] }) {
      return allocateSiteAddresses(prisma, input);
    },

    async releaseSiteAddresses(input: { siteId: string; includingPeers?: boolean }) {
      return releaseSiteAddresses(prisma, input);
    },

    /** The box phoned home and was admitted: where to reach it, its host key (pinned from now on), the code used up. */
    async admitDevice(input: Admission): Promise<DeviceTarget> {
      const { target, ...device } = await admitDevice(prisma, input);
      await publishEvent(deps, {
        tenantId: device.tenantId, type: 'device.admitted', workflowId: runningWorkflow(),
        data: { siteId: device.siteId, deviceId: device.deviceId, hostname: device.hostname, serial: input.serial, address: input.address },
      });
      return target;
    },

    /**
     * The onboarding's end, in one transaction: every device online on the version it runs (the
     * alarms about getting its box admitted cleared), the site active.
     */
    async activateSite(input: { siteId: string; devices: { deviceId: string; softwareVersion: string }[] }): Promise<void> {
      const cleared = await activateSite(prisma, input);
      await publishAlarmsCleared(deps, cleared);
    },

    /** Where a device is and how to reach it, for a change to that device alone (an upgrade). */
    async loadDeviceTarget(input: { deviceId: string }): Promise<{ hostname: string; siteId: string; tenantId: string; model: string; target: DeviceTarget }> {
      return deviceTarget(prisma, input.deviceId);
    },

    /** A device is upgraded only at an active site that no other workflow is changing. */
    async assertSiteIdle(input: { siteId: string }): Promise<void> {
      await assertSiteIdle(prisma, input.siteId);
    },

    async setDeviceStatus(input: DeviceStatusChange): Promise<void> {
      const device = await setDeviceStatus(prisma, input);
      await publishEvent(deps, {
        tenantId: device.tenantId, type: 'device.status_changed', workflowId: runningWorkflow(),
        data: { siteId: device.siteId, deviceId: device.deviceId, hostname: device.hostname, status: input.status },
      });
    },

    /** One active alarm per dedupe key: raising it again updates its message. */
    async raiseAlarm(input: AlarmRaised): Promise<void> {
      const { alarm, raised } = await raiseAlarm(prisma, input);
      if (raised) await publishEvent(deps, { tenantId: input.tenantId ?? null, type: 'alarm.raised', workflowId: runningWorkflow(), data: { ...alarm } });
    },

    /** A run's summary for lists; a campaign spans many sites and names none. */
    async recordRun(input: RunStart): Promise<void> {
      await recordRun(prisma, input);
      runsStarted.add(1, { kind: input.kind });
      await publishEvent(deps, { tenantId: input.tenantId, type: 'run.started', workflowId: input.workflowId, data: { runId: input.runId, kind: input.kind, siteId: input.siteId ?? null, ticket: input.ticket ?? null } });
    },

    async closeRun(input: RunEnd): Promise<void> {
      const run = await closeRun(prisma, input);
      if (!run) return;
      runsFinished.add(1, { kind: run.kind, outcome: input.status });
      await publishEvent(deps, { tenantId: run.tenantId, type: `run.${input.status}`, workflowId: run.workflowId, data: { runId: run.runId, kind: run.kind, siteId: run.siteId, ticket: run.ticket, error: input.error ?? null } });
    },

    /** Onboarding's last word: an audit entry, and the event ITSM callbacks and the UI follow. */
    async notifySiteEvent(input: { tenantId: string; siteId: string; action: 'site.activated' | 'site.decommissioned'; workflowId: string }): Promise<void> {
      const activityKey = activityAttemptKey();
      const site = await auditSiteEvent(prisma, { ...input, ...(activityKey ? { activityKey } : {}) });
      await publishEvent(deps, { tenantId: input.tenantId, type: input.action, workflowId: input.workflowId, data: { siteId: input.siteId, ...site } });
      await followSiteService(deps, input.siteId, input.action === 'site.activated');
    },
  };
}

export type SiteActivities = ReturnType<typeof createSiteActivities>;
