import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { Prisma } from '../prisma/client.ts';
import type { Logger } from '../runtime/logger.ts';
import { HttpProblem, NotYet, problems } from './problems.ts';
import { temporalUnreachable } from './temporal.ts';

/** Maps what handlers throw onto problem details; anything unforeseen is a 500 with a correlation id. */
function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ZodError) {
    return problems.validation(error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const constraint = (error.meta?.['target'] ?? error.meta?.['constraint'] ?? error.meta?.['field_name']) as unknown;
    if (error.code === 'P2002') return problems.conflict('An object with the same unique values already exists.', { constraint });
    if (error.code === 'P2003') return problems.conflict('The change refers to an object that does not exist or is still in use.', { constraint });
    if (error.code === 'P2025') return problems.notFound('The object');
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return problems.conflict(`Workflow ${error.workflowId} is already running.`, { workflowId: error.workflowId });
  }
  if (error instanceof WorkflowNotFoundError) return problems.notFound(`Workflow ${error.workflowId}`);
  // The workflow's validator or handler said no (a retry while nothing failed, a resume while running): its words.
  if (error instanceof WorkflowUpdateFailedError) return problems.conflict(error.cause?.message ?? error.message);
  // Only Temporal's "no such run" means not found; out of reach is neither a 404 nor an empty answer.
  if (temporalUnreachable(error)) return problems.temporalUnavailable();
  // body-parser's errors carry a type too.
  const bodyError = error as { type?: string; status?: number; limit?: number };
  if (bodyError.type === 'entity.too.large') return problems.tooLarge(`${bodyError.limit} bytes`);
  if (bodyError.type === 'entity.parse.failed') return problems.badRequest('The body is not valid JSON.');
  // Errors of Express's own (body-parser, sendFile) carry their HTTP status.
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    const title = STATUS_CODES[bodyError.status] ?? 'Bad request';
    return new HttpProblem(bodyError.status, title.toLowerCase().replaceAll(/[^a-z]+/g, '-'), title, (error as Error).message);
  }
  return undefined;
}

export function problemMiddleware(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toProblem(error);
    // A dependency out of reach is no bug of ours, but an operator wants to see it in the logs
    // (a request that is only early is neither: a box phones home before its onboarding begins).
    if (known?.status === 503 && !(known instanceof NotYet)) log.warn({ err: error, method: req.method, path: req.path, problem: known.slug }, 'dependency unavailable');
    const problem =
      known ??
      (() => {
        const correlationId = randomUUID();
        log.error({ err: error, correlationId, method: req.method, path: req.path }, 'unhandled error');
        return new HttpProblem(500, 'internal', 'Internal error', 'Something went wrong on our side; the correlation id identifies it in the logs.', { correlationId });
      })();
    res.status(problem.status).type('application/problem+json').json(problem.toJSON(req.originalUrl));
  };
}
