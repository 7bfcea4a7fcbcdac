// What the API says about its surroundings: where the Temporal Web UI is, for links to a run there.
// The API names the Web UI only to those who may open it (the service provider's people); for
// everyone else it stays empty and the pages offer no link.
import { getJson } from './api.ts';

class PlatformConfig {
  temporalUiUrl = $state('');
  namespace = $state('default');

  async load() {
    // Whoever signed in before in this tab does not lend their links to whoever signs in now.
    this.temporalUiUrl = '';
    try {
      const answer = await getJson<{ temporalUiUrl?: string; namespace: string }>('/api/v1/config');
      this.temporalUiUrl = answer.temporalUiUrl ?? '';
      this.namespace = answer.namespace;
    } catch {
      // The Temporal links are a convenience: without the config the pages go without them (cleared above).
    }
  }

  /** The run in the Temporal Web UI: its history when the run id is known, else the workflow's runs. */
  temporalRunUrl(workflowId: string, runId: string | null): string {
    if (!this.temporalUiUrl) return '';
    const base = `${this.temporalUiUrl}/namespaces/${encodeURIComponent(this.namespace)}/workflows`;
    return runId ? `${base}/${encodeURIComponent(workflowId)}/${runId}/history` : `${base}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
  }
}

export const platformConfig = new PlatformConfig();
