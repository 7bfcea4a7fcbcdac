// Starting the site operations, shared by the REST routes and ITSM change requests so both start
// exactly the same run: business workflow ids, search attributes, and the checks of the site's
// state. The caller has checked the principal may run operations on the site.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { PrismaClient } from '../prisma/client.ts';
import type { Principal } from './access/principal.ts';
import type { decommissionSite } from '../workflows/decommission-site.ts';
import { decommissionWorkflowId } from '../workflows/decommission-site.messages.ts';
import type { onboardSite } from '../workflows/onboard-site.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import { searchAttributeKeys, taskQueues } from '../domain/task-queues.ts';
import { decommissionableSiteStatuses, onboardableSiteStatuses } from '../domain/choices.ts';
import { problems } from './problems.ts';

export interface OperationDependencies {
  prisma: PrismaClient;
  temporal: Client;
  namespace: string;
  temporalUiUrl: string;
}

export { ticketSchema } from './schemas/ticket.ts';

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

export interface SiteForOperation {
  id: string;
  tenantId: string;
  name: string;
  status: string;
  devices: { serial: string | null }[];
}

export const onboardingProgressUrl = (siteId: string) => `/api/v1/sites/${siteId}/onboarding`;
export const decommissionProgressUrl = (siteId: string) => `/api/v1/sites/${siteId}/decommission`;

/**
 * The run in the Temporal Web UI, as a field to spread into an answer: nothing for a caller who may
 * not open the Web UI (see Principal.opensTemporalWebUi), nor when no Web UI is configured. Without
 * a run id, the workflow's runs.
 */
export function temporalRunLink(deps: OperationDependencies, principal: Principal, workflowId: string, runId: string): { temporalUiUrl?: string } {
  if (!deps.temporalUiUrl || !principal.opensTemporalWebUi) return {};
  const workflows = `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows`;
  return {
    temporalUiUrl: runId
      ? `${workflows}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
      : `${workflows}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`,
  };
}

export async function startOnboarding(
  deps: OperationDependencies,
  principal: Principal,
  site: SiteForOperation,
  options: { ticket?: string | undefined; phoneHomeWithinMinutes: number },
): Promise<RunStarted> {
  const { prisma, temporal } = deps;
  const workflowId = onboardingWorkflowId(site.id);
  const progressUrl = onboardingProgressUrl(site.id);
  const answer = (id: string, runId: string, started: boolean) =>
    ({ workflowId: id, runId, siteId: site.id, started, progressUrl, ...temporalRunLink(deps, principal, id, runId) });
  if (options.ticket) {
    const byTicket = await prisma.runSummary.findFirst({ where: { ticket: options.ticket, kind: 'site_onboarding', tenantId: site.tenantId }, orderBy: { startedAt: 'desc' } });
    // One ticket, one run, whatever became of it: ITSM systems send again when unsure.
    if (byTicket && byTicket.siteId !== site.id) throw problems.conflict(`Ticket ${options.ticket} already started the onboarding of another site.`, { workflowId: byTicket.workflowId });
    if (byTicket) return answer(byTicket.workflowId, byTicket.runId ?? '', false);
  }
  const running = () => temporal.workflow.getHandle(workflowId).describe().then((d) => (d.status.name === 'RUNNING' ? d : undefined), () => undefined);
  if (!onboardableSiteStatuses.has(site.status)) {
    // Onboarding already (the request sent again: its run answers) or past it. A site left
    // onboarding with no run is not started again (see onboardingRunSiteStatuses).
    const run = await running();
    if (run) return answer(workflowId, run.runId, false);
    throw problems.conflict(`${site.name} is ${site.status}: only a planned or failed site can be onboarded.`, { siteStatus: site.status });
  }
  // The common case costs one call to Temporal: start, and only if a run is there already, find it.
  const handle = await temporal.workflow.start<typeof onboardSite>('onboardSite', {
    workflowId,
    taskQueue: taskQueues.orchestration,
    workflowIdConflictPolicy: 'FAIL',
    args: [{ siteId: site.id, tenantId: site.tenantId, ...(options.ticket ? { ticket: options.ticket } : {}), phoneHomeWithin: `${options.phoneHomeWithinMinutes} minutes` }],
    typedSearchAttributes: [
      { key: searchAttributeKeys.tenant, value: site.tenantId },
      { key: searchAttributeKeys.site, value: site.id },
      { key: searchAttributeKeys.deviceSerials, value: site.devices.flatMap((d) => (d.serial ? [d.serial] : [])) },
      ...(options.ticket ? [{ key: searchAttributeKeys.ticket, value: options.ticket }] : []),
    ],
  }).catch(async (error: unknown) => {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const run = await running();
    if (!run) throw error;
    return run;
  });
  return 'firstExecutionRunId' in handle ? answer(workflowId, handle.firstExecutionRunId, true) : answer(workflowId, handle.runId, false);
}

export async function startDecommission(deps: OperationDependencies, principal: Principal, site: SiteForOperation, options: { ticket?: string | undefined }): Promise<RunStarted> {
  const { temporal } = deps;
  if (!decommissionableSiteStatuses.has(site.status)) {
    throw problems.conflict(`${site.name} is ${site.status}: only an active or failed site can be decommissioned.`, { siteStatus: site.status });
  }
  const onboarding = await temporal.workflow.getHandle(onboardingWorkflowId(site.id)).describe().catch(() => undefined);
  if (onboarding?.status.name === 'RUNNING') throw problems.conflict(`${site.name} is still being onboarded: abort that first.`, { workflowId: onboarding.workflowId });
  const workflowId = decommissionWorkflowId(site.id);
  const handle = await temporal.workflow.start<typeof decommissionSite>('decommissionSite', {
    workflowId,
    taskQueue: taskQueues.orchestration,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ siteId: site.id, tenantId: site.tenantId, ...(options.ticket ? { ticket: options.ticket } : {}) }],
    typedSearchAttributes: [
      { key: searchAttributeKeys.tenant, value: site.tenantId },
      { key: searchAttributeKeys.site, value: site.id },
      ...(options.ticket ? [{ key: searchAttributeKeys.ticket, value: options.ticket }] : []),
    ],
  });
  const runId = handle.firstExecutionRunId;
  return { workflowId, runId, siteId: site.id, started: true, progressUrl: decommissionProgressUrl(site.id), ...temporalRunLink(deps, principal, workflowId, runId) };
}
