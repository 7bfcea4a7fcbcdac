import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageArgs, pageQuery, toPage } from './pagination.ts';

describe('pagination', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `00000000-0000-7000-8000-00000000000${i}` }));

  it('asks for one row more than the page, to know whether another follows', () => {
    const args = pageArgs(pageQuery.parse({ limit: '2', cursor: rows(1)[0]!.id }), { tenantId: 't' });
    assert.equal(args.take, 3);
    assert.deepEqual(args.where, { tenantId: 't', id: { gt: rows(1)[0]!.id } });
  });

  describe('toPage', () => {
    it('when more rows follow, returns the page and the cursor of its last row', () => {
      assert.deepEqual(toPage(rows(3), 2), { items: rows(2), nextCursor: rows(2)[1]!.id });
    });

    it('on the last page, returns no cursor', () => {
      assert.deepEqual(toPage(rows(2), 2), { items: rows(2), nextCursor: null });
    });
  });

  it('refuses a limit outside 1 to 500 and a cursor that is not an id', () => {
    assert.equal(pageQuery.safeParse({ limit: '0' }).success, false);
    assert.equal(pageQuery.safeParse({ limit: '501' }).success, false);
    assert.equal(pageQuery.safeParse({ cursor: 'abc' }).success, false);
  });
});
