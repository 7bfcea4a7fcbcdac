// Live streams under load (issue 20, hazard 10): browsers following one run share one reader of
// its progress, and a browser that stops reading is dropped before what waits for it grows
// without bound. The API runs against the real Temporal server and PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { eventChannel } from '../domain/events.ts';
import { seedDemo } from '../prisma/seed.ts';
import { connectTestClient, createTestDatabase, eventually, listenTestApi, signInAs, type TestDatabase } from '../scripts/testing.ts';

/** The client the API is given, counting the progress queries it makes. */
function countingQueries(client: Client): { temporal: Client; queries: () => number } {
  let queries = 0;
  const bound = <T extends object>(target: T, key: string | symbol) => {
    const value = Reflect.get(target, key) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  const workflow = new Proxy(client.workflow, {
    get: (target, key) => key !== 'getHandle' ? bound(target, key) : (...args: Parameters<typeof target.getHandle>) => new Proxy(target.getHandle(...args), {
      get: (handle, name) => {
        if (name === 'query') queries += 1;
        return bound(handle, name);
      },
    }),
  });
  return { temporal: new Proxy(client, { get: (target, key) => key === 'workflow' ? workflow : bound(target, key) }), queries: () => queries };
}

describe('live streams', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let client: Client;
  let closeClient: () => Promise<void>;
  let api: Awaited<ReturnType<typeof listenTestApi>>;
  let server: Server;
  let port: number;
  let cookie: string;
  let tenantId: string;
  let counting: ReturnType<typeof countingQueries>;

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    ({ client, close: closeClient } = await connectTestClient());
    counting = countingQueries(client);
    // A long interval: every query counted below is the first round's.
    api = await listenTestApi(database, counting.temporal, { temporalDeadlineMs: 2_000, runPollIntervalMs: 120_000 });
    ({ server, port } = api);
    cookie = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
  });
  after(async () => {
    await api?.close();
    await closeClient?.();
    await database?.drop();
  });

  /** Opens a stream and gathers the names of the events it receives. */
  function follow(path: string): Promise<{ received: string[]; response: IncomingMessage }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { cookie, accept: 'text/event-stream' } }, (response) => {
        const received: string[] = [];
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          for (const match of chunk.matchAll(/^event: (\w+)$/gm)) received.push(match[1]!);
        });
        resolve({ received, response });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it("one run followed by five browsers is queried once an interval, not once per browser", async () => {
    // A run no worker takes up: it stays RUNNING, and its query waits for the deadline.
    const workflowId = `test-stream/${randomUUID()}`;
    const handle = await client.workflow.start('onboardSite', { taskQueue: `test-streams-${randomUUID()}`, workflowId, args: [{}] });
    await database.prisma.runSummary.create({ data: { workflowId, runId: handle.firstExecutionRunId, kind: 'site_onboarding', tenantId } });
    const before = counting.queries();
    const streams = await Promise.all(Array.from({ length: 5 }, () => follow(`/api/v1/runs/${encodeURIComponent(workflowId)}/events`)));
    try {
      for (const stream of streams) assert.equal(stream.response.statusCode, 200);
      await eventually('every browser has the progress', async () => streams.map((s) => s.received.length), (counts) => counts.every((n) => n >= 1), 60_000);
      assert.equal(counting.queries() - before, 1, 'one query for all five');
    } finally {
      for (const stream of streams) stream.response.destroy();
      await handle.terminate('the test has read what it needs');
    }
  });

  it('drops a browser that reads nothing once what waits for it passes the bound', async () => {
    // A raw connection that sends its request and never reads a byte of the answer.
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\n\r\n`);
    await eventually('the stream is open', () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n))), (n) => n === 1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // its subscription to the events

    const notify = new pg.Client({ connectionString: database.url });
    await notify.connect();
    try {
      // About 20 MB of events, more than the socket's buffers and the stream's bound together.
      const filler = 'x'.repeat(7_000);
      for (let i = 0; i < 3_000; i++) {
        const notice = { id: randomUUID(), tenantId, type: 'site.activated', workflowId: null, at: new Date().toISOString(), data: { filler } };
        await notify.query('SELECT pg_notify($1, $2)', [eventChannel, JSON.stringify(notice)]);
      }
    } finally {
      await notify.end();
    }
    const open = await eventually('the stalled browser is dropped', () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n))), (n) => n === 0, 90_000);
    socket.destroy();
    assert.equal(open, 0, 'the connection of the browser that reads nothing is closed');
  });
});
