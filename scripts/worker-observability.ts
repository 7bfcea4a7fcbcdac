// What the worker reports of itself: the Temporal SDK's runtime metrics and Branchline's own on
// one Prometheus endpoint (the Core SDK's exporter, WORKER_METRICS_PORT), device operations
// counted and timed at the edge of the devices queue, and, when tracing is on, the OpenTelemetry
// interceptors that carry a trace from the client through workflows and activities.
import { createRequire } from 'node:module';
import { ApplicationFailure, CancelledFailure, type MetricMeter } from '@temporalio/common';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, MetricsExporterConfig, WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../runtime/tracing.ts';

const require = createRequire(import.meta.url);

/** The workflow interceptors that carry a trace through runs (workflows/trace-propagation.ts), in every bundle. */
export const workflowTracingModule = require.resolve('../workflows/trace-propagation.ts');

/** Bucket bounds, in seconds, of Branchline's histograms (the SDK's defaults stop at 10 s). */
export const histogramBuckets: Record<string, number[]> = {
  branchline_device_operation_duration_seconds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
};

/**
 * The Core SDK's Prometheus exporter on host:port: `temporal_*` series of the SDK, durations in
 * seconds, counters ending in `_total`, and every metric made on the runtime's meter beside them.
 */
export function prometheusExporter(host: string, port: number): MetricsExporterConfig {
  return {
    prometheus: {
      bindAddress: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      countersTotalSuffix: true,
      useSecondsForDurations: true,
      histogramBucketOverrides: histogramBuckets,
    },
  };
}

/** The error type a failed activity is counted under: its failure type, from the one table of them. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof ApplicationFailure) return error.type ?? 'ApplicationFailure';
  if (error instanceof CancelledFailure) return 'Cancelled';
  return 'Unclassified';
}

/** Counts and times every device operation (activity of the devices queue), by operation and error type. */
export function deviceOperationMetrics(meter: MetricMeter): ActivityInterceptorsFactory {
  const operations = meter.createCounter('branchline_device_operations', '{operation}', 'Device operations by operation (activity type) and error type (none: it succeeded)');
  const duration = meter.createHistogram('branchline_device_operation_duration_seconds', 'float', 's', 'How long device operations took, by operation');
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const operation = context.info.activityType;
        const started = performance.now();
        let errorType = 'none';
        try {
          return await next(input);
        } catch (error) {
          errorType = errorTypeOf(error);
          throw error;
        } finally {
          operations.add(1, { operation, error_type: errorType });
          duration.record((performance.now() - started) / 1000, { operation });
        }
      },
    },
  });
}

/** An activity's span (continuing its workflow's trace) and trace ids in its log lines. */
const activityTracing: ActivityInterceptorsFactory = (context) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(context),
  outbound: new OpenTelemetryActivityOutboundInterceptor(context),
});

/**
 * A worker's tracing options. Workflows always carry a trace they are given (the interceptors add
 * no command, so a run replays alike with tracing on or off); with tracing, activities get spans
 * of their own, children of the span that started their run. The prebuilt bundle has the workflow
 * interceptors already.
 */
export function tracingOptions(tracing: Tracing | undefined, options: { bundled: boolean; workflows: boolean; activities?: ActivityInterceptorsFactory[] }): Pick<WorkerOptions, 'interceptors'> {
  const activity = [...(options.activities ?? []), ...(tracing ? [activityTracing] : [])];
  return { interceptors: { activity, workflowModules: options.workflows && !options.bundled ? [workflowTracingModule] : [] } };
}

