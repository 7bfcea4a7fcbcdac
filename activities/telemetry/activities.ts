// The telemetry pollers (the telemetry task queue): one long-running activity per shard of devices,
// heart-beating its progress so that, when its worker dies, Temporal runs it again on another
// worker, which resumes from the heartbeat (what each device last signalled) and so neither misses
// a violation nor signals one twice. Each run polls for a lease, then returns, so the workflow
// places the shard again and shards spread over the workers there are. Raw samples stay here.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client.ts';
import { credentialsBox } from '../../inventory/credentials.ts';
import { pruneLinkMetrics, recordLinkMinutes } from '../../inventory/link-metrics.ts';
import { steeredDevices, type PolledDevice } from '../../inventory/telemetry-targets.ts';
import type { DeviceCredentials } from '../devices/activities.ts';
import type { DeviceDriver, Transports } from '../devices/drivers/contract.ts';
import { driverFor } from '../devices/drivers/registry.ts';
import { netconfTarget } from '../devices/drivers/targets.ts';
import { sendSlaEvaluation } from '../sla-steering.ts';
import { emptyProgress, ShardPoller, tickAt, type ShardProgress } from './shard-poller.ts';

export interface TelemetryDependencies {
  prisma: PrismaClient;
  client: Client;
  /** The pollers' own SNMP sessions (one per device of the worker's shards). */
  transports: Transports;
  /** The fleet's credentials, for a device with no credential profile of its own or its tenant's. */
  credentials: DeviceCredentials;
  secretsKey: Buffer;
  /** Device reads in flight at once, over all the shards the worker runs. */
  concurrency: number;
}

export interface PollShardInput {
  shard: number;
  shards: number;
  probeIntervalMs: number;
  /** Samples per link the smoothing window holds. */
  windowSamples: number;
  /** How long this run polls before it returns (the workflow then schedules the shard again). */
  leaseMs: number;
  /** How often the shard reads its devices from the inventory again. */
  inventoryRefreshMs: number;
  /** What the previous run of the shard signalled last, per device (ShardProgress.signalled). */
  signalled: Record<string, string>;
}

export type PollShardResult = ShardProgress;

/** Work at most `limit` at a time, first come first served. */
function boundedBy(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

const pruneEveryMs = 3_600_000;

export function createTelemetryActivities(deps: TelemetryDependencies) {
  const box = credentialsBox(deps.secretsKey);
  const limit = boundedBy(deps.concurrency);
  const connectionOf = (device: PolledDevice) => ({
    serial: device.serial, platform: device.platform, host: device.host, netconfPort: device.netconfPort, snmpPort: device.snmpPort,
    ...(device.hostKeySha256 ? { hostKeySha256: device.hostKeySha256 } : {}), ...(device.credentials ?? deps.credentials),
  });
  // A device's driver and the links it reads, made once for each inventory read of the device
  // (which its connection, credentials and links come with), not for every reading.
  const readers = new WeakMap<PolledDevice, { driver: DeviceDriver; links: string[] }>();
  const readProbes = (device: PolledDevice) => {
    let reader = readers.get(device);
    if (!reader) readers.set(device, (reader = { driver: driverFor(connectionOf(device), deps.transports), links: device.links.map((link) => link.name) }));
    return reader.driver.probes({ links: reader.links });
  };
  /**
   * The NETCONF sessions a shard keeps open: a device whose links look out of an SLA gets its
   * session opened in the worker's pool now, and kept until its readings comply again (then for the
   * pool's idle time), so the switch that may follow, and the switch back, find it open rather than
   * spend an SSH handshake; beyond what the pool lets be kept, it is opened for its idle time only.
   * Only with the host key on record, which the session checks as a change's would.
   */
  const sessionsKept = () => {
    const kept = new Map<string, () => void>();
    const end = (deviceId: string) => {
      kept.get(deviceId)?.();
      kept.delete(deviceId);
    };
    return {
      suspect(device: PolledDevice) {
        if (!device.hostKeySha256 || kept.has(device.deviceId)) return;
        const target = netconfTarget(connectionOf(device));
        const release = deps.transports.netconf.keepOpen(target);
        if (release) kept.set(device.deviceId, release);
        else void deps.transports.netconf.withSession(target, async () => undefined).catch(() => undefined);
      },
      cleared: (device: PolledDevice) => end(device.deviceId),
      /** Stops keeping the sessions of devices not among `polled` (all of them without it). */
      keepOnly(polled: readonly PolledDevice[] = []) {
        const ids = new Set(polled.map((device) => device.deviceId));
        for (const deviceId of [...kept.keys()]) if (!ids.has(deviceId)) end(deviceId);
      },
    };
  };

  return {
    /** Polls one shard until its lease ends (or it is cancelled); answers what it signalled last per device. */
    async pollTelemetryShard(input: PollShardInput): Promise<PollShardResult> {
      const context = Context.current();
      const log = context.log;
      const resumed = context.info.heartbeatDetails as ShardProgress | undefined;
      const progress = resumed ?? emptyProgress({ ...input.signalled });
      const missedPolls = context.metricMeter.createCounter('branchline_telemetry_missed_polls', '{poll}', "Device polls missed: a device's previous read unanswered when its turn came again, or a tick the shard could not start");
      const pollLag = context.metricMeter.createGauge('branchline_telemetry_poll_lag_seconds', 'float', 's', "How late a shard's latest poll began after its tick (0: on time)");
      const sessions = sessionsKept();
      const poller = new ShardPoller(progress, input.windowSamples, {
        readProbes, suspect: sessions.suspect, cleared: sessions.cleared, limit, log, now: Date.now,
        wait: (ms) => sleep(ms, undefined, { signal: context.cancellationSignal }),
        signal: (evaluation) => sendSlaEvaluation(deps.client, evaluation),
      });
      const shard = { shard: input.shard, shards: input.shards };
      const loadDevices = async () => {
        const devices = await steeredDevices(deps.prisma, box, shard);
        poller.setDevices(devices);
        sessions.keepOnly(devices);
      };
      await loadDevices();
      log.info('telemetry shard polling', { ...shard, devices: poller.deviceCount, resumed: resumed !== undefined });
      // Beats on its own clock too, so a poll longer than the heartbeat timeout is not taken for a dead worker.
      const beat = setInterval(() => context.heartbeat(progress), 5_000);
      const loopDelay = monitorEventLoopDelay({ resolution: 20 });
      loopDelay.enable();
      const started = Date.now();
      let inventoryReadAt = started;
      let prunedAt = 0;
      let tick = started;
      let missedReported = progress.missedPolls;
      // Rollups are written (and pruned), and the inventory read again, beside the polls, one after
      // another: a slow statement holds up the next statement, not the next poll. A write (or a poll)
      // that fails fails the run, as it would inline; an inventory read that fails keeps the devices known.
      let writes: Promise<unknown> = Promise.resolve();
      let failed: { error: unknown } | undefined;
      const write = (work: () => Promise<unknown>) => {
        writes = writes.then(work).catch((error: unknown) => (failed ??= { error }));
      };
      const refreshInventory = () => loadDevices().catch((error: unknown) => log.warn('telemetry inventory not read again; polling the devices known', { ...shard, error: (error as Error).message }));
      // Each poll starts on its tick whether the one before has ended or not: a device whose read is
      // slow (a datagram lost and sent again, its agent busy) misses at most its own next turn, not
      // the whole shard's.
      const polls = new Set<Promise<void>>();
      const pollEnded = () => {
        context.heartbeat(progress);
        const closed = poller.takeClosedMinutes();
        if (closed.length > 0) write(() => recordLinkMinutes(deps.prisma, closed));
      };
      try {
        while (Date.now() - started < input.leaseMs) {
          if (failed) throw failed.error;
          pollLag.set(Math.max(0, Date.now() - tick) / 1000, shard);
          const poll = poller.pollOnce(input.probeIntervalMs).then(pollEnded, (error: unknown) => void (failed ??= { error }));
          polls.add(poll);
          void poll.finally(() => polls.delete(poll));
          if (input.shard === 0 && Date.now() - prunedAt >= pruneEveryMs) {
            prunedAt = Date.now();
            write(() => pruneLinkMetrics(deps.prisma));
          }
          if (Date.now() - inventoryReadAt >= input.inventoryRefreshMs) {
            inventoryReadAt = Date.now();
            write(refreshInventory);
          }
          // A tick the process could not even start the poll of is missed by every device.
          const { overran, next } = tickAt(Date.now(), tick, input.probeIntervalMs);
          if (overran > 0) poller.missedTicks(overran);
          if (progress.missedPolls > missedReported) {
            missedPolls.add(progress.missedPolls - missedReported, shard);
            // Reads that waited for the bound, or a large event-loop delay, point at the worker; reads
            // long out at the devices (or the network) point at them.
            const misses = poller.takeMisses();
            log.warn('telemetry polls missed', {
              ...shard, missed: progress.missedPolls - missedReported, devices: poller.deviceCount, overranTicks: overran,
              oldestReadMs: misses.oldestMs, readsWaitingForBound: misses.queued, eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e6),
            });
            missedReported = progress.missedPolls;
          }
          loopDelay.reset();
          tick = next;
          await sleep(Math.max(0, tick - Date.now()), undefined, { signal: context.cancellationSignal });
        }
        await Promise.all(polls);
        await writes;
        if (failed) throw failed.error;
        return progress;
      } finally {
        clearInterval(beat);
        loopDelay.disable();
        await Promise.all(polls);
        sessions.keepOnly();
        await writes;
        // The minutes so far, the current ones too: a bucket written twice merges.
        await recordLinkMinutes(deps.prisma, poller.takeClosedMinutes(true)).catch((error: unknown) => log.warn('rollups not written', { ...shard, error: (error as Error).message }));
      }
    },
  };
}

export type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;
