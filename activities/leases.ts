import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { deviceLease } from '../workflows/device-lease.ts';
import {
  deviceLeaseWorkflowId, leaseStateQuery, releaseLeaseSignal, requestLeaseSignal, takeLeaseUpdate, type DeviceLeaseState, type LeaseRequest,
} from '../workflows/device-lease.messages.ts';
import { taskQueues } from '../domain/task-queues.ts';
import type { tunnelChanges } from '../workflows/tunnel-changes.ts';
import { requestTunnelChangeSignal, tunnelChangeDoneSignal, tunnelChangesWorkflowId, type TunnelChangeOutcome, type TunnelChangeRequest } from '../workflows/tunnel-changes.messages.ts';

/** Activities that ask the Temporal service on behalf of workflows (which cannot signal-with-start). */
export function createLeaseActivities(deps: { client: Client }) {
  const { client } = deps;
  return {
    async requestDeviceLease(input: { serial: string; request: LeaseRequest }): Promise<void> {
      await client.workflow.signalWithStart<typeof deviceLease, [LeaseRequest]>('deviceLease', {
        workflowId: deviceLeaseWorkflowId(input.serial),
        taskQueue: taskQueues.orchestration,
        args: [{ serial: input.serial }],
        signal: requestLeaseSignal,
        signalArgs: [input.request],
      });
    },

    /**
     * Asks for the devices' leases in their order, each by update-with-start, up to the first one
     * busy (queued: its grant comes by signal): the devices granted. A retry finds them its own.
     */
    async takeDeviceLeases(input: { serials: string[]; request: LeaseRequest }): Promise<{ granted: string[] }> {
      const granted: string[] = [];
      for (const serial of input.serials) {
        const startWorkflowOperation = new WithStartWorkflowOperation<typeof deviceLease>('deviceLease', {
          workflowId: deviceLeaseWorkflowId(serial), taskQueue: taskQueues.orchestration, args: [{ serial }], workflowIdConflictPolicy: 'USE_EXISTING',
        });
        const answer = await client.workflow.executeUpdateWithStart(takeLeaseUpdate, { args: [input.request], startWorkflowOperation });
        if (!answer.granted) break;
        granted.push(serial);
      }
      return { granted };
    },

    /** Gives the devices' leases back; a lease whose workflow has ended is held by nobody. */
    async releaseDeviceLeases(input: { serials: string[]; holderWorkflowId: string }): Promise<void> {
      await Promise.all(input.serials.map(async (serial) => {
        try {
          await client.workflow.getHandle(deviceLeaseWorkflowId(serial)).signal(releaseLeaseSignal, { holderWorkflowId: input.holderWorkflowId });
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }));
    },

    /** Queues a tunnel change on a hub or mesh peer, starting the device's queue when it is idle. */
    async requestTunnelChange(input: { serial: string; request: TunnelChangeRequest }): Promise<void> {
      await client.workflow.signalWithStart<typeof tunnelChanges, [TunnelChangeRequest]>('tunnelChanges', {
        workflowId: tunnelChangesWorkflowId(input.serial),
        taskQueue: taskQueues.orchestration,
        args: [{ serial: input.serial }],
        signal: requestTunnelChangeSignal,
        signalArgs: [input.request],
      });
    },

    /** Tells each requester of a commit's tunnel changes how its change went; one that has closed meanwhile needs no answer. */
    async answerTunnelChanges(input: { answers: { requesterWorkflowId: string; outcome: TunnelChangeOutcome }[] }): Promise<void> {
      await Promise.all(input.answers.map(async ({ requesterWorkflowId, outcome }) => {
        try {
          await client.workflow.getHandle(requesterWorkflowId).signal(tunnelChangeDoneSignal, outcome);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }));
    },

    async describeDeviceLease(input: { serial: string }): Promise<DeviceLeaseState> {
      try {
        return await client.workflow.getHandle(deviceLeaseWorkflowId(input.serial)).query(leaseStateQuery);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { serial: input.serial, holder: null, waiting: [] };
        throw error;
      }
    },

    async isWorkflowRunning(input: { workflowId: string }): Promise<{ running: boolean }> {
      try {
        const description = await client.workflow.getHandle(input.workflowId).describe();
        return { running: description.status.name === 'RUNNING' };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { running: false };
        throw error;
      }
    },
  };
}

export type LeaseActivities = ReturnType<typeof createLeaseActivities>;
