// A network-service campaign's side effects: its plan, instances and outcomes in the inventory, and
// each instance's change of package asked of the instance's own run (`vnf/<instanceId>`, its
// validated update, deduplicated by the campaign's id so a retried activity asks once) and
// followed through the run's live view until it is over — completed, rolled back by the run, or
// failed and waiting for the operator.
import { heartbeat, sleep as activitySleep, Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { PrismaClient } from '../prisma/client.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { packageChange } from '../domain/vnf-lifecycle.ts';
import type { CampaignCandidate, CampaignDeviceStatus, CampaignStatus } from '../inventory/campaigns.ts';
import {
  recordServiceCampaignInstance, serviceCampaignInstancesToStart, serviceCampaignPlan, setServiceCampaignStatus, skipRemainingServiceInstances, type ServiceCampaignPlan,
} from '../inventory/network-service-campaigns.ts';
import { packageSpec } from '../inventory/vnf-packages.ts';
import { changeVnfPackageUpdate, vnfStateQuery, vnfWorkflowId } from '../workflows/vnf-lifecycle.messages.ts';

export type { ServiceCampaignPlan };

/** How a change of package ended, as the instance's run tells it. */
export interface PackageChangeOutcome {
  outcome: 'completed' | 'rolled_back' | 'failed_temp' | 'failed';
  error: string | null;
}

export function createNetworkServiceCampaignActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma, client } = deps;
  return {
    async loadServiceCampaign(input: { campaignId: string }): Promise<ServiceCampaignPlan> {
      return serviceCampaignPlan(prisma, input.campaignId);
    },

    async listServiceCampaignInstances(input: { campaignId: string; phase: number; after?: string; limit: number }): Promise<CampaignCandidate[]> {
      return serviceCampaignInstancesToStart(prisma, input);
    },

    async recordServiceCampaignInstance(input: { campaignId: string; vnfInstanceId: string; status: CampaignDeviceStatus; error?: string; started?: boolean }): Promise<void> {
      await recordServiceCampaignInstance(prisma, input);
    },

    async skipRemainingServiceInstances(input: { campaignId: string; reason: string }): Promise<number> {
      return skipRemainingServiceInstances(prisma, input);
    },

    async setServiceCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await setServiceCampaignStatus(prisma, input);
    },

    /** Asks the instance's run to change its package, its own day-1 parameters carried over; refused: a non-retryable failure saying why. */
    async requestPackageChange(input: { campaignId: string; instanceId: string; packageId: string }): Promise<void> {
      const row = await prisma.vnfInstance.findUniqueOrThrow({ where: { id: input.instanceId }, select: { flavour: true, config: true } });
      const pkg = packageSpec(await prisma.vnfPackage.findUniqueOrThrow({ where: { id: input.packageId } }));
      const change = packageChange(pkg, { flavour: row.flavour, config: row.config as Record<string, unknown> });
      if (change.problems.length > 0) {
        throw ApplicationFailure.nonRetryable(change.problems.map((p) => p.message).join('; '), failureTypes.vnfChangeRefused, { instanceId: input.instanceId });
      }
      try {
        await client.workflow.getHandle(vnfWorkflowId(input.instanceId)).executeUpdate(changeVnfPackageUpdate, {
          args: [{ packageId: pkg.id, parameters: change.parameters }], updateId: `network-service-campaign/${input.campaignId}`,
        });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          throw ApplicationFailure.nonRetryable(`The instance refused the change: ${error.cause?.message ?? error.message}`, failureTypes.vnfChangeRefused, { instanceId: input.instanceId });
        }
        if (error instanceof WorkflowNotFoundError) {
          throw ApplicationFailure.nonRetryable('The instance has no run to change it (it was terminated).', failureTypes.vnfInstanceNotFound, { instanceId: input.instanceId });
        }
        throw error;
      }
    },

    /** Waits (heart-beating) until the instance's run has finished the change of package it accepted, and answers how it ended. */
    async awaitPackageChange(input: { instanceId: string }): Promise<PackageChangeOutcome> {
      const { cancellationSignal } = Context.current();
      const run = client.workflow.getHandle(vnfWorkflowId(input.instanceId));
      for (;;) {
        const view = await run.query(vnfStateQuery);
        heartbeat(view.status);
        const last = view.lastOperation;
        if (!view.busy && last?.kind === 'change_package' && last.outcome !== 'processing') {
          return { outcome: last.outcome as PackageChangeOutcome['outcome'], error: last.error };
        }
        // Ended some other way (terminated meanwhile): the change will not come.
        if (!view.busy && (view.status === 'terminated' || view.status === 'terminating')) return { outcome: 'failed', error: `the instance was ${view.status} before its change of package ran` };
        if (cancellationSignal.aborted) throw cancellationSignal.reason;
        await activitySleep(500);
      }
    },
  };
}

export type NetworkServiceCampaignActivities = ReturnType<typeof createNetworkServiceCampaignActivities>;
