// The steps of a run as the operator sees them (the progress query, the UI's progress page):
// each with its status, times and error. Pure bookkeeping inside workflow code.
import { ApplicationFailure } from '@temporalio/workflow';
import type { Step, StepStatus } from '../domain/progress.ts';

/** The message and type of a failure, following causes down to the one that says what went wrong. */
export function describeFailure(error: unknown): { message: string; type?: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof ApplicationFailure) return { message: current.message, type: current.type ?? undefined };
    const cause: unknown = (current as { cause?: unknown }).cause;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

export class StepLog {
  readonly steps: Step[];

  constructor(steps: { name: string; label: string }[]) {
    this.steps = steps.map((step) => ({ ...step, status: 'pending' }));
  }

  get(name: string): Step {
    const step = this.steps.find((s) => s.name === name);
    if (!step) throw new Error(`no step ${name}`);
    return step;
  }

  /** Adds a step (one per device, say) after `after`, or at the end. */
  add(step: { name: string; label: string }, after?: string): void {
    if (this.steps.some((s) => s.name === step.name)) return;
    const index = after ? this.steps.findIndex((s) => s.name === after) + 1 : this.steps.length;
    this.steps.splice(index || this.steps.length, 0, { ...step, status: 'pending' });
  }

  /** Runs a step, recording its start, end and outcome; a failure is recorded and thrown on. */
  async run<T>(name: string, work: () => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    const step = this.get(name);
    Object.assign(step, { status: 'running', startedAt: new Date().toISOString(), endedAt: undefined, error: undefined, detail: undefined });
    try {
      const result = await work();
      Object.assign(step, { status: 'completed', endedAt: new Date().toISOString(), detail: detail?.(result) });
      return result;
    } catch (error) {
      Object.assign(step, { status: 'failed', endedAt: new Date().toISOString(), error: describeFailure(error).message });
      throw error;
    }
  }

  mark(name: string, status: StepStatus, detail?: string): void {
    const step = this.get(name);
    step.status = status;
    if (detail !== undefined) step.detail = detail;
    if (status === 'compensated' || status === 'skipped') step.endedAt = new Date().toISOString();
  }

  /** Before a retry: every step from the first not completed on is pending again. */
  resetFrom(name: string): void {
    const index = this.steps.findIndex((s) => s.name === name);
    for (const step of this.steps.slice(index)) Object.assign(step, { status: 'pending', startedAt: undefined, endedAt: undefined, error: undefined, detail: undefined });
  }
}
