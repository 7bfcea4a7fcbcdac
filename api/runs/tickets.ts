// One ticket, one run (DESIGN §4): a request carrying an ITSM ticket, from the ITSM integration
// or typed into a wizard, starts nothing if the ticket started a run already, whatever became of
// that run. This is the one place that finds a ticket's run.
import type { RunKind } from '../../generated/prisma/enums.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { problems } from '../problems.ts';
import { runKindOfOperation, type ChangeRequestOperation } from '../schemas/change-request.ts';

export interface TicketRun {
  workflowId: string;
  /** Unknown while a run started through the API has not recorded its summary yet. */
  runId: string | null;
  kind: RunKind;
}

/**
 * The run a ticket started in its tenant, if any. An ITSM change request records its run as soon
 * as it is started; a run started with a ticket otherwise records it in its summary once it runs.
 */
export async function runOfTicket(prisma: PrismaClient, tenantId: string, ticket: string): Promise<TicketRun | undefined> {
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
  if (earlier.kind !== request.kind || (request.workflowId !== undefined && earlier.workflowId !== request.workflowId)) {
    throw problems.conflict(`Ticket ${request.ticket} already started another run, ${earlier.workflowId}: one ticket starts one run.`, { workflowId: earlier.workflowId });
  }
  return earlier;
}
