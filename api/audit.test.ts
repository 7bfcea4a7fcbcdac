import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Prisma, Statements } from '../prisma/client.ts';
import { UnwrittenAudit, type AuditRow } from './audit.ts';

const entry = (objectId: string): AuditRow => ({
  actorType: 'api_token', actorId: 'token-1', tenantId: null, action: 'site.onboarding.start', objectType: 'site', objectId,
  before: undefined, after: { workflowId: `site-onboard/${objectId}` }, requestId: null,
});

/** A database that refuses the first `failures` statements, then takes every one, noting the entries' objects. */
function database(failures: number): Statements & { written: string[][] } {
  const written: string[][] = [];
  return {
    written,
    rows: () => Promise.resolve([]),
    execute: (sql: Prisma.Sql) => {
      if (failures-- > 0) return Promise.reject(new Error('connection refused'));
      const entries = JSON.parse(sql.values.find((value) => typeof value === 'string' && value.startsWith('[')) as string) as { object_id: string }[];
      written.push(entries.map((row) => row.object_id));
      return Promise.resolve(entries.length);
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(5);
  assert.ok(condition(), 'in time');
}

describe('UnwrittenAudit', () => {
  it('writes the entries again until the database takes them, all in one statement', async () => {
    const db = database(2);
    const unwritten = new UnwrittenAudit(db, 5);
    unwritten.keep([entry('a')]);
    unwritten.keep([entry('b')]);
    await until(() => db.written.length > 0);
    assert.deepEqual(db.written, [['a', 'b']]);
    assert.equal(unwritten.size, 0);
  });

  it('keeps at most its bound, the newest', async () => {
    const db = database(1);
    const unwritten = new UnwrittenAudit(db, 5, 2);
    unwritten.keep([entry('a'), entry('b'), entry('c')]);
    assert.equal(unwritten.size, 2);
    await until(() => db.written.length > 0);
    assert.deepEqual(db.written, [['b', 'c']]);
  });
});
