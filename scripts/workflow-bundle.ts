// How every worker, test lab and benchmark bundles the workflows. A worker evaluates the bundle's
// modules afresh for each run it starts (each run has its own module cache, so runs share no
// state); the domain modules the workflows import are pure functions and tables, so they are
// evaluated once per worker instead (the SDK's preloaded modules, shared and frozen).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';

const root = join(import.meta.dirname, '..');
export const workflowsPath = join(root, 'workflows', 'index.ts');

const runtimeImport = /^(?:import|export)\s+(?!type\s)([^;]*?)\s+from\s+'(\.{1,2}\/[^']+\.ts)'/gm;
const onlyTypes = (clause: string) => /^\{[^}]*\}$/.test(clause) && clause.slice(1, -1).split(',').every((name) => /^\s*(type\s|$)/.test(name));
/** Shared code, safe to evaluate before any run exists: it holds no state and imports no workflow API. */
const shareable = (file: string) => /^(domain|generated)\//.test(relative(root, file));

/** The domain modules the workflows reach through runtime imports (type-only imports are not bundled). */
export function sharedWorkflowModules(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, clause, specifier] of readFileSync(file, 'utf8').matchAll(runtimeImport)) {
      if (!onlyTypes(clause!.trim())) visit(resolve(dirname(file), specifier!));
    }
  };
  visit(workflowsPath);
  return [...seen].filter(shareable).sort();
}

/** Bundler options every worker that runs the workflows uses. */
export const workflowBundlerOptions = (): Pick<BundleOptions, 'preloadModules'> => ({ preloadModules: sharedWorkflowModules() });

/** The workflow bundle's code, with `options` (a logger, the interceptor modules) added. */
export async function bundleWorkflows(options: Omit<BundleOptions, 'workflowsPath' | 'preloadModules'> = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({ ...options, workflowsPath, ...workflowBundlerOptions() });
  return code;
}
