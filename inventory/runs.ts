// Run summaries: one row per workflow run the API lists without asking Temporal, opened when the
// run starts and closed with how it ended.
import type { PrismaClient } from '../prisma/client.ts';

export type RunKind = 'site_onboarding' | 'ztp' | 'decommission' | 'device_upgrade' | 'upgrade_campaign' | 'rma' | 'credential_rotation' | 'policy_deployment' | 'config_rollback' | 'config_adoption' | 'vnf_lifecycle' | 'network_service' | 'network_service_campaign';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

/** A campaign spans many sites and names none. */
export interface RunStart {
  workflowId: string;
  runId: string;
  kind: RunKind;
  tenantId: string;
  siteId?: string;
  ticket?: string;
}

export interface RunEnd {
  workflowId: string;
  status: RunStatus;
  error?: string;
}

/** Opens the run's summary, or opens it again for a new run under the same workflow id. */
export async function recordRun(prisma: PrismaClient, input: RunStart): Promise<void> {
  const data = { runId: input.runId, kind: input.kind, tenantId: input.tenantId, siteId: input.siteId ?? null, ticket: input.ticket ?? null, status: 'running' as const, error: null, closedAt: null };
  await prisma.runSummary.upsert({ where: { workflowId: input.workflowId }, create: { workflowId: input.workflowId, ...data }, update: data });
}

/** Closes the run's summary; undefined when no run of that workflow id was recorded. */
export async function closeRun(prisma: PrismaClient, input: RunEnd) {
  const [run] = await prisma.runSummary.updateManyAndReturn({ where: { workflowId: input.workflowId }, data: { status: input.status, error: input.error ?? null, closedAt: new Date() } });
  return run;
}
