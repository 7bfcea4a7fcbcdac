// OpenTelemetry tracing for a process, only when OTEL_EXPORTER_OTLP_ENDPOINT names a collector:
// spans are batched and sent over OTLP/HTTP. Without it no tracer provider is registered, and
// every span the code starts is the API's non-recording one, which costs next to nothing.
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Who the spans are from (`service.name`), for the workflow spans the worker exports itself. */
  resource: Resource;
  /** Where finished spans go, for the same. */
  spanProcessor: SpanProcessor;
  tracer: Tracer;
  /** Sends what is still batched, then stops. */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL of a collector's base endpoint, as the OpenTelemetry specification derives it. */
export function otlpTracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Registers the process's tracer provider (with W3C trace context propagation and an
 * AsyncLocalStorage context), or does nothing and answers undefined when no endpoint is set.
 */
export function startTracing(options: { serviceName: string; endpoint: string | undefined }): Tracing | undefined {
  if (!options.endpoint) return undefined;
  const resource = Resource.default().merge(new Resource({ 'service.name': options.serviceName }));
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(options.endpoint) }), { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    resource,
    spanProcessor,
    tracer: trace.getTracer('branchline'),
    shutdown: () => provider.shutdown(),
  };
}
