// rpc-errors typed by their tag and their app-tag, and why a lock was refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lockRefusal } from '../errors.ts';
import { kindOfRpcError, lockRefusalOf, NetconfRpcError, type RpcError } from './session.ts';

const error = (tag: string, appTag?: string, message?: string): RpcError => ({ type: 'protocol', tag, severity: 'error', ...(appTag ? { appTag } : {}), ...(message ? { message } : {}) });

describe('rpc-errors', () => {
  it('a data-missing with a YANG app-tag (a mandatory leaf, a required instance, a mandatory choice) is a refused configuration', () => {
    assert.equal(kindOfRpcError(error('data-missing', 'instance-required')), 'rejected');
    assert.equal(kindOfRpcError(error('data-missing', 'missing-choice')), 'rejected');
    assert.equal(new NetconfRpcError([error('data-missing', 'instance-required')], 'dev').retryable, false);
  });

  it('a bare data-missing (deleting what is not there) is a missing object; lock and busy refusals are lock-held', () => {
    assert.equal(kindOfRpcError(error('data-missing')), 'no-such-object');
    for (const tag of ['lock-denied', 'in-use', 'resource-denied']) assert.equal(kindOfRpcError(error(tag)), 'lock-held', tag);
    assert.equal(kindOfRpcError(error('malformed-message')), 'protocol');
    assert.equal(kindOfRpcError(error('invalid-value', 'data-invalid')), 'rejected');
  });

  it('says why a lock was refused: held by another session, a confirmed commit pending, or a dirty candidate', () => {
    // As yuma123's netconfd words them.
    assert.equal(lockRefusalOf([error('in-use', 'outstanding-confirmed-commit', 'cannot perform the operation with confirmed-commit pending')]), 'commit-pending');
    assert.equal(lockRefusalOf([error('resource-denied', 'no-access', 'candidate cannot be locked, discard-changes needed')]), 'candidate-dirty');
    assert.equal(lockRefusalOf([error('lock-denied', undefined, 'the candidate configuration is locked by session 4')]), 'held');
    // As the simulator words them.
    assert.equal(lockRefusalOf([error('lock-denied', undefined, 'the candidate holds uncommitted changes of session 9')]), 'candidate-dirty');
    assert.equal(lockRefusal(new NetconfRpcError([error('in-use', 'outstanding-confirmed-commit')], 'dev')), 'commit-pending');
    assert.equal(lockRefusal(new NetconfRpcError([error('invalid-value')], 'dev')), undefined);
  });
});
