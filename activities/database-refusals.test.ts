import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../domain/failure-types.ts';
import { Prisma } from '../prisma/client.ts';
import { failingFastOnDatabaseRefusals } from './database-refusals.ts';

const known = (code: string) => new Prisma.PrismaClientKnownRequestError(`failed with ${code}`, { code, clientVersion: Prisma.prismaVersion.client });
const failing = (error: Error) => failingFastOnDatabaseRefusals({ recordSomething: async (_input: { id: string }) => { throw error; } }).recordSomething({ id: 'x' });

describe('database activities', () => {
  describe('when the database refuses the request itself', () => {
    for (const [what, error] of [
      ['a unique constraint', known('P2002')],
      ['a foreign key', known('P2003')],
      ['a row that is not there', known('P2025')],
      ['a query Prisma cannot build', new Prisma.PrismaClientValidationError('Unknown argument `colour`', { clientVersion: Prisma.prismaVersion.client })],
    ] as const) {
      it(`fail at once on ${what}, typed and non-retryable`, async () => {
        await assert.rejects(failing(error), (failure: unknown) => {
          assert.ok(failure instanceof ApplicationFailure);
          assert.deepEqual([failure.type, failure.nonRetryable], [failureTypes.databaseRefused, true]);
          assert.match(failure.message, /^recordSomething: the database refused it/);
          return true;
        });
      });
    }
  });

  describe('when the database is away or busy', () => {
    it('throw as they were, to be retried until it is back', async () => {
      for (const error of [known('P2010'), known('P2024'), known('P2028'), known('P2034'), known('P2037'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]) {
        await assert.rejects(failing(error), (failure: unknown) => failure === error);
      }
    });
  });

  it('answer as they did when nothing fails', async () => {
    const wrapped = failingFastOnDatabaseRefusals({ readSite: async ({ siteId }: { siteId: string }) => ({ siteId, name: 'Porto store' }) });
    assert.deepEqual(await wrapped.readSite({ siteId: 's1' }), { siteId: 's1', name: 'Porto store' });
  });
});
