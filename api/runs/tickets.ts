// One ticket, one run (DESIGN §4): a request carrying an ITSM ticket, from the ITSM integration
// or typed into a wizard, starts nothing if the ticket started a run already, whatever became of
// that run. This is the one place that finds and claims a ticket's run: a start claims its ticket
// in the database before it asks Temporal, so no worker needs to have run for the claim to hold.
import type { RunKind } from '../../generated/prisma/enums.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { Prisma } from '../../prisma/client.ts';
import { problems } from '../problems.ts';
import { runKindOfOperation, type ChangeRequestOperation } from '../schemas/change-request.ts';

export interface TicketRun {
  workflowId: string;
  /** Unknown while a run started through the API has not recorded its summary yet. */
  runId: string | null;
  kind: RunKind;
}

/**
 * The run a ticket started in its tenant, if any: the workflow id its start claimed (runId null
 * while that start is under way, or if it died before Temporal answered).
 */
export async function runOfTicket(prisma: PrismaClient, tenantId: string, ticket: string): Promise<TicketRun | undefined> {
  const claimed = await prisma.ticketRun.findUnique({ where: { tenantId_ticket: { tenantId, ticket } } });
  if (claimed) return { workflowId: claimed.workflowId, runId: claimed.runId, kind: claimed.kind };
  // Tickets of runs started before starts claimed them (ticket_run).
  const request = await prisma.itsmChangeRequest.findUnique({ where: { tenantId_ticket: { tenantId, ticket } } });
  if (request) return { workflowId: request.workflowId, runId: request.runId, kind: runKindOfOperation[request.operation as ChangeRequestOperation] };
  const summary = await prisma.runSummary.findFirst({ where: { tenantId, ticket }, orderBy: { startedAt: 'desc' } });
  return summary ? { workflowId: summary.workflowId, runId: summary.runId, kind: summary.kind } : undefined;
}

/**
 * The run this request's ticket started already, if it is the run the request asks for: the same
 * kind, and the same workflow id where the id is known before the start (a campaign's is not). A
 * ticket that started another run is refused: one ticket, one run.
 */
export async function earlierRunOfTicket(
  prisma: PrismaClient,
  request: { tenantId: string; ticket: string | undefined; kind: RunKind; workflowId?: string },
): Promise<TicketRun | undefined> {
  if (!request.ticket) return undefined;
  const earlier = await runOfTicket(prisma, request.tenantId, request.ticket);
  if (!earlier) return undefined;
  if (earlier.kind !== request.kind || (request.workflowId !== undefined && earlier.workflowId !== request.workflowId)) throw anotherRun(request.ticket, earlier.workflowId);
  // Claimed for this very run, whose start has not answered: this request starts (or joins) it too.
  if (earlier.runId === null && request.workflowId !== undefined) return undefined;
  return earlier;
}

const anotherRun = (ticket: string, workflowId: string) =>
  problems.conflict(`Ticket ${ticket} already started another run, ${workflowId}: one ticket starts one run.`, { workflowId });

/** The ticket a start carries, claimed for its workflow id before Temporal is asked (`launch`). */
export interface TicketClaim {
  prisma: PrismaClient;
  tenantId: string;
  ticket: string | undefined;
  kind: RunKind;
}

/**
 * Claims the ticket for this workflow id, in one insert: of two requests of a ticket, however close,
 * only one claims it, and a ticket claimed for another run is refused. Returns whether this request
 * made the claim, and the run the ticket started already, if Temporal answered its start.
 */
export async function claimTicket(claim: TicketClaim & { ticket: string }, workflowId: string): Promise<{ claimed: boolean; runId: string | null }> {
  const { prisma, tenantId, ticket, kind } = claim;
  try {
    await prisma.ticketRun.create({ data: { tenantId, ticket, kind, workflowId } });
    return { claimed: true, runId: null };
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
  }
  const earlier = await prisma.ticketRun.findUnique({ where: { tenantId_ticket: { tenantId, ticket } } });
  if (!earlier) return claimTicket(claim, workflowId);
  if (earlier.kind !== kind || earlier.workflowId !== workflowId) throw anotherRun(ticket, earlier.workflowId);
  return { claimed: false, runId: earlier.runId };
}

/** Temporal answered the start: the ticket's run is this one for good. */
export async function ticketStarted(claim: TicketClaim & { ticket: string }, workflowId: string, runId: string): Promise<void> {
  await claim.prisma.ticketRun.updateMany({ where: { tenantId: claim.tenantId, ticket: claim.ticket, workflowId, runId: null }, data: { runId } });
}

/** The start failed before any run began: the ticket is free for the request sent again, or another. */
export async function releaseTicket(claim: TicketClaim & { ticket: string }, workflowId: string): Promise<void> {
  await claim.prisma.ticketRun.deleteMany({ where: { tenantId: claim.tenantId, ticket: claim.ticket, workflowId, runId: null } });
}
