// Drift reconciliation's contract: the schedule that starts it, its input and its result.
import type { DriftTally } from '../activities/devices/drift.ts';

/** The Temporal Schedule that runs reconcileDrift every interval; created (or updated) by the first worker up. */
export const driftScheduleId = 'drift-reconciliation';
/** Each scheduled run's id begins so (the schedule appends the time it was due). */
export const driftWorkflowIdPrefix = 'drift-reconciliation';

export interface ReconcileDriftInput {
  /** Devices per device activity. */
  batchSize?: number;
}

export interface ReconcileDriftResult extends Omit<DriftTally, 'drifted'> {
  /** How many devices are drifted after this round. */
  drifted: number;
}
