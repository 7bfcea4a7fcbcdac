// Database errors that a retry cannot cure (a constraint violated, a row that is not there, a query
// Prisma refuses to build) fail the activity at once, typed and non-retryable; database activities
// are otherwise retried without a limit (workflows/activity-options.ts), which would retry these for ever.
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../domain/failure-types.ts';
import { Prisma } from '../prisma/client.ts';

/**
 * Known request errors that depend on the moment, not the request: a pool timeout (P2024), a write
 * conflict or deadlock (P2034), an interactive transaction that outlived its timeout under load
 * (P2028), too many connections (P2037), and a raw query's failure (P2010), which carries
 * PostgreSQL's own code: a deadlock or a serialization failure as well as a mistake.
 */
const transientCodes = new Set(['P2010', 'P2024', 'P2028', 'P2034', 'P2037']);

export function isDeterministicDatabaseError(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientValidationError) return true;
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code.startsWith('P2') && !transientCodes.has(error.code);
}

/** The same activities, each turning a deterministic database error into a non-retryable DatabaseRefused. */
export function failingFastOnDatabaseRefusals<A extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: A): A {
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, async (...args: never[]) => {
    try {
      return await activity(...args);
    } catch (error) {
      if (!isDeterministicDatabaseError(error)) throw error;
      const code = error instanceof Prisma.PrismaClientKnownRequestError ? error.code : 'validation';
      throw ApplicationFailure.create({ message: `${name}: the database refused it (${code}): ${(error as Error).message}`, type: failureTypes.databaseRefused, nonRetryable: true, cause: error as Error });
    }
  }])) as A;
}
