// A failed run that waits for the operator: retry, or abort with a reason, each an update the API
// sends. The updates are refused unless the run is waiting for a decision; the wait has a
// deadline, and a run cancelled while it waits says so rather than throwing.
import type { Duration, UpdateDefinition } from '@temporalio/common';
import { condition, isCancellation, setHandler } from '@temporalio/workflow';

export type OperatorDecision =
  | { kind: 'retry' }
  | { kind: 'abort'; reason: string }
  | { kind: 'timed-out' }
  | { kind: 'cancelled'; cancellation: unknown };

export interface OperatorDecisionOptions<RetryAnswer, AbortAnswer> {
  retry: UpdateDefinition<RetryAnswer, []>;
  abort: UpdateDefinition<AbortAnswer, [{ reason?: string }]>;
  /** What each update answers once the decision is taken. */
  answers: { retry: () => RetryAnswer; abort: () => AbortAnswer };
  /** Why a decision is refused while the run waits for none. */
  refusal: () => string;
}

/**
 * Sets the handlers of the two updates; call it when the run starts, so that a decision sent while
 * the run is busy is refused at once rather than kept for later.
 */
export function operatorDecisions<RetryAnswer, AbortAnswer>(options: OperatorDecisionOptions<RetryAnswer, AbortAnswer>): {
  waitFor(within: Duration): Promise<OperatorDecision>;
} {
  let waiting = false;
  let decision: OperatorDecision | undefined;
  const refuseUnlessWaiting = () => {
    if (!waiting) throw new Error(options.refusal());
  };
  setHandler(options.retry, () => {
    decision = { kind: 'retry' };
    return options.answers.retry();
  }, { validator: refuseUnlessWaiting });
  setHandler(options.abort, (request: { reason?: string }) => {
    decision = { kind: 'abort', reason: request.reason ?? 'aborted by the operator' };
    return options.answers.abort();
  }, { validator: (_request: { reason?: string }) => refuseUnlessWaiting() });

  return {
    /** The operator's decision, the last one if several came at once; `timed-out` when none came within `within`. */
    async waitFor(within: Duration): Promise<OperatorDecision> {
      decision = undefined;
      waiting = true;
      try {
        await condition(() => decision !== undefined, within);
      } catch (error) {
        if (!isCancellation(error)) throw error;
        return { kind: 'cancelled', cancellation: error };
      } finally {
        waiting = false;
      }
      // A decision that came as the deadline passed still counts. (Set by the handlers meanwhile,
      // which the compiler cannot see.)
      return (decision as OperatorDecision | undefined) ?? { kind: 'timed-out' };
    },
  };
}
