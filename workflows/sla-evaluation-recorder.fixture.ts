// A stand-in for a site's SLA steering workflow (`sla/<siteId>`), for the telemetry tests and the
// SLA benchmark: it keeps every evaluation signalled to it, with the workflow time it arrived at.
// Not in the worker's bundle: a test or benchmark registers it on a task queue of its own.
import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import { slaEvaluationSignal, type SlaEvaluation } from './sla-steering.messages.ts';

export interface RecordedEvaluation {
  evaluation: SlaEvaluation;
  /** Workflow time when the signal was handled (epoch milliseconds). */
  receivedAt: number;
}

export const recordedEvaluationsQuery = defineQuery<RecordedEvaluation[]>('recordedEvaluations');

export async function recordSlaEvaluations(): Promise<void> {
  const received: RecordedEvaluation[] = [];
  setHandler(slaEvaluationSignal, (evaluation) => {
    received.push({ evaluation, receivedAt: Date.now() });
  });
  setHandler(recordedEvaluationsQuery, () => received);
  await condition(() => false);
}
