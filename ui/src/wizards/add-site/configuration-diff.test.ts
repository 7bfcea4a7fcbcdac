import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configurationLines, lineDiff } from './configuration-diff.ts';

describe('configuration diff', () => {
  it('puts each element on its own line, indented, with an element of only text on one line', () => {
    assert.deepEqual(configurationLines('<configuration xmlns="x"><system><host-name>lyon-01</host-name><ssh/></system></configuration>'), [
      '<configuration xmlns="x">',
      '  <system>',
      '    <host-name>lyon-01</host-name>',
      '    <ssh/>',
      '  </system>',
      '</configuration>',
    ]);
  });

  describe('against the factory default', () => {
    it('removes the empty configuration and adds every line of the new one', () => {
      const diff = lineDiff(configurationLines('<configuration xmlns="x"/>'), configurationLines('<configuration xmlns="x"><system/></configuration>'));
      assert.deepEqual(diff.map((line) => line.change), ['removed', 'added', 'added', 'added']);
    });
  });

  it('keeps the lines both sides share', () => {
    assert.deepEqual(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c']), [
      { change: 'kept', text: 'a' }, { change: 'removed', text: 'b' }, { change: 'added', text: 'x' }, { change: 'kept', text: 'c' },
    ]);
  });
});
