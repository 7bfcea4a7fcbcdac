import assert from 'node:assert/strict';
import type { NextFunction, Request, Response } from 'express';
import { describe, it } from 'node:test';
import { createLogger } from '../runtime/logger.ts';
import { problemMiddleware } from './errors.ts';

/** What the middleware answers for an error, caught from a minimal response. */
function answerTo(error: unknown): { status: number; body: Record<string, unknown> } {
  const answer = { status: 0, body: {} as Record<string, unknown> };
  const res = {
    status(code: number) { answer.status = code; return this; },
    type() { return this; },
    json(body: Record<string, unknown>) { answer.body = body; return this; },
  } as unknown as Response;
  const req = { method: 'GET', path: '/api/v1/images/x', originalUrl: '/api/v1/images/x' } as Request;
  problemMiddleware(createLogger('api', 'silent'))(error, req, res, (() => undefined) as NextFunction);
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
});
