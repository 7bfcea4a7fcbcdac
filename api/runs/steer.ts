// The operator's decisions on a run under way: retry or abort a failed onboarding, pause, resume or
// abort a campaign, abort a replacement. Each is taken only while the run is open, through the
// workflow's own validated update (or a cancellation), and leaves an audit entry. An update the
// workflow refuses (WorkflowUpdateFailedError) is answered 409 by the error middleware.
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { recordAudit, type AuditedChange } from '../audit.ts';
import type { HttpProblem } from '../problems.ts';
import { describeRun, type Origin, type RunDependencies } from './launch.ts';

export interface Decision<T> {
  workflowId: string;
  /** The answer when no run of this id is open: none at all (undefined), or one that closed as `execution` says. */
  refusal: (execution: string | undefined) => HttpProblem;
  audit: Omit<AuditedChange, 'after'> & { after: (result: T) => unknown };
}

export async function decide<T>(deps: RunDependencies, origin: Origin, decision: Decision<T>, act: (run: WorkflowHandle) => Promise<T>): Promise<T> {
  const run = await describeRun(deps.temporal, decision.workflowId);
  if (run?.status.name !== 'RUNNING') throw decision.refusal(run?.status.name);
  // The workflow id alone, not this run's: a run that continued as new takes the decision too.
  const result = await act(deps.temporal.workflow.getHandle(decision.workflowId)).catch(async (error: unknown) => {
    // The run closed between the look and the decision (a termination's last steps): refused as closed.
    if (error instanceof WorkflowNotFoundError) throw decision.refusal((await describeRun(deps.temporal, decision.workflowId))?.status.name);
    throw error;
  });
  await recordAudit(deps.prisma, origin.principal, origin.req, { ...decision.audit, after: decision.audit.after(result) });
  return result;
}
