// A run as the API shows it: the database's summary for lists, and the workflow's own progress
// (its `progress` query) for the live page. Progress differs by kind; what every kind may carry is here.
import type { RunKind, RunStatus } from '../../../generated/prisma/enums.ts';
import type { Choice } from '../../../domain/choices.ts';
import type { Step, StepStatus } from '../../../domain/progress.ts';

export type { Step };

export interface RunSummary {
  workflowId: string;
  runId: string | null;
  kind: RunKind;
  tenantId: string | null;
  siteId: string | null;
  ticket: string | null;
  status: RunStatus;
  error: string | null;
  startedAt: string;
  closedAt: string | null;
}

export interface PhaseProgress { phase: number; size: number; upgraded: number; skipped: number; failed: number }

/** The union of what the workflows' progress queries answer (onboarding, decommission, upgrades, campaigns, RMA). */
export interface RunProgress {
  state?: string;
  /** An RMA's device, and the box it replaces with the new one. */
  deviceId?: string;
  hostname?: string | null;
  oldSerial?: string | null;
  newSerial?: string;
  steps?: Step[];
  error?: string | null;
  failedStep?: string | null;
  attempt?: number;
  deadline?: string | null;
  devices?: { deviceId: string; hostname: string; workflowId: string }[];
  campaignId?: string;
  phase?: number;
  inFlight?: number;
  waiting?: number;
  phases?: PhaseProgress[];
  failures?: { deviceId: string; hostname: string; phase: number; error: string; rolledBack: boolean }[];
  haltedBecause?: string | null;
}

/** What the run stream sends: Temporal's view of the run (RUNNING, COMPLETED…) and the progress. */
export interface ProgressEvent {
  execution: string;
  progress?: RunProgress;
}

export const stepStatus: Record<StepStatus, Choice<StepStatus>> = {
  pending: { value: 'pending', label: 'Pending', colour: 'grey' },
  running: { value: 'running', label: 'Running', colour: 'blue' },
  completed: { value: 'completed', label: 'Completed', colour: 'green' },
  failed: { value: 'failed', label: 'Failed', colour: 'red' },
  compensating: { value: 'compensating', label: 'Undoing', colour: 'amber' },
  compensated: { value: 'compensated', label: 'Undone', colour: 'amber' },
  skipped: { value: 'skipped', label: 'Skipped', colour: 'grey' },
};

/** The run events of GET /api/v1/events, on which run lists refresh. */
export const runEventTypes = ['run.started', 'run.completed', 'run.failed', 'run.cancelled'];
