import { Router } from 'express';
import { z } from 'zod';
import { instant } from '../schemas/instant.ts';
import { runKind, runStatus } from '../../domain/choices.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageOf } from '../pagination.ts';
import { ticketSchema } from '../schemas/ticket.ts';
import { deviceWorkflowIds, runSubject, runSubjects } from '../runs/subjects.ts';

const runSummary = z
  .object({
    workflowId: z.string(),
    runId: z.string().nullable(),
    kind: z.enum(runKind.values),
    tenantId: z.uuid().nullable(),
    siteId: z.uuid().nullable(),
    ticket: z.string().nullable(),
    status: z.enum(runStatus.values),
    error: z.string().nullable(),
    startedAt: z.date(),
    closedAt: z.date().nullable(),
    subject: runSubject.nullable().describe('What the run acts on, by name (none for a run of no known object, or one gone since)'),
  })
  .openapi('RunSummary');

type RunRow = Omit<z.infer<typeof runSummary>, 'subject'>;

/** Runs with what each acts on, by name. */
async function withSubjects(prisma: PrismaClient, rows: RunRow[]): Promise<z.infer<typeof runSummary>[]> {
  const subjects = await runSubjects(prisma, rows.map((row) => row.workflowId));
  return rows.map((row) => ({ ...row, subject: subjects.get(row.workflowId) ?? null }));
}

/** Workflow runs as the database summarises them, newest first; live detail is in each run's progress. */
export function runsRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  api.route(router, {
    method: 'get',
    path: '/runs',
    summary: 'List workflow runs, newest first',
    tags: ['Runs'],
    access: { type: 'run', action: 'read' },
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      tenantId: z.uuid().optional(),
      kind: z.enum(runKind.values).optional(),
      status: z.enum(runStatus.values).optional(),
      siteId: z.uuid().optional().describe("The site's runs, its devices' included"),
      deviceId: z.uuid().optional().describe("One device's own runs: upgrade, replacement, credential rotation, configuration, ZTP"),
      ticket: ticketSchema.optional().describe('The runs an ITSM ticket started'),
      before: instant().optional().describe('The startedAt of the last run of the previous page'),
    }),
    response: pageOf(runSummary).extend({ nextCursor: z.string().nullable() }),
    handler: async ({ query, principal }) => {
      const rows = await deps.prisma.runSummary.findMany({
        where: {
          ...principal.tenantWhere('run', query.tenantId),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.siteId ? { siteId: query.siteId } : {}),
          ...(query.deviceId ? { workflowId: { in: deviceWorkflowIds(query.deviceId) } } : {}),
          ...(query.ticket ? { ticket: query.ticket } : {}),
          ...(query.before ? { startedAt: { lt: new Date(query.before) } } : {}),
        },
        orderBy: { startedAt: 'desc' },
        take: query.limit + 1,
      });
      const items = rows.slice(0, query.limit);
      return { items: await withSubjects(deps.prisma, items), nextCursor: rows.length > query.limit ? items[items.length - 1]!.startedAt.toISOString() : null };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/runs/:workflowId',
    summary: "One run's summary (its live detail streams from /runs/{workflowId}/events)",
    tags: ['Runs'],
    access: { type: 'run', action: 'read' },
    params: z.object({ workflowId: z.string().min(1).max(300) }),
    response: runSummary,
    handler: async ({ params, principal }) => {
      const run = await deps.prisma.runSummary.findUnique({ where: { workflowId: params.workflowId } });
      principal.assert(run?.tenantId, 'run', 'read', `Run ${params.workflowId}`);
      return (await withSubjects(deps.prisma, [run!]))[0]!;
    },
  });
  return router;
}
