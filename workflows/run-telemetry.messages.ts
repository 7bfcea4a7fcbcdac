// The telemetry pollers' supervisor (`telemetry`): one per deployment, keeping every shard polling.
export const telemetryWorkflowId = 'telemetry';

export interface RunTelemetryInput {
  /** Fixed: a device's shard is a hash of its id modulo this. Changing it reshuffles every device. */
  shards: number;
  probeIntervalMs: number;
  /** Samples per link the smoothing window holds (a sliding mean). */
  windowSamples: number;
  /** How long a shard polls before it is scheduled again (and may move to another worker). */
  leaseMs: number;
  inventoryRefreshMs: number;
  /** Per shard, what each device last signalled (carried over continue-as-new). */
  signalled?: Record<string, string>[];
}

/** Defaults: a probe every 5 s, a mean over the last 3, ten-minute leases, the inventory read again every minute. */
export const telemetryDefaults: RunTelemetryInput = { shards: 4, probeIntervalMs: 5_000, windowSamples: 3, leaseMs: 600_000, inventoryRefreshMs: 60_000 };
