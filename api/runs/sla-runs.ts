// A site's SLA policies on its devices: the push (`sla-policies/<siteId>`, joined when one runs)
// and the preview, a short run of the same workflow that only diffs (`sla-preview/<siteId>/<id>`),
// whose answer the API waits for.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { applySlaPolicies } from '../../workflows/apply-sla-policies.ts';
import { applySlaPoliciesWorkflowId, previewSlaPoliciesWorkflowId, type ApplySlaPoliciesResult } from '../../workflows/apply-sla-policies.messages.ts';
import type { Principal } from '../access/principal.ts';
import { problems } from '../problems.ts';
import { auditStart, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { slaPushUrl, temporalRunLink, type RunStarted } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

/** Only an active site's boxes run the configuration a push builds on. */
async function activeSite(deps: RunDependencies, principal: Principal, siteId: string) {
  const site = await deps.prisma.site.findUnique({ where: { id: siteId }, include: { devices: { select: { serial: true } } } });
  principal.assert(site?.tenantId, 'site', 'execute', `Site ${siteId}`);
  if (site!.status !== 'active') throw problems.conflict(`${site!.name} is ${site!.status}: SLA policies go to an active site's devices.`, { siteStatus: site!.status });
  return site!;
}

const attributes = (site: Awaited<ReturnType<typeof activeSite>>, ticket?: string) => ({
  tenantId: site.tenantId, siteId: site.id, deviceSerials: site.devices.flatMap((d) => (d.serial ? [d.serial] : [])), ticket,
});

export interface SlaPushRequest {
  siteId: string;
  ticket?: string | undefined;
}

export async function startSlaPush(deps: RunDependencies, origin: Origin, request: SlaPushRequest): Promise<RunStarted> {
  const site = await activeSite(deps, origin.principal, request.siteId);
  const workflowId = applySlaPoliciesWorkflowId(site.id);
  const answer = (runId: string, started: boolean): RunStarted => ({
    workflowId, runId, siteId: site.id, started, progressUrl: slaPushUrl(site.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(deps.prisma, { tenantId: site.tenantId, ticket: request.ticket, kind: 'policy_deployment', workflowId });
  if (earlier) return answer(earlier.runId ?? '', false);
  const { runId, started } = await launch(deps.temporal, workflowId, 'join', () => deps.temporal.workflow.start<typeof applySlaPolicies>('applySlaPolicies', {
    ...startOptions(workflowId, attributes(site, request.ticket)),
    args: [{ siteId: site.id, tenantId: site.tenantId, ...(request.ticket ? { ticket: request.ticket } : {}) }],
  }), { prisma: deps.prisma, tenantId: site.tenantId, ticket: request.ticket, kind: 'policy_deployment' });
  if (started) {
    await auditStart(deps, origin, { action: 'site.sla-policies.push', objectType: 'site', objectId: site.id, tenantId: site.tenantId, after: { workflowId, ticket: request.ticket ?? null } });
  }
  return answer(runId, started);
}

/** Each device's own diff of the push, from the device (nothing is committed). */
export async function previewSlaPush(deps: RunDependencies, principal: Principal, siteId: string): Promise<ApplySlaPoliciesResult> {
  const site = await activeSite(deps, principal, siteId);
  const workflowId = previewSlaPoliciesWorkflowId(site.id, randomUUID());
  return deps.temporal.workflow.execute<typeof applySlaPolicies>('applySlaPolicies', {
    ...startOptions(workflowId, attributes(site)),
    args: [{ siteId: site.id, tenantId: site.tenantId, dryRun: true }],
    // A device that does not answer fails the preview in a minute or so, not after the retries of a push.
    workflowExecutionTimeout: '3 minutes',
  }).catch((error: unknown) => {
    if (!(error instanceof WorkflowFailedError)) throw error;
    // The device's own reason (unreachable, refused…), from the deepest cause.
    let cause: Error | undefined = error;
    while (cause?.cause instanceof Error) cause = cause.cause;
    throw problems.unavailable(`The preview could not be made: ${cause?.message ?? 'the run failed'}.`, cause instanceof ApplicationFailure && cause.type ? { failureType: cause.type } : {});
  });
}
