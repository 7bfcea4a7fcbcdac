import { Client, Connection, isGrpcServiceError, type ConnectionOptions, type WorkflowClientInterceptor } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ApiMetrics } from './metrics.ts';

/**
 * What the API's client does around each call: counts the runs it starts (with metrics) and, with
 * tracing, carries the request's trace into the workflows it starts, signals and updates.
 */
export function apiClientInterceptors(options: { metrics?: ApiMetrics | undefined; tracing?: boolean }): WorkflowClientInterceptor[] {
  return [
    ...(options.metrics ? [options.metrics.runStartCounter()] : []),
    ...(options.tracing ? [new OpenTelemetryWorkflowClientInterceptor()] : []),
  ];
}

export async function connectTemporal(
  options: ConnectionOptions,
  namespace: string,
  interceptors: WorkflowClientInterceptor[] = [],
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(options);
  return { client: new Client({ connection, namespace, interceptors: { workflow: interceptors } }), connection };
}

/** gRPC's codes for no answer: the server is down or out of reach, or did not answer before the deadline. */
const unavailable = 14;
const deadlineExceeded = 4;

/** The gRPC status a Temporal call failed with; the SDK wraps it in its own error (ServiceError), so the causes are searched. */
function grpcCodeOf(error: unknown): number | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (isGrpcServiceError(cause)) return cause.code;
  }
  return undefined;
}

/** Whether a call failed because Temporal could not be reached or did not answer in time (after the client's own retries). */
export function temporalUnreachable(error: unknown): boolean {
  const code = grpcCodeOf(error);
  return code === unavailable || code === deadlineExceeded;
}

/** Whether the call certainly never reached Temporal (unavailable: nothing was done), unlike one that timed out on its way. */
export function temporalNeverReached(error: unknown): boolean {
  return grpcCodeOf(error) === unavailable;
}
