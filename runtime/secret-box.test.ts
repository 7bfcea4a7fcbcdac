import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { secretBox, SecretBoxError } from './secret-box.ts';

describe('secret box', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and seals the same secret differently each time', () => {
    const box = secretBox(key, 'device-credentials');
    const [a, b] = [box.seal('s3cret pässword'), box.seal('s3cret pässword')];
    assert.notEqual(a, b);
    assert.ok(!a.includes('s3cret'));
    assert.equal(box.open(a), 's3cret pässword');
    assert.equal(box.open(b), 's3cret pässword');
  });

  it('refuses to open under another key or for another purpose, or once a byte changed', () => {
    const sealed = secretBox(key, 'device-credentials').seal('secret');
    assert.throws(() => secretBox(randomBytes(32), 'device-credentials').open(sealed), SecretBoxError);
    assert.throws(() => secretBox(key, 'webhooks').open(sealed), SecretBoxError);
    const [version, iv, tag, ciphertext] = sealed.split(':');
    const flipped = Buffer.from(ciphertext!, 'base64url');
    flipped[0]! ^= 1;
    assert.throws(() => secretBox(key, 'device-credentials').open([version, iv, tag, flipped.toString('base64url')].join(':')), SecretBoxError);
    assert.throws(() => secretBox(key, 'device-credentials').open('secret'), /Not a sealed secret/);
  });

  it('wants a key of 32 bytes at least', () => {
    assert.throws(() => secretBox(randomBytes(16), 'device-credentials'), /at least 32 bytes/);
  });
});
