// Durations a run is started with, read once as it starts. One the SDK cannot read ('7 dayz')
// fails the run at once, typed InvalidRunInput: a plain error thrown later in workflow code would
// retry the workflow task for ever.
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { ApplicationFailure } from '@temporalio/workflow';
import { failureTypes } from '../domain/failure-types.ts';

/** Ten years: past that, a deadline is no longer a date JavaScript can write. */
const longestMs = 10 * 365 * 24 * 3_600_000;

export function durationMs(value: Duration, field: string): number {
  let ms = Number.NaN;
  try {
    ms = msToNumber(value);
  } catch {
    // Not a duration: refused below.
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > longestMs) {
    throw ApplicationFailure.nonRetryable(`${field}: ${JSON.stringify(value)} is not a duration (such as "7 days") of at most ten years.`, failureTypes.invalidRunInput, { field });
  }
  return ms;
}
