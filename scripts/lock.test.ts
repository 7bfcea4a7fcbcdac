import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');

describe('package-lock.json', () => {
  // What a user's CI runs on a fresh clone; a lock made where other platforms' optional packages
  // were missing is refused by it ("Missing: … from lock file").
  it('satisfies npm ci on a fresh clone of package.json and the lock', () => {
    const clone = mkdtempSync(join(tmpdir(), 'branchline-lock-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(clone, file));
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const ci = spawnSync(npm, ['ci', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: clone, encoding: 'utf8' });
      assert.equal(ci.status, 0, `npm ci refuses the lock:\n${ci.stderr}`);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

});
