// `npm run build:workflows`: the prebuilt workflow bundle production workers load
// (WORKFLOW_BUNDLE_PATH), so a worker starts without bundling and every worker runs the same code.
// Written to dist/workflow-bundle.js, or to the path given (npm run cluster keeps its own).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { workflowTracingModule } from './worker-observability.ts';
import { bundleWorkflows } from './workflow-bundle.ts';

const output = process.argv[2] ?? join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js');
// The workflow interceptors that carry a trace are always in (they add no command: runs replay alike).
const code = await bundleWorkflows({ workflowInterceptorModules: [workflowTracingModule] });
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, code);
console.log(`workflow bundle written: ${output} (${(code.length / 1024).toFixed(0)} KiB)`);
