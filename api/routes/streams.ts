// Live progress for the UI over server-sent events: a tenant's events as they happen, and one
// run's progress (its `progress` query, sent whenever it changes, until the run closes). Both
// show only what the caller may read.
import type { Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { EventNotice } from '../../domain/events.ts';
import type { Prisma, PrismaClient } from '../../prisma/client.ts';
import { progressQueryName } from '../../domain/progress-query.ts';
import type { ObjectType } from '../../domain/permissions.ts';
import type { Principal } from '../access/principal.ts';
import type { EventHub } from '../event-hub.ts';
import type { ApiDefinition } from '../openapi.ts';

/** Event families read with their own permission; every other event is read with the site's. */
const families = ['run', 'device', 'alarm'] as const;

/** The object type whose read permission lets one see an event. */
function objectTypeOf(eventType: string): ObjectType {
  const family = eventType.split('.')[0];
  return families.find((f) => f === family) ?? 'site';
}

function mayRead(principal: Principal, notice: Pick<EventNotice, 'tenantId' | 'type'>): boolean {
  const type = objectTypeOf(notice.type);
  return notice.tenantId ? principal.can(notice.tenantId, type, 'read') : principal.isGlobal(type, 'read');
}

/** mayRead as a database filter, so a replay reads the caller's events and not the first of everyone's. */
function readableEvents(principal: Principal): Prisma.DomainEventWhereInput {
  const ofFamily = (family: string) => ({ type: { startsWith: `${family}.` } });
  return {
    OR: [
      ...families.map((family) => ({ ...ofFamily(family), ...principal.tenantWhere(family) })),
      { NOT: families.map(ofFamily), ...principal.tenantWhere('site') },
    ],
  };
}

/** Opens the stream; the returned promise settles when the browser goes away. */
function openStream(req: Request, res: Response): { send(event: string, data: unknown, id?: string): void; closed: Promise<void> } {
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const closed = new Promise<void>((resolve) => req.on('close', () => {
    clearInterval(heartbeat);
    resolve();
  }));
  return {
    send: (event, data, id) => res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    closed,
  };
}

export function streamsRouter(api: ApiDefinition, deps: { prisma: PrismaClient; temporal: Client; events: EventHub; temporalDeadlineMs: number }): Router {
  const router = Router();
  const { prisma, temporal, events } = deps;
  /** A poll of an open stream waits for Temporal as long as a request does, counted from the poll. */
  const polled = <T>(call: () => Promise<T>) => temporal.withDeadline(Date.now() + deps.temporalDeadlineMs, call).catch(() => undefined);

  api.route(router, {
    method: 'get',
    path: '/events',
    summary: 'Server-sent events: what happens in the tenants you may see (Last-Event-ID resumes)',
    tags: ['Live'],
    access: 'signed-in',
    contentType: 'text/event-stream',
    query: z.object({ tenantId: z.uuid().optional() }),
    response: z.string().describe('A text/event-stream'),
    handler: async ({ query, principal }, req, res) => {
      const wanted = (notice: Pick<EventNotice, 'tenantId' | 'type'>) => (!query.tenantId || notice.tenantId === query.tenantId) && mayRead(principal, notice);
      const stream = openStream(req, res);
      const pending: EventNotice[] = [];
      let live = false;
      const send = async (notice: EventNotice) => {
        const data = notice.data ?? (await prisma.domainEvent.findUnique({ where: { id: notice.id } }))?.data;
        stream.send(notice.type, { ...notice, data }, notice.id);
      };
      const unsubscribe = await events.subscribe({
        event: (notice) => {
          if (!wanted(notice)) return;
          if (live) void send(notice);
          else pending.push(notice);
        },
        end: () => res.end(),
      });
      // Replay what a reconnecting browser missed, then go live (without repeating anything).
      const lastId = z.uuid().safeParse(req.get('last-event-id'));
      const sent = new Set<string>();
      if (lastId.success) {
        const missed = await prisma.domainEvent.findMany({
          where: { AND: [{ id: { gt: lastId.data }, ...(query.tenantId ? { tenantId: query.tenantId } : {}) }, readableEvents(principal)] },
          orderBy: { id: 'asc' }, take: 500,
        });
        for (const event of missed.filter(wanted)) {
          sent.add(event.id);
          stream.send(event.type, { id: event.id, tenantId: event.tenantId, type: event.type, workflowId: event.workflowId, at: event.at.toISOString(), data: event.data }, event.id);
        }
      }
      for (const notice of pending.splice(0)) if (!sent.has(notice.id)) await send(notice);
      live = true;
      await stream.closed;
      unsubscribe();
    },
  });

  api.route(router, {
    method: 'get',
    path: '/runs/:workflowId/events',
    summary: "Server-sent events: one run's progress whenever it changes, then `closed`",
    tags: ['Live'],
    access: { type: 'run', action: 'read' },
    contentType: 'text/event-stream',
    params: z.object({ workflowId: z.string().min(1).max(300) }),
    response: z.string().describe('A text/event-stream'),
    handler: async ({ params, principal }, req, res) => {
      const run = await prisma.runSummary.findUnique({ where: { workflowId: params.workflowId } });
      principal.assert(run?.tenantId, 'run', 'read', `Run ${params.workflowId}`);
      const handle = temporal.workflow.getHandle(params.workflowId);
      // Once before the stream opens: a run Temporal no longer knows is a 404, Temporal out of reach a 503.
      await handle.describe();
      const stream = openStream(req, res);
      let gone = false;
      void stream.closed.then(() => { gone = true; });
      let last = '';
      while (!gone) {
        // The stream is open: no status can be answered any more, so a Temporal blip shows as UNKNOWN until it answers again.
        const description = await polled(() => handle.describe());
        const progress = await polled(() => handle.query<unknown>(progressQueryName));
        const text = JSON.stringify({ execution: description?.status.name ?? 'UNKNOWN', progress });
        if (text !== last) {
          last = text;
          stream.send('progress', JSON.parse(text));
        }
        if (description && description.status.name !== 'RUNNING') {
          stream.send('closed', { execution: description.status.name });
          res.end();
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    },
  });

  return router;
}
