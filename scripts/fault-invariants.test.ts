import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JournalEntry } from '../simulator/config-store.ts';
import { journalProblems } from './fault-invariants.ts';

let commitId = 0;
const entry = (kind: JournalEntry['kind'], log?: string, changed = true): JournalEntry => ({
  at: '2026-11-30T00:00:00.000Z', commitId: ++commitId, sessionId: 1, username: 'branchline', kind, changed, sha256: '', sections: [], ...(log ? { log } : {}),
});

describe('journalProblems', () => {
  it('finds nothing wrong with changes each committed and confirmed once', () => {
    assert.deepEqual(journalProblems([
      entry('confirmed-commit', 'branchline a'), entry('confirm', 'branchline a confirmed'),
      entry('confirmed-commit', 'branchline b'), entry('commit', 'branchline b rolled back'),
    ]), []);
  });

  it('allows a change the box reverted to be committed again', () => {
    assert.deepEqual(journalProblems([
      entry('confirmed-commit', 'branchline a'), entry('revert'), entry('confirmed-commit', 'branchline a'), entry('confirm', 'branchline a confirmed'),
    ]), []);
  });

  it('says when a confirmed change is committed again', () => {
    assert.deepEqual(journalProblems([
      entry('confirmed-commit', 'branchline a'), entry('confirm', 'branchline a confirmed'),
      entry('confirmed-commit', 'branchline a', false), entry('confirm', 'branchline a confirmed'),
    ]), ['change a committed again after its confirm', 'change a committed again what was running already']);
  });

  it('says when a change is left waiting for its confirm', () => {
    assert.deepEqual(journalProblems([entry('confirmed-commit', 'branchline a')]), ['change a followed by nothing: neither confirmed nor rolled back']);
  });
});
