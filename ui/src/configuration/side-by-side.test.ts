import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffConfigs } from '../../../domain/config-diff.ts';
import { sideBySide } from './side-by-side.ts';

describe('sideBySide', () => {
  it('puts a changed line beside the one it replaced, kept lines on both sides', () => {
    const rows = sideBySide(diffConfigs(
      '<configuration><system><host-name>old</host-name><domain-name>a.example</domain-name></system></configuration>',
      '<configuration><system><host-name>new</host-name><domain-name>a.example</domain-name><time-zone>UTC</time-zone></system></configuration>',
    ));
    const changed = rows.flatMap((row) => (row.gap || (row.left.change === 'kept') ? [] : [[row.left.change, row.left.text.trim(), row.right.change, row.right.text.trim()]]));
    assert.deepEqual(changed, [
      ['removed', '<host-name>old</host-name>', 'added', '<host-name>new</host-name>'],
      ['none', '', 'added', '<time-zone>UTC</time-zone>'],
    ]);
    const kept = rows.filter((row) => !row.gap && row.left.change === 'kept');
    assert.ok(kept.some((row) => !row.gap && row.left.text.trim() === '<domain-name>a.example</domain-name>' && row.right.text === row.left.text));
  });

  it('marks the unchanged lines a diff leaves out as a gap', () => {
    assert.deepEqual(sideBySide('- <a>1</a>\n@@\n+ <b>2</b>'), [
      { gap: false, left: { text: '<a>1</a>', change: 'removed' }, right: { text: '', change: 'none' } },
      { gap: true },
      { gap: false, left: { text: '', change: 'none' }, right: { text: '<b>2</b>', change: 'added' } },
    ]);
  });

  it('has no rows for two equal versions', () => {
    assert.deepEqual(sideBySide(''), []);
  });
});
