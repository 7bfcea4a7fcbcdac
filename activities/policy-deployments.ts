// What a policy deployment reads and records, through inventory/policy-deployments.ts, and its dry
// run: each site's configuration compiled from the deployment's version and loaded, diffed and
// discarded on each of its devices, the diffs recorded for the operator to review.
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../prisma/client.ts';
import {
  assignWaves, closeDeployment, deploymentPlan, recordPolicySite, siteChanges, sitesToPreview, waveSites,
  type DeploymentPlan, type PolicyDeploymentStatus, type PolicySiteStatus, type SiteDeviceChange,
} from '../inventory/policy-deployments.ts';
import { createDeviceActivities } from './devices/activities.ts';
import { createDeviceLeases } from './leases.ts';
import { policySiteLeasePurpose } from '../workflows/deploy-policy.messages.ts';
import { steeredLinks } from './sla-steering.ts';
import type { ActivityDependencies } from './index.ts';

export type { DeploymentPlan, SiteDeviceChange };

/** Sites previewed at once within one batch: each holds a NETCONF session to each of its devices. */
const previewConcurrency = 16;

/** A site's dry-run diff: each device's own, under its host name. */
export const siteDiff = (devices: { hostname: string; diff: string }[]) =>
  devices.filter((d) => d.diff !== '').map((d) => `[${d.hostname}]\n${d.diff.endsWith('\n') ? d.diff : `${d.diff}\n`}`).join('');

export function createPolicyDeploymentActivities(deps: ActivityDependencies) {
  const { prisma } = deps as { prisma: PrismaClient };
  const devices = createDeviceActivities(deps);
  const leases = createDeviceLeases(deps);
  /** A site's configuration from the deployment's version, keeping the links SLA steering chose. */
  const changesOf = async (deploymentId: string, siteId: string) => siteChanges(prisma, deploymentId, siteId, () => steeredLinks(deps.client, siteId));

  return {
    async loadPolicyDeployment(input: { deploymentId: string }): Promise<DeploymentPlan> {
      return deploymentPlan(prisma, input.deploymentId);
    },

    /** Up to `limit` sites not previewed yet, after `after`. */
    async listSitesToPreview(input: { deploymentId: string; after?: string; limit: number }): Promise<string[]> {
      return sitesToPreview(prisma, input);
    },

    /**
     * Previews these sites: per site, the diff of each device, or no change; a site whose device
     * cannot be read fails the dry run there (it is not deployed) with the reason.
     */
    async previewPolicySites(input: { deploymentId: string; siteIds: string[] }): Promise<{ changed: number; unchanged: number; failed: number }> {
      const counts = { changed: 0, unchanged: 0, failed: 0 };
      const queue = [...input.siteIds];
      const previewOne = async (siteId: string) => {
        try {
          const { devices: changes } = await changesOf(input.deploymentId, siteId);
          const diffs = await Promise.all(changes.map(async (change) => ({
            hostname: change.hostname, diff: (await devices.previewConfiguration({ target: change.target, config: change.config, mode: 'merge' })).diff,
          })));
          const diff = siteDiff(diffs);
          await recordPolicySite(prisma, { deploymentId: input.deploymentId, siteId, status: diff === '' ? 'no_change' : 'changed', diff, error: null });
          counts[diff === '' ? 'unchanged' : 'changed']++;
        } catch (error) {
          await recordPolicySite(prisma, { deploymentId: input.deploymentId, siteId, status: 'failed', error: `Dry run: ${(error as Error).message}` });
          counts.failed++;
        }
        Context.current().heartbeat();
      };
      await Promise.all(Array.from({ length: Math.min(previewConcurrency, queue.length) }, async () => {
        for (let siteId = queue.shift(); siteId !== undefined; siteId = queue.shift()) await previewOne(siteId);
      }));
      return counts;
    },

    /** The sites with a change, put in waves: the waves' sizes. */
    async assignPolicyWaves(input: { deploymentId: string }): Promise<number[]> {
      return assignWaves(prisma, input.deploymentId);
    },

    async listPolicyWaveSites(input: { deploymentId: string; phase: number; after?: string; limit: number }) {
      return waveSites(prisma, input);
    },

    /**
     * A site's configuration as the deployment's version makes it, device by device: the dry run's
     * very text, unless SLA steering moved an application since (it stays where steering put it).
     */
    async loadSitePolicyChanges(input: { deploymentId: string; siteId: string }): Promise<{ siteName: string; devices: SiteDeviceChange[] }> {
      return changesOf(input.deploymentId, input.siteId);
    },

    /**
     * A site's first step in the deployment's own run: its changes loaded (as loadSitePolicyChanges),
     * the site recorded as deploying, and its devices' leases asked for (as takeDeviceLeases, in
     * serial order up to the first busy one): `granted`. endPolicySite gives them back.
     */
    async beginPolicySite(input: { deploymentId: string; siteId: string; holderWorkflowId: string }): Promise<{ siteName: string; devices: SiteDeviceChange[]; granted: string[] }> {
      const changes = await changesOf(input.deploymentId, input.siteId);
      await recordPolicySite(prisma, { deploymentId: input.deploymentId, siteId: input.siteId, status: 'deploying' });
      const serials = [...new Set(changes.devices.map((d) => d.target.serial))].sort();
      return { ...changes, granted: await leases.take(serials, { holderWorkflowId: input.holderWorkflowId, purpose: policySiteLeasePurpose(changes.siteName) }) };
    },

    /** A site's last step in the deployment's own run: its outcome recorded (as recordPolicySite), its devices' leases and turns given back. */
    async endPolicySite(input: { deploymentId: string; siteId: string; status: PolicySiteStatus; error: string | null; release: { serials: string[]; holderWorkflowId: string } }): Promise<void> {
      await recordPolicySite(prisma, { deploymentId: input.deploymentId, siteId: input.siteId, status: input.status, error: input.error });
      await leases.release(input.release.serials, input.release.holderWorkflowId);
    },

    async recordPolicySite(input: { deploymentId: string; siteId: string; status: PolicySiteStatus; error?: string | null }): Promise<void> {
      await recordPolicySite(prisma, input);
    },

    async setPolicyDeploymentStatus(input: { deploymentId: string; status: PolicyDeploymentStatus; skipReason?: string }): Promise<void> {
      await closeDeployment(prisma, input);
    },
  };
}

export type PolicyDeploymentActivities = ReturnType<typeof createPolicyDeploymentActivities>;
