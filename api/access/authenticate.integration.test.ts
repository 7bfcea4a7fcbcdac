// API tokens as machines send them: many requests at once with one token, against the real
// PostgreSQL. The token's row is read once for all of them, and nothing is kept of a refusal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Request } from 'express';
import type { PrismaClient } from '../../prisma/client.ts';
import { seedDemo } from '../../prisma/seed.ts';
import { apiTokenFor, createTestDatabase, type TestDatabase } from '../../scripts/testing.ts';
import { HttpProblem } from '../problems.ts';
import { createAuthenticator } from './authenticate.ts';

const withToken = (token: string) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } }) as unknown as Request;

describe('authenticate › API tokens', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let tenantId: string;
  let lookups = 0;
  /** The test database's client, counting every read of a token's row. */
  let counted: PrismaClient;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    counted = database.prisma.$extends({
      query: { apiToken: { findUnique: ({ args, query }) => { lookups++; return query(args); } } },
    }) as unknown as PrismaClient;
  });
  after(async () => {
    await database.drop();
  });

  it('when fifty requests arrive at once with one token › reads the token once and admits them all', async () => {
    const authenticate = createAuthenticator(counted);
    const token = await apiTokenFor(database.prisma, { tenantId, role: 'Tenant admin' });
    lookups = 0;
    const principals = await Promise.all(Array.from({ length: 50 }, () => authenticate(withToken(token))));
    assert.equal(lookups, 1);
    assert.ok(principals.every((principal) => principal === principals[0] && principal.can(tenantId, 'site', 'execute')));
  });

  it('when a token is unknown › refuses every request at once, keeps nothing, and asks again next time', async () => {
    const authenticate = createAuthenticator(counted);
    lookups = 0;
    const refusals = await Promise.allSettled(Array.from({ length: 5 }, () => authenticate(withToken('bl_unknown'))));
    assert.ok(refusals.every((r) => r.status === 'rejected' && r.reason instanceof HttpProblem && r.reason.status === 401));
    assert.equal(lookups, 1);
    await assert.rejects(authenticate(withToken('bl_unknown')), (error: unknown) => error instanceof HttpProblem && error.status === 401);
    assert.equal(lookups, 2);
  });

  it('when a token is revoked through this process › refuses it at once', async () => {
    const authenticate = createAuthenticator(counted);
    const token = await apiTokenFor(database.prisma, { tenantId, role: 'Tenant operator' });
    const principal = await authenticate(withToken(token));
    await database.prisma.apiToken.update({ where: { id: principal.actor.id }, data: { revokedAt: new Date() } });
    authenticate.forgetToken(principal.actor.id);
    await assert.rejects(authenticate(withToken(token)), (error: unknown) => error instanceof HttpProblem && error.status === 401);
  });
});
