// Not a workflow: the workflow interceptors that carry an OpenTelemetry trace through a run. The
// trace context arrives in the start's `_tracer-data` header (Temporal's OpenTelemetry client
// interceptor puts it there) and is copied onto every activity, child run, signal and
// continue-as-new the run starts, where the activity interceptors continue the trace.
//
// Why not @temporalio/interceptors-opentelemetry's workflow interceptors: they add a span per run
// and, for runs begun without them, an extra yield that reorders commands, so runs in flight (the
// device leases and SLA entities always are) would fail to replay once tracing is switched on.
// Copying a header adds no command and no await: replay is the same with or without it.
import type { Payload } from '@temporalio/common';
import type { WorkflowInterceptors } from '@temporalio/workflow';

const traceHeader = '_tracer-data';

export const interceptors = (): WorkflowInterceptors => {
  let trace: Payload | undefined;
  const carry = <T extends { headers: Record<string, Payload> }>(input: T): T =>
    trace === undefined || traceHeader in input.headers ? input : { ...input, headers: { ...input.headers, [traceHeader]: trace } };
  return {
    inbound: [{
      execute(input, next) {
        trace = input.headers[traceHeader];
        return next(input);
      },
    }],
    outbound: [{
      scheduleActivity: (input, next) => next(carry(input)),
      scheduleLocalActivity: (input, next) => next(carry(input)),
      startChildWorkflowExecution: (input, next) => next(carry(input)),
      signalWorkflow: (input, next) => next(carry(input)),
      continueAsNew: (input, next) => next(carry(input)),
    }],
  };
};
