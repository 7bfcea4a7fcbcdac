import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import {
  deviceLeaseWorkflowId, leaseGrantedSignal, leaseStateQuery, releaseLeaseSignal, takeLeaseUpdate, type DeviceLeaseState, type LeaseRequest,
} from '../workflows/device-lease.messages.ts';
import { taskQueues } from '../domain/task-queues.ts';
import type { tunnelChanges } from '../workflows/tunnel-changes.ts';
import { requestTunnelChangeSignal, tunnelChangeDoneSignal, tunnelChangesWorkflowId, type TunnelChangeOutcome, type TunnelChangeRequest } from '../workflows/tunnel-changes.messages.ts';

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** How long a count of the lease workflows still running is trusted. */
const legacyRecountMs = 60_000;

/**
 * The device leases (DESIGN §4), as rows: a device held by at most one run, the others waiting
 * their turn, each told by the `leaseGranted` signal when the device becomes its own. Every
 * statement on a device's lease runs under its advisory lock, so a release always sees the
 * waiters queued before it.
 *
 * Before rows, a lease workflow per device (`device-lease/<serial>`) held them. One still running
 * (it ends an hour after its last holder) keeps its device until then: takes and releases of that
 * device go to it. Nothing starts one any more, so once none runs, none will.
 */
export function createDeviceLeases(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma, client } = deps;
  let legacyCount: { running: boolean; at: number } | undefined;

  async function legacyLeasesRunning(): Promise<boolean> {
    if (legacyCount && (!legacyCount.running || Date.now() - legacyCount.at < legacyRecountMs)) return legacyCount.running;
    const { count } = await client.workflow.count('WorkflowType = "deviceLease" AND ExecutionStatus = "Running"');
    legacyCount = { running: count > 0, at: Date.now() };
    return legacyCount.running;
  }

  /** Whether the device's lease workflow is still running: none, once none runs. */
  async function legacyLease(serial: string): Promise<DeviceLeaseState | undefined> {
    if (!(await legacyLeasesRunning())) return undefined;
    try {
      const handle = client.workflow.getHandle(deviceLeaseWorkflowId(serial));
      if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
      return await handle.query(leaseStateQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  const underLock = <T>(serial: string, work: (tx: Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]) => Promise<T>) =>
    prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${deviceLeaseWorkflowId(serial)}, 0))`;
      return work(tx);
    });

  /** The device's holder: `request`'s run when the device was free (or its already), else the holder, `request` queued behind it. */
  const takeRow = (serial: string, request: LeaseRequest) => underLock(serial, async (tx) => {
    const lease = await tx.deviceLease.findUnique({ where: { serial } });
    if (!lease) return tx.deviceLease.create({ data: { serial, ...request } });
    if (lease.holderWorkflowId !== request.holderWorkflowId) await tx.deviceLeaseWaiter.createMany({ data: [{ serial, ...request }], skipDuplicates: true });
    return lease;
  });

  /** `holderWorkflowId` lets go of the device, or of its turn: the next in turn, now holder, is told; one whose run has closed lets go too. */
  async function releaseRow(serial: string, holderWorkflowId: string): Promise<void> {
    for (let leaving: string | undefined = holderWorkflowId; leaving;) {
      const from = leaving;
      const next = await underLock(serial, async (tx) => {
        await tx.deviceLeaseWaiter.deleteMany({ where: { serial, holderWorkflowId: from } });
        if ((await tx.deviceLease.findUnique({ where: { serial } }))?.holderWorkflowId !== from) return undefined;
        const waiter = await tx.deviceLeaseWaiter.findFirst({ where: { serial }, orderBy: [{ requestedAt: 'asc' }, { holderWorkflowId: 'asc' }] });
        if (!waiter) {
          await tx.deviceLease.delete({ where: { serial } });
          return undefined;
        }
        await tx.deviceLeaseWaiter.delete({ where: { serial_holderWorkflowId: { serial, holderWorkflowId: waiter.holderWorkflowId } } });
        await tx.deviceLease.update({ where: { serial }, data: { holderWorkflowId: waiter.holderWorkflowId, purpose: waiter.purpose, grantedAt: new Date() } });
        return waiter.holderWorkflowId;
      });
      leaving = undefined;
      if (!next) break;
      try {
        await client.workflow.getHandle(next).signal(leaseGrantedSignal, { serial });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        leaving = next; // closed while it waited: it needs the device no more
      }
    }
  }

  /** A holder whose run has closed without letting go (terminated, timed out) lets go now. */
  async function releaseIfGone(serial: string, holderWorkflowId: string): Promise<void> {
    if (!(await isRunning(client, holderWorkflowId))) await releaseRow(serial, holderWorkflowId);
  }

  return {
    /**
     * Takes the devices' leases in their order, up to the first one busy (queued: its grant comes
     * by signal): the devices granted. A retry finds them its own.
     */
    async take(serials: string[], request: LeaseRequest): Promise<string[]> {
      const granted: string[] = [];
      for (const serial of serials) {
        if (await legacyLease(serial)) {
          const answer = await client.workflow.getHandle(deviceLeaseWorkflowId(serial)).executeUpdate(takeLeaseUpdate, { args: [request] }).catch((error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return undefined; // it ended meanwhile, holding nothing
            throw error;
          });
          if (answer && !answer.granted) break;
          if (answer) {
            granted.push(serial);
            continue;
          }
        }
        const lease = await takeRow(serial, request);
        if (lease.holderWorkflowId !== request.holderWorkflowId) {
          await releaseIfGone(serial, lease.holderWorkflowId);
          break;
        }
        granted.push(serial);
      }
      return granted;
    },

    /** Gives the devices' leases back, and the turns waited for them. */
    async release(serials: string[], holderWorkflowId: string): Promise<void> {
      await Promise.all(serials.map(async (serial) => {
        if (await legacyLease(serial)) {
          await client.workflow.getHandle(deviceLeaseWorkflowId(serial)).signal(releaseLeaseSignal, { holderWorkflowId }).catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          });
        }
        await releaseRow(serial, holderWorkflowId);
      }));
    },

    /**
     * For a run waiting its turn: whether the device is its own (its grant signal may have been
     * lost with a worker), the holder let go first when its run has closed.
     */
    async check(serial: string, request: LeaseRequest): Promise<boolean> {
      if (await legacyLease(serial)) return false; // the lease workflow checks its holder itself
      const lease = await prisma.deviceLease.findUnique({ where: { serial } });
      if (lease?.holderWorkflowId === request.holderWorkflowId) return true;
      if (lease) await releaseIfGone(serial, lease.holderWorkflowId);
      return (await takeRow(serial, request)).holderWorkflowId === request.holderWorkflowId;
    },

    async describe(serial: string): Promise<DeviceLeaseState> {
      const legacy = await legacyLease(serial);
      if (legacy) return legacy;
      const [lease, waiting] = await Promise.all([
        prisma.deviceLease.findUnique({ where: { serial } }),
        prisma.deviceLeaseWaiter.findMany({ where: { serial }, orderBy: [{ requestedAt: 'asc' }, { holderWorkflowId: 'asc' }] }),
      ]);
      return {
        serial,
        holder: lease ? { holderWorkflowId: lease.holderWorkflowId, purpose: lease.purpose, grantedAt: lease.grantedAt.toISOString() } : null,
        waiting: waiting.map((w) => ({ holderWorkflowId: w.holderWorkflowId, purpose: w.purpose })),
      };
    },
  };
}

/** Activities that ask the Temporal service on behalf of workflows (which cannot signal-with-start), and the device leases. */
export function createLeaseActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { client } = deps;
  const leases = createDeviceLeases(deps);
  return {
    /** A request by runs begun before leases were taken by answer: granted or queued, its grant comes by signal either way. */
    async requestDeviceLease(input: { serial: string; request: LeaseRequest }): Promise<void> {
      const [granted] = await leases.take([input.serial], input.request);
      if (granted) await client.workflow.getHandle(input.request.holderWorkflowId).signal(leaseGrantedSignal, { serial: granted });
    },

    /**
     * Takes the devices' leases in their order, up to the first one busy (queued: its grant comes
     * by signal): the devices granted. A retry finds them its own.
     */
    async takeDeviceLeases(input: { serials: string[]; request: LeaseRequest }): Promise<{ granted: string[] }> {
      return { granted: await leases.take(input.serials, input.request) };
    },

    /** Gives the devices' leases back, and the turns waited for them. */
    async releaseDeviceLeases(input: { serials: string[]; holderWorkflowId: string }): Promise<void> {
      await leases.release(input.serials, input.holderWorkflowId);
    },

    /** For a run waiting its turn: whether the device is now its own (its holder's run may have closed). */
    async checkDeviceLease(input: { serial: string; request: LeaseRequest }): Promise<{ granted: boolean }> {
      return { granted: await leases.check(input.serial, input.request) };
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

    describeDeviceLease: (input: { serial: string }): Promise<DeviceLeaseState> => leases.describe(input.serial),

    isWorkflowRunning: async (input: { workflowId: string }): Promise<{ running: boolean }> => ({ running: await isRunning(client, input.workflowId) }),
  };
}

export type LeaseActivities = ReturnType<typeof createLeaseActivities>;
