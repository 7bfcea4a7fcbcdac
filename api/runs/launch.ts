// How every run the API starts is started: on the orchestration queue, under its business id, with
// the search attributes the API and the Temporal Web UI filter by, and with one rule for a second
// start of the same id, said by each kind: join the run under way, or refuse.
import {
  QueryNotRegisteredError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError,
  type Client, type WorkflowExecutionDescription, type WorkflowIdConflictPolicy, type WorkflowIdReusePolicy,
} from '@temporalio/client';
import type { QueryDefinition, SearchAttributePair } from '@temporalio/common';
import type { Request } from 'express';
import { searchAttributeKeys, taskQueues } from '../../domain/task-queues.ts';
import type { PrismaClient, Statements } from '../../prisma/client.ts';
import type { Principal } from '../access/principal.ts';
import { recordAuditWithAnswer, type AuditedChange } from '../audit.ts';
import { HttpProblem } from '../problems.ts';
import { temporalNeverReached } from '../temporal.ts';
import { claimTicket, releaseTicket, ticketStarted, type TicketClaim } from './tickets.ts';
import type { WebUiLocation } from './links.ts';

export interface RunDependencies extends WebUiLocation {
  prisma: PrismaClient;
  /** A start's own statements (the site it runs on), on the pool kept for starts (api/app.ts). */
  startStatements: Statements;
  temporal: Client;
}

/** Who asks for a run, and through which request: the audit entry of a run started says it. */
export interface Origin {
  principal: Principal;
  req: Request;
  /** An ITSM change request names the entry after its operation and adds what the ticket says. */
  audit?: { action: string; after: Record<string, unknown> };
}

/** The run's audit entry, in the origin's words when it has its own; written with the request's answer when it keeps one. */
export async function auditStart(deps: RunDependencies, origin: Origin, change: AuditedChange & { after: Record<string, unknown> }): Promise<void> {
  const entry = origin.audit ? { ...change, action: origin.audit.action, after: { ...change.after, ...origin.audit.after } } : change;
  await recordAuditWithAnswer(deps.prisma, origin.principal, origin.req, entry);
}

/** What a run carries for filtering (DESIGN §4): tenant, site, device serials, ticket. */
export interface RunAttributes {
  tenantId: string;
  siteId?: string;
  deviceSerials?: string[];
  ticket?: string | undefined;
}

function searchAttributesOf(run: RunAttributes): SearchAttributePair[] {
  return [
    { key: searchAttributeKeys.tenant, value: run.tenantId },
    ...(run.siteId ? [{ key: searchAttributeKeys.site, value: run.siteId }] : []),
    ...(run.deviceSerials ? [{ key: searchAttributeKeys.deviceSerials, value: run.deviceSerials }] : []),
    ...(run.ticket ? [{ key: searchAttributeKeys.ticket, value: run.ticket }] : []),
  ];
}

/** The start options every kind shares; the kind adds its workflow's arguments (and a memo, if any). */
export function startOptions(workflowId: string, run: RunAttributes): {
  workflowId: string;
  taskQueue: string;
  workflowIdConflictPolicy: WorkflowIdConflictPolicy;
  workflowIdReusePolicy: WorkflowIdReusePolicy;
  typedSearchAttributes: SearchAttributePair[];
} {
  return {
    workflowId,
    taskQueue: taskQueues.orchestration,
    // Never a second run beside an open one: the start fails, and `launch` joins or refuses as the kind says.
    workflowIdConflictPolicy: 'FAIL',
    // A closed run (completed, failed, aborted) leaves its id to the next request.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: searchAttributesOf(run),
  };
}

/** What a start does when a run of its id is open already. */
export type WhenRunning = 'join' | { refuse: HttpProblem };

/** The run of this id, or none when Temporal knows none: any other failure (Temporal unreachable) propagates. */
export async function describeRun(temporal: Client, workflowId: string, runId?: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await temporal.workflow.getHandle(workflowId, runId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * A running run's answer to a query, or null while it has none to give: closed, or not yet past its
 * first workflow task, which registers its query handlers. Asked before that, the server holds the
 * query until a worker takes the task (a worker busy or restarting: long), then fails it.
 */
export async function liveQuery<T>(temporal: Client, workflowId: string, query: QueryDefinition<T, []>): Promise<T | null> {
  const run = await describeRun(temporal, workflowId);
  // Started, task scheduled, task started, task completed: four events before any handler exists.
  if (run?.status.name !== 'RUNNING' || run.historyLength < 4) return null;
  try {
    return await temporal.workflow.getHandle(workflowId).query(query);
  } catch (error) {
    // Its first task failed, so no handler was registered: a worker that runs it will add them.
    if (error instanceof QueryNotRegisteredError) return null;
    throw error;
  }
}

/**
 * Starts a run. The common case costs one call to Temporal; only when a run of the id is open
 * already is it looked up, and joined (started: false) or refused, as the kind says. A ticket is
 * claimed for the workflow id first (api/runs/tickets.ts), and given back if nothing started.
 */
export async function launch(
  temporal: Client,
  workflowId: string,
  whenRunning: WhenRunning,
  start: () => Promise<{ firstExecutionRunId: string }>,
  ticket?: TicketClaim,
): Promise<{ runId: string; started: boolean }> {
  const claim = ticket?.ticket ? { ...ticket, ticket: ticket.ticket } : undefined;
  if (!claim) return startOrJoin(temporal, workflowId, whenRunning, start);
  const { claimed, runId } = await claimTicket(claim, workflowId);
  if (runId !== null) return { runId, started: false };
  let launched;
  try {
    launched = await startOrJoin(temporal, workflowId, whenRunning, start);
  } catch (error) {
    // A start that may have reached Temporal keeps the claim: the request sent again joins that run.
    if (claimed && !startMayHaveBegun(error)) await releaseTicket(claim, workflowId);
    throw error;
  }
  await ticketStarted(claim, workflowId, launched.runId);
  return launched;
}

/** A refusal, or a failure before Temporal took the start, began no run. */
const startMayHaveBegun = (error: unknown) =>
  !(error instanceof WorkflowExecutionAlreadyStartedError || error instanceof HttpProblem || temporalNeverReached(error));

async function startOrJoin(
  temporal: Client,
  workflowId: string,
  whenRunning: WhenRunning,
  start: () => Promise<{ firstExecutionRunId: string }>,
): Promise<{ runId: string; started: boolean }> {
  try {
    return { runId: (await start()).firstExecutionRunId, started: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    if (whenRunning !== 'join') throw whenRunning.refuse;
    const run = await describeRun(temporal, workflowId);
    // Closed between the start and the look: the error middleware's 409 asks to send it again.
    if (run?.status.name !== 'RUNNING') throw error;
    return { runId: run.runId, started: false };
  }
}
