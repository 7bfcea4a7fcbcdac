import assert from 'node:assert/strict';
import { relative, join } from 'node:path';
import { describe, it } from 'node:test';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflows, sharedWorkflowModules } from '../scripts/workflow-bundle.ts';

const root = join(import.meta.dirname, '..');
const bundledModules = (code: string, under: string) => [...new Set(code.match(new RegExp(`"\\./${under}/[^"]+`, 'g')) ?? [])].map((m) => m.slice(`"./${under}/`.length));

describe('the workflow bundle', () => {
  const bundle = bundleWorkflows({ logger: new DefaultLogger('WARN') });

  // Every run a worker starts evaluates each module of the bundle afresh (its own module cache, so
  // runs share no state): zod alone, with the schemas built on it, cost each run about as much CPU
  // as the rest of the bundle. Schemas stay with the API; workflows import rules without them.
  it('holds no zod', async () => {
    const code = await bundle;
    const modules = bundledModules(code, 'node_modules').map((m) => m.split('/')[0]!);
    assert.ok(modules.includes('@temporalio'), `the bundle's modules are named as expected: ${modules.join(', ')}`);
    assert.deepEqual(modules.filter((m) => m === 'zod'), []);
  });

  // The domain modules are evaluated once per worker (shared, frozen), not once per run.
  it('preloads every domain module the workflows import, and nothing else', async () => {
    const code = await bundle;
    const preloaded = sharedWorkflowModules().map((file) => relative(root, file));
    const bundledDomain = [...bundledModules(code, 'domain').map((m) => `domain/${m}`), ...bundledModules(code, 'generated').map((m) => `generated/${m}`)];
    assert.ok(preloaded.includes('domain/failure-types.ts'), preloaded.join(', '));
    assert.deepEqual(preloaded, [...bundledDomain].sort());
  });
});
