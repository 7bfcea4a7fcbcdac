// `npm run build:workflows`: the prebuilt workflow bundle production workers load
// (WORKFLOW_BUNDLE_PATH), so a worker starts without bundling and every worker runs the same code.
// Written to dist/workflow-bundle.js, or to the path given (npm run cluster keeps its own).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowTracingModule } from './worker-observability.ts';

const require = createRequire(import.meta.url);
const output = process.argv[2] ?? join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js');
// The workflow interceptors that carry a trace are always in (they add no command: runs replay alike).
const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/index.ts'), workflowInterceptorModules: [workflowTracingModule] });
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, code);
console.log(`workflow bundle written: ${output} (${(code.length / 1024).toFixed(0)} KiB)`);
