import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

describe('package.json', () => {
  // The generated code (Prisma client, UI) is built by the bootstrap: a script that ran its
  // TypeScript directly failed on a fresh clone with ERR_MODULE_NOT_FOUND.
  it('runs every script of the project\'s own through the bootstrap, so each works on a fresh clone', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const direct = Object.entries(scripts).filter(([name, command]) => name !== 'prepare:generated' && /\btsx\b|\.ts\b/.test(command) && !command.startsWith('node scripts/bootstrap.mjs '));
    assert.deepEqual(direct, []);
    for (const [name, command] of Object.entries(scripts)) {
      const file = /^node scripts\/bootstrap\.mjs run (\S+)/.exec(command)?.[1];
      if (file) assert.ok(existsSync(join(root, file)), `${name} runs ${file}, which does not exist`);
    }
  });
});
