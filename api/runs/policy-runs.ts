// Policy deployments: the deployment is stored with the version it deploys and its sites, then
// `deployPolicy/<deploymentId>` runs it. Every start is a new deployment; a ticket sent again gets
// the deployment it started.
import type { PrismaClient } from '../../prisma/client.ts';
import { createDeployment, DeploymentRefused, type DeploymentRequest } from '../../inventory/policy-deployments.ts';
import type { deployPolicy } from '../../workflows/deploy-policy.ts';
import { deployPolicyWorkflowId } from '../../workflows/deploy-policy.messages.ts';
import { temporalNeverReached } from '../temporal.ts';
import { HttpProblem, problems } from '../problems.ts';
import { auditStart, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { temporalRunLink } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

export const policyDeploymentUrl = (deploymentId: string) => `/api/v1/policy-deployments/${deploymentId}`;

export type PolicyDeploymentRequest = Omit<DeploymentRequest, 'createdBy'>;

export interface PolicyDeploymentStarted {
  deploymentId: string;
  version: number | null;
  workflowId: string;
  runId: string;
  started: boolean;
  progressUrl: string;
  temporalUiUrl?: string;
}

/** The deployment a workflow id names. */
const deploymentOfWorkflow = (workflowId: string) => workflowId.slice(workflowId.indexOf('/') + 1);

export async function startPolicyDeployment(deps: RunDependencies, origin: Origin, request: PolicyDeploymentRequest): Promise<PolicyDeploymentStarted> {
  const { prisma, temporal } = deps;
  origin.principal.assert(request.tenantId, 'site', 'execute', `Tenant ${request.tenantId}`);
  const answer = (deploymentId: string, version: number | null, workflowId: string, runId: string, started: boolean): PolicyDeploymentStarted => ({
    deploymentId, version, workflowId, runId, started, progressUrl: policyDeploymentUrl(deploymentId), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId: request.tenantId, ticket: request.ticket, kind: 'policy_deployment' });
  if (earlier) {
    const deployment = await prisma.policyDeployment.findUnique({ where: { id: deploymentOfWorkflow(earlier.workflowId) }, select: { id: true, version: true } });
    if (deployment) return answer(deployment.id, deployment.version, earlier.workflowId, earlier.runId ?? '', false);
  }
  const created = await refusedAsProblem(prisma, request, origin.principal.actor.id);
  const workflowId = deployPolicyWorkflowId(created.id);
  let runId: string;
  try {
    ({ runId } = await launch(temporal, workflowId, { refuse: problems.conflict(`Deployment ${created.id} is running already.`, { workflowId }) }, () =>
      temporal.workflow.start<typeof deployPolicy>('deployPolicy', {
        ...startOptions(workflowId, { tenantId: created.tenantId, ticket: request.ticket }),
        args: [{ deploymentId: created.id }],
      }), { prisma, tenantId: created.tenantId, ticket: request.ticket, kind: 'policy_deployment' }));
  } catch (error) {
    // Temporal out of reach: the deployment never began, and its version number is free again.
    // Refused (its ticket claimed by a deployment just before): no run either.
    if (temporalNeverReached(error) || error instanceof HttpProblem) await prisma.policyDeployment.delete({ where: { id: created.id } });
    throw error;
  }
  await auditStart(deps, origin, {
    action: request.dryRun ? 'policy.dry-run' : request.rollbackTo !== undefined ? 'policy.rollback' : request.retryOf ? 'policy.retry' : 'policy.deploy',
    objectType: 'policy-deployment', objectId: created.id, tenantId: created.tenantId,
    after: { version: created.version, dryRun: created.dryRun, rollbackOf: created.rollbackOf, retryOf: created.retryOf, concurrency: created.concurrency, failureBudgetPct: created.failureBudgetPct },
  });
  return answer(created.id, created.version, workflowId, runId, true);
}

async function refusedAsProblem(prisma: PrismaClient, request: PolicyDeploymentRequest, createdBy: string | undefined) {
  try {
    return await createDeployment(prisma, { ...request, ...(createdBy ? { createdBy } : {}) });
  } catch (error) {
    if (error instanceof DeploymentRefused) throw problems.conflict(error.message, error.deploymentId ? { deploymentId: error.deploymentId, workflowId: deployPolicyWorkflowId(error.deploymentId) } : {});
    throw error;
  }
}
