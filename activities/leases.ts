import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Prisma, type PrismaClient } from '../prisma/client.ts';
import {
  deviceLeaseWorkflowId, leaseGrantedSignal, leaseStateQuery, releaseLeaseSignal, takeLeaseUpdate, type DeviceLeaseState, type LeaseRequest,
} from '../workflows/device-lease.messages.ts';
import { taskQueues } from '../domain/task-queues.ts';
import type { tunnelChanges } from '../workflows/tunnel-changes.ts';
import { requestTunnelChangeSignal, tunnelChangeDoneSignal, tunnelChangesWorkflowId, type TunnelChangeOutcome, type TunnelChangeRequest } from '../workflows/tunnel-changes.messages.ts';

/** What `call` answers, or nothing when its workflow has ended (or never was). */
function unlessGone<T>(call: Promise<T>): Promise<T | undefined> {
  return call.catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  });
}

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  return (await unlessGone(client.workflow.getHandle(workflowId).describe()))?.status.name === 'RUNNING';
}

/** How long a count of the lease workflows still running is trusted. */
const legacyRecountMs = 60_000;

/**
 * The device leases (DESIGN §4), as rows: a device held by at most one run, the others waiting
 * their turn, each told by the `leaseGranted` signal when the device becomes its own. A lease and
 * its queue are one row, changed by one statement each time: the row's lock orders them, so a
 * release always sees the turns queued before it.
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

  /** The device's lease workflow's state while one still runs: none, once none runs. */
  async function legacyLease(serial: string): Promise<DeviceLeaseState | undefined> {
    const workflowId = deviceLeaseWorkflowId(serial);
    if (!(await legacyLeasesRunning()) || !(await isRunning(client, workflowId))) return undefined;
    return unlessGone(client.workflow.getHandle(workflowId).query(leaseStateQuery));
  }

  /** The device's holder: `request`'s run when the device was free (or its already), else the holder, `request` queued behind it. */
  async function takeRow(serial: string, { holderWorkflowId, purpose }: LeaseRequest): Promise<string> {
    const [lease] = await prisma.$queryRaw<{ holder: string }[]>`
      INSERT INTO device_lease AS l (serial, holder_workflow_id, purpose, granted_at) VALUES (${serial}, ${holderWorkflowId}, ${purpose}, now())
      ON CONFLICT (serial) DO UPDATE SET
        holder_workflow_id = coalesce(l.holder_workflow_id, EXCLUDED.holder_workflow_id),
        purpose = CASE WHEN l.holder_workflow_id IS NULL THEN EXCLUDED.purpose ELSE l.purpose END,
        granted_at = CASE WHEN l.holder_workflow_id IS NULL THEN EXCLUDED.granted_at ELSE l.granted_at END,
        waiting = CASE
          WHEN l.holder_workflow_id IS NULL OR l.holder_workflow_id = EXCLUDED.holder_workflow_id
            OR l.waiting @> jsonb_build_array(jsonb_build_object('holderWorkflowId', EXCLUDED.holder_workflow_id)) THEN l.waiting
          ELSE l.waiting || jsonb_build_array(jsonb_build_object('holderWorkflowId', EXCLUDED.holder_workflow_id, 'purpose', EXCLUDED.purpose))
        END
      RETURNING l.holder_workflow_id AS holder`;
    return lease!.holder;
  }

  /**
   * `holderWorkflowId` lets go of the device, or of its turn. The next in turn, now holder, is
   * told (a run that only gave up its turn tells the holder again, which it ignores); one whose run
   * has closed lets go in turn.
   */
  async function releaseRow(serial: string, holderWorkflowId: string): Promise<void> {
    for (let leaving: string | undefined = holderWorkflowId; leaving;) {
      const from: string = leaving;
      const rest = Prisma.sql`(SELECT coalesce(jsonb_agg(w ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(l.waiting) WITH ORDINALITY AS e(w, i) WHERE w->>'holderWorkflowId' <> ${from})`;
      const [lease] = await prisma.$queryRaw<{ holder: string | null }[]>`
        UPDATE device_lease l SET
          holder_workflow_id = CASE WHEN l.holder_workflow_id = ${from} THEN ${rest}->0->>'holderWorkflowId' ELSE l.holder_workflow_id END,
          purpose = CASE WHEN l.holder_workflow_id = ${from} THEN ${rest}->0->>'purpose' ELSE l.purpose END,
          granted_at = CASE WHEN l.holder_workflow_id = ${from} THEN CASE WHEN jsonb_array_length(${rest}) > 0 THEN now() END ELSE l.granted_at END,
          waiting = CASE WHEN l.holder_workflow_id = ${from} THEN ${rest} - 0 ELSE ${rest} END
        WHERE l.serial = ${serial}
          AND (l.holder_workflow_id = ${from} OR l.waiting @> jsonb_build_array(jsonb_build_object('holderWorkflowId', ${from}::text)))
        RETURNING l.holder_workflow_id AS holder`;
      leaving = undefined;
      const next = lease?.holder;
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
          // Gone: it ended meanwhile, holding nothing.
          const answer = await unlessGone(client.workflow.getHandle(deviceLeaseWorkflowId(serial)).executeUpdate(takeLeaseUpdate, { args: [request] }));
          if (answer && !answer.granted) break;
          if (answer) {
            granted.push(serial);
            continue;
          }
        }
        const holder = await takeRow(serial, request);
        if (holder !== request.holderWorkflowId) {
          await releaseIfGone(serial, holder);
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
          await unlessGone(client.workflow.getHandle(deviceLeaseWorkflowId(serial)).signal(releaseLeaseSignal, { holderWorkflowId }));
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
      const holder = (await prisma.deviceLease.findUnique({ where: { serial } }))?.holderWorkflowId;
      if (holder === request.holderWorkflowId) return true;
      if (holder) await releaseIfGone(serial, holder);
      return (await takeRow(serial, request)) === request.holderWorkflowId;
    },

    async describe(serial: string): Promise<DeviceLeaseState> {
      const legacy = await legacyLease(serial);
      if (legacy) return legacy;
      const lease = await prisma.deviceLease.findUnique({ where: { serial } });
      return {
        serial,
        holder: lease?.holderWorkflowId ? { holderWorkflowId: lease.holderWorkflowId, purpose: lease.purpose ?? '', grantedAt: lease.grantedAt?.toISOString() ?? '' } : null,
        waiting: (lease?.waiting ?? []) as unknown as LeaseRequest[],
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

    /** As `take` above, for a local activity (an activity in runs begun before leases were rows). */
    async takeDeviceLeases(input: { serials: string[]; request: LeaseRequest }): Promise<{ granted: string[] }> {
      return { granted: await leases.take(input.serials, input.request) };
    },

    /** As `release` above. */
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
      await Promise.all(input.answers.map(({ requesterWorkflowId, outcome }) => unlessGone(client.workflow.getHandle(requesterWorkflowId).signal(tunnelChangeDoneSignal, outcome))));
    },

    describeDeviceLease: (input: { serial: string }): Promise<DeviceLeaseState> => leases.describe(input.serial),

    isWorkflowRunning: async (input: { workflowId: string }): Promise<{ running: boolean }> => ({ running: await isRunning(client, input.workflowId) }),
  };
}

export type LeaseActivities = ReturnType<typeof createLeaseActivities>;
