// A network service's side effects outside the uCPE: what its workflow needs of the service (its
// uCPE, VLANs and functions, as plain data), its state recorded and announced (`network-service.*`
// events), each function's VNF instance waited for as its own run brings it up or down, a
// function's termination asked of that run (its validated update), and whatever reservation a
// function that never ran still holds given back.
import { heartbeat, sleep as activitySleep, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { PrismaClient } from '../prisma/client.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { chainVlans, type ChainVlan } from '../domain/network-service.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { deviceTarget } from '../inventory/devices.ts';
import { terminateVnfUpdate, vnfWorkflowId } from '../workflows/vnf-lifecycle.messages.ts';
import { publishEvent, runningWorkflow } from './events/publish.ts';

export interface NetworkServiceSpec {
  serviceInstanceId: string;
  tenantId: string;
  siteId: string;
  name: string;
  hostname: string;
  target: DeviceTarget;
  vlans: ChainVlan[];
  /** The functions in chain order: each a VNF instance of its own. */
  functions: { instanceId: string; name: string; position: number }[];
  status: string;
}

/** Where a function's VNF instance stands, as its own run recorded it. */
export interface VnfInstanceOutcome {
  instanceId: string;
  status: string;
  outcome: string;
  error: string | null;
}

export function createNetworkServiceActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma, client } = deps;
  const serviceRow = async (serviceInstanceId: string) => {
    const row = await prisma.networkServiceInstance.findUnique({ where: { id: serviceInstanceId }, include: { functions: { orderBy: { position: 'asc' } }, service: true } });
    if (!row) throw ApplicationFailure.nonRetryable(`Network service ${serviceInstanceId} does not exist.`, failureTypes.networkServiceNotFound, { serviceInstanceId });
    return row;
  };
  const outcomeOf = async (instanceId: string): Promise<VnfInstanceOutcome> => {
    const row = await prisma.vnfInstance.findUniqueOrThrow({ where: { id: instanceId }, select: { status: true, lastOperationOutcome: true, lastOperationError: true } });
    return { instanceId, status: row.status, outcome: row.lastOperationOutcome, error: row.lastOperationError };
  };

  return {
    async loadNetworkService(input: { serviceInstanceId: string }): Promise<NetworkServiceSpec> {
      const row = await serviceRow(input.serviceInstanceId);
      const { hostname, target } = await deviceTarget(prisma, row.deviceId);
      return {
        serviceInstanceId: row.id, tenantId: row.tenantId, siteId: row.siteId, name: row.name, hostname, target, status: row.status,
        vlans: chainVlans(row.id, row.vlanBase, row.functions.length),
        functions: row.functions.map((f) => ({ instanceId: f.id, name: f.name, position: f.position ?? 0 })),
      };
    },

    /** The service's state; with `event`, announced as `network-service.<event>`. */
    async recordNetworkService(input: { serviceInstanceId: string; status: 'instantiating' | 'active' | 'failed' | 'terminating' | 'terminated'; error?: string | null; event?: string }): Promise<void> {
      const row = await prisma.networkServiceInstance.update({
        where: { id: input.serviceInstanceId },
        data: { status: input.status, ...(input.error !== undefined ? { lastError: input.error } : {}) },
      });
      if (!input.event) return;
      await publishEvent(deps, {
        tenantId: row.tenantId, type: `network-service.${input.event}`, workflowId: runningWorkflow(),
        data: { serviceInstanceId: row.id, siteId: row.siteId, deviceId: row.deviceId, name: row.name, status: row.status, error: row.lastError },
      });
    },

    /**
     * Waits (heart-beating) until the function's VNF instance is settled as `until` asks: `up` —
     * running, or failed (its instantiation undone by its own run); `down` — terminated, or failed
     * with nothing reserved. Answers where it stands.
     */
    async awaitVnfInstance(input: { instanceId: string; until: 'up' | 'down' }): Promise<VnfInstanceOutcome> {
      const { cancellationSignal } = Context.current();
      for (;;) {
        const outcome = await outcomeOf(input.instanceId);
        heartbeat(outcome.status);
        if (input.until === 'up' && ['running', 'failed'].includes(outcome.status) && outcome.outcome !== 'processing') return outcome;
        if (input.until === 'down' && outcome.status === 'terminated') return outcome;
        if (input.until === 'down' && outcome.status === 'failed' && outcome.outcome === 'rolled_back') return outcome;
        if (cancellationSignal.aborted) throw cancellationSignal.reason;
        await activitySleep(500);
      }
    },

    /**
     * Asks the function's run to terminate it (its update, which refuses while another operation runs:
     * asked again then). A run that is over (its instantiation rolled back) has nothing left to end.
     */
    async requestVnfTermination(input: { instanceId: string }): Promise<{ asked: boolean }> {
      const handle = client.workflow.getHandle(vnfWorkflowId(input.instanceId));
      const running = await handle.describe().then((d) => d.status.name === 'RUNNING', (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      });
      if (!running) return { asked: false };
      const { status } = await outcomeOf(input.instanceId);
      if (status === 'terminated' || status === 'terminating') return { asked: false };
      await handle.executeUpdate(terminateVnfUpdate);
      return { asked: true };
    },

    /** Whatever the service's functions still reserve (a function whose run never started) given back. */
    async releaseNetworkService(input: { serviceInstanceId: string }): Promise<void> {
      await prisma.vnfInstance.updateMany({
        where: { serviceInstanceId: input.serviceInstanceId, status: { in: ['instantiating', 'failed', 'terminated'] } },
        data: { reservedVcpus: 0, reservedMemoryMiB: 0, reservedDiskGiB: 0 },
      });
      // A function that never started is not an instance anyone will see run: it is failed, not instantiating.
      await prisma.vnfInstance.updateMany({
        where: { serviceInstanceId: input.serviceInstanceId, status: 'instantiating', lastOperationOutcome: 'processing' },
        data: { status: 'failed', lastOperationOutcome: 'rolled_back', lastOperationError: 'the network service it belongs to was rolled back before it started' },
      });
    },
  };
}

export type NetworkServiceActivities = ReturnType<typeof createNetworkServiceActivities>;
