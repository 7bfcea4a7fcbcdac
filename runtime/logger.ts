import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

/** The trace and span a line was logged in, when tracing is on, so a log line leads to its trace. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** Structured JSON logs on stdout; `npm start` keeps each process's log under the data directory. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { process: name }, mixin: traceFields });
}
