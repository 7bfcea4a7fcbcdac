// A site's runs: onboarding (`site-onboard/<siteId>`) and decommissioning
// (`site-decommission/<siteId>`). A second request while one runs joins it (started: false).
import { decommissionableSiteStatuses, onboardableSiteStatuses } from '../../domain/choices.ts';
import type { SiteStatus } from '../../generated/prisma/enums.ts';
import type { decommissionSite } from '../../workflows/decommission-site.ts';
import { decommissionWorkflowId } from '../../workflows/decommission-site.messages.ts';
import type { onboardSite } from '../../workflows/onboard-site.ts';
import { onboardingWorkflowId } from '../../workflows/onboard-site.messages.ts';
import { Prisma } from '../../prisma/client.ts';
import type { Principal } from '../access/principal.ts';
import { problems } from '../problems.ts';
import { auditStart, describeRun, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { decommissionProgressUrl, onboardingProgressUrl, temporalRunLink, type RunStarted } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

/**
 * The site a run starts on, with its devices' serials (the run's search attributes): one statement,
 * where the site and then its devices would be two (a start is paid for in round trips).
 */
async function siteToRun(deps: RunDependencies, principal: Principal, siteId: string) {
  const [site] = await deps.startStatements.rows<{ id: string; tenantId: string; name: string; status: SiteStatus; serials: string[] }>(Prisma.sql`
    SELECT s.id::text AS id, s.tenant_id::text AS "tenantId", s.name, s.status::text AS status,
      ARRAY(SELECT d.serial FROM device d WHERE d.site_id = s.id AND d.serial IS NOT NULL ORDER BY d.id) AS serials
    FROM site s WHERE s.id = ${siteId}::uuid`);
  principal.assert(site?.tenantId, 'site', 'execute', `Site ${siteId}`);
  return site!;
}

export interface OnboardingRequest {
  siteId: string;
  ticket?: string | undefined;
  phoneHomeWithinMinutes: number;
}

/** Onboards a planned (or failed) site; the request sent again, or its ticket, gets the run under way. */
export async function startOnboarding(deps: RunDependencies, origin: Origin, request: OnboardingRequest): Promise<RunStarted> {
  const site = await siteToRun(deps, origin.principal, request.siteId);
  const workflowId = onboardingWorkflowId(site.id);
  const answer = (runId: string, started: boolean): RunStarted => ({
    workflowId, runId, siteId: site.id, started, progressUrl: onboardingProgressUrl(site.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(deps.prisma, { tenantId: site.tenantId, ticket: request.ticket, kind: 'site_onboarding', workflowId });
  if (earlier) return answer(earlier.runId ?? '', false);
  if (!onboardableSiteStatuses.has(site.status)) {
    // Onboarding already (the request sent again: its run answers) or past it. A site left
    // onboarding with no run is not started again (see onboardingRunSiteStatuses).
    const run = await describeRun(deps.temporal, workflowId);
    if (run?.status.name === 'RUNNING') return answer(run.runId, false);
    throw problems.conflict(`${site.name} is ${site.status}: only a planned or failed site can be onboarded.`, { siteStatus: site.status });
  }
  const { runId, started } = await launch(deps.temporal, workflowId, 'join', () => deps.temporal.workflow.start<typeof onboardSite>('onboardSite', {
    ...startOptions(workflowId, {
      tenantId: site.tenantId, siteId: site.id, deviceSerials: site.serials, ticket: request.ticket,
    }),
    args: [{ siteId: site.id, tenantId: site.tenantId, ...(request.ticket ? { ticket: request.ticket } : {}), phoneHomeWithin: `${request.phoneHomeWithinMinutes} minutes` }],
  }), { prisma: deps.prisma, tenantId: site.tenantId, ticket: request.ticket, kind: 'site_onboarding' });
  if (started) {
    await auditStart(deps, origin, { action: 'site.onboarding.start', objectType: 'site', objectId: site.id, tenantId: site.tenantId, after: { workflowId, ticket: request.ticket ?? null } });
  }
  return answer(runId, started);
}

export interface DecommissionRequest {
  siteId: string;
  ticket?: string | undefined;
}

/** Decommissions an active (or failed) site, once its onboarding, if any, is over. */
export async function startDecommission(deps: RunDependencies, origin: Origin, request: DecommissionRequest): Promise<RunStarted> {
  const site = await siteToRun(deps, origin.principal, request.siteId);
  const workflowId = decommissionWorkflowId(site.id);
  const answer = (runId: string, started: boolean): RunStarted => ({
    workflowId, runId, siteId: site.id, started, progressUrl: decommissionProgressUrl(site.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(deps.prisma, { tenantId: site.tenantId, ticket: request.ticket, kind: 'decommission', workflowId });
  if (earlier) return answer(earlier.runId ?? '', false);
  if (!decommissionableSiteStatuses.has(site.status)) {
    throw problems.conflict(`${site.name} is ${site.status}: only an active or failed site can be decommissioned.`, { siteStatus: site.status });
  }
  const onboarding = await describeRun(deps.temporal, onboardingWorkflowId(site.id));
  if (onboarding?.status.name === 'RUNNING') throw problems.conflict(`${site.name} is still being onboarded: abort that first.`, { workflowId: onboarding.workflowId });
  const { runId, started } = await launch(deps.temporal, workflowId, 'join', () => deps.temporal.workflow.start<typeof decommissionSite>('decommissionSite', {
    ...startOptions(workflowId, { tenantId: site.tenantId, siteId: site.id, ticket: request.ticket }),
    args: [{ siteId: site.id, tenantId: site.tenantId, ...(request.ticket ? { ticket: request.ticket } : {}) }],
  }), { prisma: deps.prisma, tenantId: site.tenantId, ticket: request.ticket, kind: 'decommission' });
  if (started) {
    await auditStart(deps, origin, { action: 'site.decommission.start', objectType: 'site', objectId: site.id, tenantId: site.tenantId, after: { workflowId, ticket: request.ticket ?? null } });
  }
  return answer(runId, started);
}
