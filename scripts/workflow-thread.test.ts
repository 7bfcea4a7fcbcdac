import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeOptions } from './processes.ts';

const root = join(import.meta.dirname, '..');

/** Whether the SDK's promise hook is installed in a thread started after the worker marked it `mark` (or not at all). */
function promiseHookInstalled(mark?: 'on' | 'off'): boolean {
  const code = `
    const threads = require('node:worker_threads');
    ${mark ? `threads.setEnvironmentData('branchline:workflow-promise-stacks', '${mark}');` : ''}
    const thread = new threads.Worker(\`
      const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared.js');
      globalHandlers.install();
      require('node:worker_threads').parentPort.postMessage(globalHandlers.promiseHookInstalled);
    \`, { eval: true });
    thread.once('message', (installed) => { console.log(JSON.stringify(installed)); void thread.terminate(); });
  `;
  const run = spawnSync(process.execPath, [...nodeOptions.slice(0, 2), '-e', code], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as boolean;
}

describe('the workflow thread preload', () => {
  it('keeps the SDK from capturing a stack per promise in a thread the worker marked off', () => {
    assert.equal(promiseHookInstalled('off'), false);
  });

  it('leaves the SDK as it is when the worker asks for stack traces, or marks nothing', () => {
    assert.equal(promiseHookInstalled('on'), true);
    assert.equal(promiseHookInstalled(), true);
  });
});
