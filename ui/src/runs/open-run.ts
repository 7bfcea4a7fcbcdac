// Opening a run's page right after starting it.
import { getJson, type Page } from '../lib/api.ts';
import { location, runHref } from '../lib/router.svelte.ts';

/**
 * A run is listed once its first activity records it, a moment after the API started it: its
 * progress page opens then, rather than on "no such run". Asked of the list, newest first, which
 * answers 200 meanwhile (a 404 would be a console error in the browser).
 */
export async function runListed(started: { workflowId: string; runId?: string }, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Launched either way: past the deadline, the progress page says what it finds.
  while (Date.now() < deadline) {
    const newest = await getJson<Page<{ workflowId: string; runId: string | null }>>('/api/v1/runs?limit=50');
    // This very run, when the launch says which: a workflow id may have run before (a device replaced twice).
    if (newest.items.some((run) => run.workflowId === started.workflowId && (!started.runId || run.runId === started.runId))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Opens the page of a run just started, once it is listed. */
export async function openStartedRun(started: { workflowId: string; runId?: string }): Promise<void> {
  await runListed(started);
  location.navigate(runHref(started.workflowId));
}
