// What a run has done and how to undo it. A step's compensation is added *before* the step runs:
// a change that timed out may have applied all the same. Compensations run newest first, in a
// scope the run's cancellation cannot reach, so a cancelled run still puts things back.
import { CancellationScope, log } from '@temporalio/workflow';
import { describeFailure, type StepLog } from './steps.ts';

export class Saga {
  readonly #compensations: { step: string; undo: () => Promise<unknown> }[] = [];

  /**
   * @param steps when given, each step's status shows its compensation (compensating, compensated, or
   *   failed with why it could not be undone)
   * @param context what the log of a compensation that failed says about the run ({ siteId }, …)
   */
  constructor(private readonly options: { steps?: StepLog; context?: Record<string, unknown> } = {}) {}

  /** How to undo `step`; the same step may register several compensations (one per peer…). */
  add(step: string, undo: () => Promise<unknown>): void {
    this.#compensations.push({ step, undo });
  }

  /** Undoes what was registered, newest first, and forgets it; a compensation that fails is recorded and the others still run. */
  async compensate(): Promise<void> {
    const { steps, context } = this.options;
    await CancellationScope.nonCancellable(async () => {
      for (const { step, undo } of this.#compensations.splice(0).reverse()) {
        steps?.mark(step, 'compensating');
        try {
          await undo();
          steps?.mark(step, 'compensated');
        } catch (error) {
          const { message } = describeFailure(error);
          steps?.mark(step, 'failed', `could not be undone: ${message}`);
          log.error('compensation failed', { ...context, step, error: message });
        }
      }
    });
  }
}
