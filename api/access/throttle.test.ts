import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey, FailureThrottle } from './throttle.ts';

describe('addressKey', () => {
  it('counts every address of 127/8, ::1 and their mapped forms as one caller, this machine', () => {
    const keys = ['127.0.0.1', '127.16.0.7', '127.255.255.254', '::1', '::ffff:127.0.0.2', '0:0:0:0:0:0:0:1'].map(addressKey);
    assert.deepEqual(new Set(keys), new Set(['address:loopback']));
  });

  it('keeps each other IPv4 address apart, mapped into IPv6 or not', () => {
    assert.equal(addressKey('203.0.113.7'), 'address:203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), 'address:203.0.113.7');
    assert.notEqual(addressKey('203.0.113.7'), addressKey('203.0.113.8'));
  });

  it('counts an IPv6 /64 as one caller, however its addresses are written', () => {
    const key = addressKey('2001:db8:1:2::a');
    assert.equal(key, 'address:2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), key);
    assert.equal(addressKey('2001:db8:1:2:0:0:1.2.3.4'), key);
    assert.equal(addressKey('2001:db8:1:2::a%eth0'), key);
    assert.notEqual(addressKey('2001:db8:1:3::a'), key);
    assert.equal(addressKey('::'), 'address:0:0:0:0::/64');
  });
});

describe('FailureThrottle', () => {
  it('makes a key wait once it has failed the limit within the window, until the oldest failure ages out', () => {
    let now = 0;
    const throttle = new FailureThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.waitSeconds('k'), 0);
      throttle.fail('k');
      now += 1000;
    }
    assert.equal(throttle.waitSeconds('k'), 57);
    assert.equal(throttle.waitSeconds('other'), 0);
    now = 60_001;
    assert.equal(throttle.waitSeconds('k'), 0);
  });

  it('keeps at most its bound of keys, forgetting the one whose last failure is oldest', () => {
    let now = 0;
    const throttle = new FailureThrottle(1, 60_000, () => now, 3);
    for (const key of ['a', 'b', 'c']) {
      throttle.fail(key);
      now += 1;
    }
    throttle.fail('a');
    throttle.fail('d');
    assert.equal(throttle.size, 3);
    assert.equal(throttle.waitSeconds('b'), 0, 'b failed longest ago and was forgotten');
    assert.ok(throttle.waitSeconds('a') > 0);
    assert.ok(throttle.waitSeconds('d') > 0);
  });
});
