import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

const require = createRequire(import.meta.url);

describe('the workflow bundle', () => {
  // Every run a worker starts evaluates each module of the bundle afresh (its own module cache, so
  // runs share no state): zod alone, with the schemas built on it, cost each run about as much CPU
  // as the rest of the bundle. Schemas stay with the API; workflows import rules without them.
  it('holds no zod', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./index.ts'), logger: new DefaultLogger('WARN') });
    const modules = [...new Set(code.match(/"\.\/node_modules\/[^/"]+/g) ?? [])].map((m) => m.slice('"./node_modules/'.length));
    assert.ok(modules.includes('@temporalio'), `the bundle's modules are named as expected: ${modules.join(', ')}`);
    assert.deepEqual(modules.filter((m) => m === 'zod'), []);
  });
});
