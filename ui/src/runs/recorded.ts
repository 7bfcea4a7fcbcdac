// A run records its summary with its first activity, a moment after the API answered its start; a
// wizard waits for it before opening the run's page, which would otherwise not find the run yet.
import { getJson, query, type Page } from '../lib/api.ts';
import type { RunSummary } from './run.ts';

const pollMs = 300;
const patienceMs = 15_000;

/** Resolves once this run (this very run, not an earlier one with the same workflow id) is listed, or after 15 s; never throws. */
export async function runRecorded(run: { tenantId: string; kind: RunSummary['kind']; workflowId: string; runId: string }): Promise<void> {
  const path = `/api/v1/runs?${query({ tenantId: run.tenantId, kind: run.kind, limit: 20 })}`;
  for (const until = Date.now() + patienceMs; Date.now() < until;) {
    // The run is started whatever happens here: a failed look only opens its page sooner.
    const page = await getJson<Page<RunSummary>>(path).catch(() => undefined);
    if (!page || page.items.some((summary) => summary.workflowId === run.workflowId && summary.runId === run.runId)) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
