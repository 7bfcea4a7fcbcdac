import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalNine, isNine, obfuscateNine, revealNine } from './junos-nine.ts';

describe('Junos $9$ secrets', () => {
  it('spell any secret so that it reads back, whatever the salt', () => {
    const every = String.fromCharCode(...Array.from({ length: 95 }, (_, i) => 32 + i));
    for (const secret of ['a', 'pa55word', 'p&ss<w>rd "quoted"', every, 'héllo']) {
      for (let seed = 0; seed < 20; seed++) {
        let state = seed;
        const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const spelt = obfuscateNine(secret, random);
        assert.ok(isNine(spelt));
        assert.equal(revealNine(spelt), secret, spelt);
      }
    }
  });

  it('spell the same secret differently each time, and canonically the same', () => {
    const a = obfuscateNine('shared-key', () => 0.5);
    const b = obfuscateNine('shared-key', () => 0.99);
    assert.notEqual(a, b);
    assert.equal(canonicalNine(a), canonicalNine(b));
    assert.notEqual(canonicalNine(a), canonicalNine(obfuscateNine('another-key')));
  });

  it('leave what is not a $9$ string alone', () => {
    assert.equal(revealNine('plain text'), undefined);
    assert.equal(revealNine('$9$'), undefined);
    assert.equal(revealNine('$9$Q!!'), undefined);
    assert.equal(canonicalNine('$6$salt$hash'), '$6$salt$hash');
  });
});
