// The API's Prometheus metrics: request latency by route template and status, and the runs it
// asked Temporal to start. Served by a listener of their own (API_METRICS_PORT, on METRICS_HOST,
// loopback by default), never on the public port: an operator's Prometheus scrapes them there.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowExecutionAlreadyStartedError, type WorkflowClientInterceptor } from '@temporalio/client';
import type { Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The route template a request matched (`/api/v1/sites/:siteId`), never its path: ids would make a series each. */
export function routeTemplateOf(req: Request, res: Response): string {
  const declared = res.locals['routeTemplate'];
  if (typeof declared === 'string') return declared;
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (typeof route?.path === 'string') return req.baseUrl + route.path;
  // The UI's pages (one catch-all route), static files and what matched nothing.
  return route ? 'ui' : 'other';
}

/** Seconds; fine below a quarter of a second, where an answer's targets lie (p99 ≤ 100 ms). */
const latencyBuckets = [0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ApiMetrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'branchline_api_request_duration_seconds',
    help: 'API requests by method, route template and status, and how long they took to answer',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });

  readonly runStartDuration = new Histogram({
    name: 'branchline_api_run_start_duration_seconds',
    help: "How long Temporal took to take each run's start (the call alone, not the request around it), by workflow type",
    labelNames: ['workflow_type'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });

  readonly runStarts = new Counter({
    name: 'branchline_api_run_starts_total',
    help: 'Runs the API asked Temporal to start, by workflow type and outcome (started, already_running, failed)',
    labelNames: ['workflow_type', 'outcome'] as const,
    registers: [this.registry],
  });

  /** `process`: the Node.js process's own series too (CPU, memory, event loop lag): once per process. */
  constructor(options: { process?: boolean } = {}) {
    if (options.process) collectDefaultMetrics({ register: this.registry });
  }

  /** Times every request, from its arrival until its answer is sent or the client goes away. */
  requestTimer(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('close', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.requestDuration.observe({ method: req.method, route: routeTemplateOf(req, res), status: String(res.statusCode) }, seconds);
      });
      next();
    };
  }

  /** Counts the starts of the API's Temporal client (the run registry's, for REST and ITSM alike). */
  runStartCounter(): WorkflowClientInterceptor {
    return {
      startWithDetails: async (input, next) => {
        const stopTimer = this.runStartDuration.startTimer({ workflow_type: input.workflowType });
        try {
          const started = await next(input);
          stopTimer();
          this.runStarts.inc({ workflow_type: input.workflowType, outcome: 'started' });
          return started;
        } catch (error) {
          this.runStarts.inc({ workflow_type: input.workflowType, outcome: error instanceof WorkflowExecutionAlreadyStartedError ? 'already_running' : 'failed' });
          throw error;
        }
      },
    };
  }
}

/** Serves `GET /metrics` in Prometheus's text format on a listener of its own; resolves once it listens. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<Server & { url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return Object.assign(server, { url: `http://${shown}:${address.port}/metrics` });
}
