import assert from 'node:assert/strict';
import type { NextFunction, Request, Response } from 'express';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createLogger } from '../runtime/logger.ts';
import { problemMiddleware } from './errors.ts';
import { NotYet, problems } from './problems.ts';

/** What the middleware answers for an error, caught from a minimal response. */
function answerTo(error: unknown, log = createLogger('api', 'silent')): { status: number; body: Record<string, unknown> } {
  const answer = { status: 0, body: {} as Record<string, unknown> };
  const res = {
    status(code: number) { answer.status = code; return this; },
    type() { return this; },
    json(body: Record<string, unknown>) { answer.body = body; return this; },
  } as unknown as Response;
  const req = { method: 'GET', path: '/api/v1/images/x', originalUrl: '/api/v1/images/x' } as Request;
  problemMiddleware(log)(error, req, res, (() => undefined) as NextFunction);
  return answer;
}

describe('problemMiddleware', () => {
  it('titles an error of Express\'s own by its status, not as a bad request', () => {
    const notFound = Object.assign(new Error('Not Found'), { status: 404 });
    const { status, body } = answerTo(notFound);
    assert.equal(status, 404);
    assert.equal(body['title'], 'Not Found');
    assert.match(String(body['type']), /\/not-found$/);
  });

  /** A gRPC failure as @grpc/grpc-js reports it: a code, details and metadata. */
  const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

  describe('when Temporal cannot be reached', () => {
    it('answers 503 temporal-unavailable, not 404 nor 500', () => {
      const { status, body } = answerTo(new ServiceError('Failed to describe workflow', { cause: grpcError(14, 'No connection established') }));
      assert.equal(status, 503);
      assert.match(String(body['type']), /\/temporal-unavailable$/);
      assert.equal(body['status'], 503);
    });

    it('answers 503 when Temporal does not answer before the deadline either', () => {
      assert.equal(answerTo(new ServiceError('Failed to start Workflow', { cause: grpcError(4, 'Deadline exceeded') })).status, 503);
    });

    it('answers any other refusal of Temporal\'s as a 500 with a correlation id', () => {
      const { status, body } = answerTo(new ServiceError('Failed to describe workflow', { cause: grpcError(3, 'invalid argument') }));
      assert.equal(status, 500);
      assert.ok(body['correlationId']);
    });
  });

  it('warns of a dependency out of reach, not of a request that is only early', () => {
    const warned: string[] = [];
    const log = { warn: (_fields: unknown, message: string) => warned.push(message), error: () => undefined } as unknown as ReturnType<typeof createLogger>;
    assert.equal(answerTo(new NotYet('Lyon is not being onboarded yet; call again later.'), log).status, 503);
    assert.deepEqual(warned, []);
    assert.equal(answerTo(problems.unavailable('no deployment key'), log).status, 503);
    assert.deepEqual(warned, ['dependency unavailable']);
  });

  it('answers a run Temporal does not know 404', () => {
    assert.equal(answerTo(new WorkflowNotFoundError('not found', 'site-onboard/x', undefined)).status, 404);
  });

  it('answers a decision the workflow refuses 409, in the workflow\'s words', () => {
    const refused = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('The onboarding is running: nothing to retry.'));
    const { status, body } = answerTo(refused);
    assert.equal(status, 409);
    assert.equal(body['detail'], 'The onboarding is running: nothing to retry.');
  });
});

