import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpProblem, problems } from './problems.ts';

describe('problem details', () => {
  it('keep their extensions beside the members RFC 9457 defines', () => {
    const body = problems.conflict('Porto store is planned.', { siteStatus: 'planned' }).toJSON('/api/v1/sites/x/decommission');
    assert.deepEqual(body, {
      type: 'https://branchline.dev/problems/conflict', title: 'Conflict', status: 409, detail: 'Porto store is planned.',
      instance: '/api/v1/sites/x/decommission', siteStatus: 'planned',
    });
  });

  describe('when an extension takes the name of a member', () => {
    // The type refuses such extensions; these get past it the way a spread object or a cast would.
    const colliding = { status: 'planned', type: 'about:blank', title: 'Planned', detail: 'overwritten', instance: '/elsewhere', workflowId: 'w' } as unknown as Record<string, never>;

    it('does not change what the members say', () => {
      const body = new HttpProblem(409, 'conflict', 'Conflict', 'Porto store is planned.', colliding).toJSON('/api/v1/sites');
      assert.equal(body.status, 409);
      assert.equal(body.type, 'https://branchline.dev/problems/conflict');
      assert.equal(body.title, 'Conflict');
      assert.equal(body.detail, 'Porto store is planned.');
      assert.equal(body.instance, '/api/v1/sites');
      assert.equal(body['workflowId'], 'w');
    });

    it('does not stand in for a member the problem leaves out', () => {
      const body = new HttpProblem(503, 'unavailable', 'Service unavailable', undefined, colliding).toJSON();
      assert.equal('detail' in body, false);
      assert.equal('instance' in body, false);
    });
  });

  it('answer a method the path does not take with the methods it does', () => {
    const body = problems.methodNotAllowed('PUT', '/api/v1/sites', ['GET', 'HEAD', 'POST']).toJSON();
    assert.equal(body.status, 405);
    assert.deepEqual(body['allowed'], ['GET', 'HEAD', 'POST']);
    assert.match(body.detail!, /GET, HEAD, POST, not PUT/);
  });
});
