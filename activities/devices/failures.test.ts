// What leaves a device activity: typed failures, permanent ones non-retryable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../../domain/failure-types.ts';
import { toApplicationFailure } from './failures.ts';
import { FramingError } from './netconf/framing.ts';
import { parseXml } from './netconf/xml.ts';

describe('device failures', () => {
  it('a reply that is not XML leaves as a permanent protocol failure, not a plain error Temporal would retry', () => {
    let thrown: unknown;
    try {
      parseXml('<data><a></b></data>');
    } catch (error) {
      thrown = error;
    }
    for (const error of [thrown, new FramingError('invalid chunk size')]) {
      const failure = toApplicationFailure(error);
      assert.ok(failure instanceof ApplicationFailure, String(failure));
      assert.equal(failure.type, failureTypes.deviceProtocolError);
      assert.equal(failure.nonRetryable, true);
    }
  });

  it('anything else passes as it is', () => {
    const error = new TypeError('a bug of ours');
    assert.equal(toApplicationFailure(error), error);
  });
});
