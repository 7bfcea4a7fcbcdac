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
import { RunProgressPollers } from '../run-progress.ts';
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

/** What a listener that does not read may have waiting for it, and for how long, before it is dropped. */
export const slowListenerBound = { bytes: 1024 * 1024, waitMs: 60_000 };

/**
 * Opens the stream; the returned promise settles when the browser goes away. Writes wait for the
 * socket to drain: meanwhile they queue (a progress snapshot replaces the one queued before it),
 * and a browser that reads nothing past `slowListenerBound` is dropped (it reconnects, with
 * Last-Event-ID for the events), so a stalled reader costs the API a bounded amount of memory.
 */
function openStream(req: Request, res: Response): { send(event: string, data: unknown, id?: string): void; end(): void; closed: Promise<void> } {
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const queued: { chunk: string; replaces?: string }[] = [];
  let queuedBytes = 0;
  let stalled: NodeJS.Timeout | undefined;
  const drop = () => {
    queued.length = 0;
    queuedBytes = 0;
    res.destroy();
  };
  let ending = false;
  const flush = () => {
    clearTimeout(stalled);
    stalled = undefined;
    while (queued.length > 0) {
      const { chunk } = queued.shift()!;
      queuedBytes -= Buffer.byteLength(chunk);
      if (!res.write(chunk)) return waitForDrain();
    }
    if (ending) res.end();
  };
  const waitForDrain = () => {
    stalled = setTimeout(drop, slowListenerBound.waitMs);
    res.once('drain', flush);
  };
  const write = (chunk: string, replaces?: string) => {
    if (res.destroyed || res.writableEnded) return;
    if (stalled === undefined) {
      if (!res.write(chunk)) waitForDrain();
      return;
    }
    const earlier = replaces === undefined ? -1 : queued.findIndex((q) => q.replaces === replaces);
    if (earlier >= 0) queuedBytes -= Buffer.byteLength(queued.splice(earlier, 1)[0]!.chunk);
    queued.push({ chunk, ...(replaces === undefined ? {} : { replaces }) });
    queuedBytes += Buffer.byteLength(chunk);
    if (queuedBytes > slowListenerBound.bytes) drop();
  };
  write('retry: 3000\n\n');
  const heartbeat = setInterval(() => write(': keep-alive\n\n', 'keep-alive'), 15_000);
  const closed = new Promise<void>((resolve) => req.on('close', () => {
    clearInterval(heartbeat);
    clearTimeout(stalled);
    resolve();
  }));
  return {
    // One run's progress is a state: only its latest snapshot matters to a browser behind.
    send: (event, data, id) => write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, event === 'progress' ? 'progress' : undefined),
    /** Ends the stream once what is queued is written. */
    end: () => {
      ending = true;
      if (stalled === undefined) res.end();
    },
    closed,
  };
}

export function streamsRouter(
  api: ApiDefinition,
  deps: { prisma: PrismaClient; temporal: Client; events: EventHub; temporalDeadlineMs: number; runPollIntervalMs?: number },
): Router {
  const router = Router();
  const { prisma, temporal, events } = deps;
  /** A poll of an open stream waits for Temporal as long as a request does, counted from the poll. */
  const polled = <T>(call: () => Promise<T>) => temporal.withDeadline(Date.now() + deps.temporalDeadlineMs, call).catch(() => undefined);
  const runs = new RunProgressPollers(async (workflowId) => {
    const handle = temporal.workflow.getHandle(workflowId);
    // The stream is open: no status can be answered any more, so a Temporal blip shows as UNKNOWN until it answers again.
    const description = await polled(() => handle.describe());
    const progress = await polled(() => handle.query<unknown>(progressQueryName));
    return { execution: description?.status.name ?? 'UNKNOWN', progress };
  }, deps.runPollIntervalMs);

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
        end: () => stream.end(),
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
      await new Promise<void>((resolve) => {
        const unfollow = runs.follow(params.workflowId, {
          progress: (snapshot) => stream.send('progress', snapshot),
          closed: (execution) => {
            stream.send('closed', { execution });
            stream.end();
            resolve();
          },
        });
        void stream.closed.then(() => {
          unfollow();
          resolve();
        });
      });
    },
  });

  return router;
}
