// What every answer about a run shares: where to follow it (the API's progress URL, and the same
// run in the Temporal Web UI for those who may open it), and the shape of a run just started.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Principal } from '../access/principal.ts';

// The schemas below name themselves in the OpenAPI document, whoever imports this file first.
extendZodWithOpenApi(z);

/** A run's link into the Temporal Web UI, in answers that have one. */
export const temporalUiLink = z
  .string()
  .optional()
  .describe("The run in the Temporal Web UI; only for those who read every tenant's runs (SP admins), absent for everyone else");

export const runStarted = z.object({
  workflowId: z.string(),
  runId: z.string(),
  siteId: z.uuid(),
  /** Whether this request started the run (false: it was running already, for this site or this ticket). */
  started: z.boolean(),
  progressUrl: z.string(),
  temporalUiUrl: temporalUiLink,
}).openapi('RunStarted');
export type RunStarted = z.infer<typeof runStarted>;

export const onboardingProgressUrl = (siteId: string) => `/api/v1/sites/${siteId}/onboarding`;
export const decommissionProgressUrl = (siteId: string) => `/api/v1/sites/${siteId}/decommission`;
export const upgradeProgressUrl = (deviceId: string) => `/api/v1/devices/${deviceId}/upgrade`;
export const rmaProgressUrl = (deviceId: string) => `/api/v1/devices/${deviceId}/rma`;
export const credentialRotationProgressUrl = (deviceId: string) => `/api/v1/devices/${deviceId}/credential-rotation`;
export const deviceConfigurationProgressUrl = (deviceId: string) => `/api/v1/devices/${deviceId}/configuration-run`;
export const slaPushUrl = (siteId: string) => `/api/v1/sites/${siteId}/sla-policies/push`;
export const campaignUrl = (campaignId: string) => `/api/v1/upgrade-campaigns/${campaignId}`;

/** Where the Temporal Web UI is, and which namespace the runs are in. */
export interface WebUiLocation {
  namespace: string;
  temporalUiUrl: string;
}

/**
 * The run in the Temporal Web UI, as a field to spread into an answer: nothing for a caller who may
 * not open the Web UI (see Principal.opensTemporalWebUi), nor when no Web UI is configured. Without
 * a run id, the workflow's runs.
 */
export function temporalRunLink(where: WebUiLocation, principal: Principal, workflowId: string, runId: string): { temporalUiUrl?: string } {
  if (!where.temporalUiUrl || !principal.opensTemporalWebUi) return {};
  const workflows = `${where.temporalUiUrl}/namespaces/${encodeURIComponent(where.namespace)}/workflows`;
  return {
    temporalUiUrl: runId
      ? `${workflows}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
      : `${workflows}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`,
  };
}
