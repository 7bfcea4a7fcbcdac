// Drift reconciliation's device side: is each device still running what Branchline last committed
// to it? Cheaply first: the newest commit of the device's history (Junos), which names who changed
// it and when; only when that commit, or the version on record, is new since the last reading and
// is not the commit the version on record noted, is the running configuration read, secrets
// concealed, and compared line by line as the diffs are
// (domain/config-diff.ts). A device that keeps no commit history is read whole and its sha256 is
// the marker. A difference is not drift while a Branchline change is on its way to its record
// (its own commit is the newest, or another run holds the device's lease).
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client.ts';
import { diffConfigs } from '../../domain/config-diff.ts';
import { reachabilityDeviceStatuses } from '../../domain/choices.ts';
import { createDeviceLeases } from '../leases.ts';
import { configurationContent } from '../../inventory/config-history.ts';
import { targetOf } from '../../inventory/devices.ts';
import { recordDrift, touchDrift, type DriftFinding } from '../../inventory/drift.ts';
import { markReachable, markUnreachable, type ReachabilityChange } from '../../inventory/reachability.ts';
import { publishEvent, runningWorkflow } from '../events/publish.ts';
import { DeviceError } from './errors.ts';
import { alarmTypes } from '../../domain/alarm-types.ts';
import { deviceDrivers, type DeviceActivityDependencies } from './activities.ts';
import { isBranchlineCommit } from './drivers/junos-commits.ts';
import { createDeviceSecrets } from './secrets.ts';

/** What one reading of a device found. */
export type DriftReading = 'in_sync' | 'drifted' | 'unchanged' | 'changing' | 'unrecorded' | 'unreachable';

export interface DriftTally {
  checked: number;
  /** Devices whose running configuration was read whole (their newest commit was new to us). */
  fullReads: number;
  drifted: string[];
  readings: Record<DriftReading, number>;
}

export interface ReconcileDevicesInput {
  deviceIds: string[];
  /** The run holding these devices' leases, when one asks (a rollback checking its own work): its lease is no change of another's. */
  leaseHolder?: string;
  /** What that run did, which ends a drift it finds over: its event says so (`config.drift.reapplied`, `…adopted`). */
  resolvedBy?: 'rollback' | 're-apply' | 'adopt';
}

/** The event that says how a drift ended: re-applied, adopted, or otherwise in sync again (a rollback, a hand fix). */
const driftEnded = { 're-apply': 'config.drift.reapplied', adopt: 'config.drift.adopted', rollback: 'config.drift.cleared' } as const;

/** Devices read at once by one activity: enough to hide each device's round trips, few enough for one worker's sockets. */
const devicesAtOnce = 32;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createDriftActivities(deps: DeviceActivityDependencies & { client: Client }) {
  const { prisma, client } = deps;
  const driver = deviceDrivers(deps);
  const secrets = createDeviceSecrets(prisma, deps.secretsKey);
  const leases = createDeviceLeases({ prisma, client });

  /** Whether a run other than `own` holds the device's lease: its change may not be on record yet. */
  async function leasedByAnother(serial: string, own: string | undefined): Promise<boolean> {
    const { holder } = await leases.describe(serial);
    return holder !== null && holder.holderWorkflowId !== own;
  }

  async function readDevice(device: DeviceRow, input: ReconcileDevicesInput, now: Date): Promise<{ reading: DriftReading; fullRead: boolean }> {
    const { leaseHolder } = input;
    const target = targetOf(device);
    const latest = device.configVersions[0];
    if (!target || !latest) return { reading: 'unrecorded', fullRead: false };
    const box = await driver(target);
    const newest = box.newestCommit ? await box.newestCommit() : undefined;
    let running: string | undefined;
    const readRunning = async () => (running ??= await secrets.conceal(device.id, await box.runningConfig()));
    const marker = newest?.marker ?? sha256(await readRunning());
    const before = device.drift;
    if (before && before.commitMarker === marker && before.comparedVersion === latest.version) {
      await touchDrift(prisma, [device.id], now);
      return { reading: 'unchanged', fullRead: running !== undefined };
    }
    // The newest commit is the one the version on record noted when it was recorded: the device
    // runs that version, and neither it nor the device's configuration needs reading whole.
    const recorded = newest !== undefined && latest.commitMarker === newest.marker;
    const diff = recorded ? '' : diffConfigs(await configurationContent(prisma, device.id, latest.version) ?? '', await readRunning());
    if (diff !== '' && ((newest && isBranchlineCommit(newest.log)) || await leasedByAnother(target.serial, leaseHolder))) {
      return { reading: 'changing', fullRead: true };
    }
    const state = diff === '' ? 'in_sync' : 'drifted';
    const finding = {
      deviceId: device.id, state, commitMarker: marker, comparedVersion: latest.version, diff,
      changedBy: newest?.user || null, changedAt: newest?.at ? new Date(newest.at) : null,
    } as const;
    const { previous, raised, cleared } = await recordDrift(prisma, finding, now);
    await publishAlarms(raised, cleared);
    await publishDriftChange(device, finding, previous, input.resolvedBy);
    return { reading: state, fullRead: running !== undefined };
  }

  /** A drift found (`config.drift.detected`), or ended (how: `driftEnded`), as an event for the streams and webhooks. */
  async function publishDriftChange(device: DeviceRow, finding: DriftFinding, previous: DriftFinding['state'] | null, resolvedBy: ReconcileDevicesInput['resolvedBy']) {
    const data = { deviceId: device.id, hostname: device.hostname, siteId: device.site.id, comparedVersion: finding.comparedVersion };
    if (finding.state === 'drifted' && previous !== 'drifted') {
      await publishEvent(deps, {
        tenantId: device.site.tenantId, type: 'config.drift.detected', workflowId: runningWorkflow(),
        data: { ...data, changedBy: finding.changedBy, changedAt: finding.changedAt?.toISOString() ?? null },
      }, device.id);
    } else if (finding.state === 'in_sync' && previous === 'drifted') {
      await publishEvent(deps, { tenantId: device.site.tenantId, type: driftEnded[resolvedBy ?? 'rollback'], workflowId: runningWorkflow(), data }, device.id);
    }
  }

  /** One event per alarm raised or cleared, keyed by the alarm so that a retried attempt repeats none. */
  async function publishAlarms(raised: { alarmId: string; tenantId: string | null }[], cleared: { alarmId: string; tenantId: string | null }[]) {
    for (const [type, alarms] of [['alarm.raised', raised], ['alarm.cleared', cleared]] as const) {
      for (const alarm of alarms) await publishEvent(deps, { tenantId: alarm.tenantId, type, workflowId: runningWorkflow(), data: { ...alarm } }, alarm.alarmId);
    }
  }

  /** A device's status changed by whether it answered: its event, and its alarm's. */
  async function publishReachability(change: ReachabilityChange) {
    if (change.status) {
      await publishEvent(deps, {
        tenantId: change.device.tenantId, type: 'device.status_changed', workflowId: runningWorkflow(),
        data: { siteId: change.device.siteId, deviceId: change.device.deviceId, hostname: change.device.hostname, status: change.status },
      }, `${change.device.deviceId}/${change.status}`);
    }
    await publishAlarms(change.raised, change.cleared);
  }

  /**
   * Whether the device answered, from its reading: a device that answered is online (back, if it
   * was offline); one that did not is offline with an alarm, unless a run holding its lease is
   * changing it (a reboot, a commit being confirmed).
   */
  async function noteReachability(device: DeviceRow, error: unknown, leaseHolder: string | undefined) {
    if (error === undefined) {
      if (device.status === 'offline' || device.alarms.length > 0) await publishReachability(await markReachable(prisma, { deviceId: device.id }));
      return;
    }
    if (!(error instanceof DeviceError) || !['unreachable', 'timeout'].includes(error.kind)) return;
    if (device.serial && await leasedByAnother(device.serial, leaseHolder)) return;
    await publishReachability(await markUnreachable(prisma, { deviceId: device.id, reason: error.message }));
  }

  return {
    /** The devices drift reconciliation reads: those in service with a management address. */
    async listReconciledDevices(): Promise<{ deviceIds: string[] }> {
      const rows = await prisma.device.findMany({
        where: { status: { in: [...reachabilityDeviceStatuses.values] }, serial: { not: null }, managementAddress: { not: null } },
        select: { id: true }, orderBy: { id: 'asc' },
      });
      return { deviceIds: rows.map((row) => row.id) };
    },

    /**
     * Reads each device and keeps whether it is in sync or drifted, raising or clearing its drift
     * alarm. A device that does not answer is counted and left as it was: the next round reads it.
     */
    async reconcileDevices(input: ReconcileDevicesInput): Promise<DriftTally> {
      const context = Context.current();
      const devices = await loadDevices(prisma, input.deviceIds);
      const tally: DriftTally = {
        checked: 0, fullReads: 0, drifted: [],
        readings: { in_sync: 0, drifted: 0, unchanged: 0, changing: 0, unrecorded: 0, unreachable: 0 },
      };
      const queue = [...devices];
      const now = new Date();
      await Promise.all(Array.from({ length: Math.min(devicesAtOnce, queue.length) }, async () => {
        for (let device = queue.shift(); device; device = queue.shift()) {
          let failure: unknown;
          const { reading, fullRead } = await readDevice(device, input, now).catch((error: unknown) => {
            context.log.warn('drift reconciliation could not read a device', { deviceId: device!.id, serial: device!.serial, error: (error as Error).message });
            failure = error;
            return { reading: 'unreachable' as const, fullRead: false };
          });
          if (reading !== 'unrecorded') await noteReachability(device, failure, input.leaseHolder);
          tally.checked++;
          if (fullRead) tally.fullReads++;
          tally.readings[reading]++;
          if (reading === 'drifted' || (reading === 'unchanged' && device.drift?.state === 'drifted')) tally.drifted.push(device.id);
          context.heartbeat();
        }
      }));
      return tally;
    },
  };
}

function loadDevices(prisma: PrismaClient, deviceIds: string[]) {
  return prisma.device.findMany({
    where: { id: { in: deviceIds }, status: { in: [...reachabilityDeviceStatuses.values] } },
    select: {
      id: true, hostname: true, status: true, serial: true, platform: true, managementAddress: true, netconfPort: true, snmpPort: true, hostKeySha256: true, drift: true,
      site: { select: { id: true, tenantId: true } },
      configVersions: { orderBy: { version: 'desc' }, take: 1, select: { id: true, version: true, commitMarker: true } },
      // Its open unreachable alarm, if any: cleared once it answers, whatever put it back online.
      alarms: { where: { type: alarmTypes.deviceUnreachable, state: { not: 'cleared' } }, select: { id: true }, take: 1 },
    },
  });
}

type DeviceRow = Awaited<ReturnType<typeof loadDevices>>[number];

export type DriftActivities = ReturnType<typeof createDriftActivities>;
