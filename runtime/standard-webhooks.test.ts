import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { newSigningSecret, sign, signedHeaders, verify } from './standard-webhooks.ts';

describe('standard webhooks signatures', () => {
  const secret = newSigningSecret();
  const body = JSON.stringify({ type: 'site.activated', data: { siteId: 'x' } });
  const at = new Date('2026-11-21T10:00:00Z');

  it('sign HMAC-SHA256 over id, timestamp and body with the base64-decoded secret', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_1.1763719200.${body}`).digest('base64');
    assert.equal(sign(secret, 'msg_1', 1763719200, body), `v1,${expected}`);
  });

  it('verify what they signed, within five minutes', () => {
    const headers = signedHeaders(secret, 'msg_1', body, at);
    const result = verify(secret, { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] }, body, new Date(at.getTime() + 299_000));
    assert.deepEqual(result, { ok: true, id: 'msg_1', timestamp: at.getTime() / 1000 });
  });

  describe('refuse', () => {
    const headers = signedHeaders(secret, 'msg_1', body, at);
    const given = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] };
    it('a tampered body', () => assert.deepEqual(verify(secret, given, body.replace('x', 'y'), at), { ok: false, reason: 'bad-signature' }));
    it('another secret', () => assert.deepEqual(verify(newSigningSecret(), given, body, at), { ok: false, reason: 'bad-signature' }));
    it('another id with the same signature', () => assert.deepEqual(verify(secret, { ...given, id: 'msg_2' }, body, at), { ok: false, reason: 'bad-signature' }));
    it('a timestamp over five minutes old', () =>
      assert.deepEqual(verify(secret, given, body, new Date(at.getTime() + 301_000)), { ok: false, reason: 'stale-timestamp' }));
    it('missing headers', () => assert.deepEqual(verify(secret, { id: 'msg_1' }, body, at), { ok: false, reason: 'missing-headers' }));
  });

  it('accept one good signature among several (secret rotation)', () => {
    const headers = signedHeaders(secret, 'msg_1', body, at);
    const signature = `v1,bm90IGl0 ${headers['webhook-signature']}`;
    assert.equal(verify(secret, { id: 'msg_1', timestamp: headers['webhook-timestamp'], signature }, body, at).ok, true);
  });
});
