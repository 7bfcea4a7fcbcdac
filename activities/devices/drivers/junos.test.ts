import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withAccountsKept } from './junos.ts';

const running = '<configuration><system><root-authentication><encrypted-password>$6$now</encrypted-password></root-authentication>'
  + '<login><user><name>branchline-rot-new</name></user></login></system></configuration>';

describe('withAccountsKept', () => {
  it('gives a configuration that names no accounts the ones the device runs', () => {
    const kept = withAccountsKept('<configuration><system><host-name>a</host-name></system></configuration>', running);
    assert.match(kept, /<host-name>a<\/host-name>/);
    assert.match(kept, /<name>branchline-rot-new<\/name>/);
    assert.match(kept, /\$6\$now/);
  });

  describe('when the configuration names accounts of its own', () => {
    const restored = '<configuration><system><host-name>old</host-name><root-authentication><encrypted-password>$6$then</encrypted-password></root-authentication>'
      + '<login><user><name>branchline-rot-old</name></user></login></system></configuration>';

    it('keeps them by default (a replacement box given the old one\'s)', () => {
      assert.equal(withAccountsKept(restored, running), restored);
    });

    it('puts the running ones in their place when the device keeps its own', () => {
      const kept = withAccountsKept(restored, running, 'running');
      assert.match(kept, /<host-name>old<\/host-name>/);
      assert.match(kept, /<name>branchline-rot-new<\/name>/);
      assert.match(kept, /\$6\$now/);
      assert.doesNotMatch(kept, /branchline-rot-old|\$6\$then/);
    });

    it('leaves none of them when the device runs none', () => {
      const kept = withAccountsKept(restored, '<configuration><system><host-name>x</host-name></system></configuration>', 'running');
      assert.doesNotMatch(kept, /root-authentication|<login>/);
      assert.match(kept, /<host-name>old<\/host-name>/);
    });
  });
});
