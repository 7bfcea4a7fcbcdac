// The whole API under generated requests: schemathesis (PyPI, installed by npm test) reads the
// OpenAPI document and sends what it declares and what it does not — values out of range, wrong
// types, NUL characters, cookies of its own making — signed in as an SP admin, so the requests
// reach the handlers, PostgreSQL and Temporal. Bad input is the caller's error: no answer may be a 5xx.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { connectTestClient, createTestDatabase, signInAs, testServices, type TestDatabase } from '../scripts/testing.ts';
import { searchAttributes } from '../domain/task-queues.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });
/** Per operation: about 3,000 requests in all, a minute or two. */
const examplesPerOperation = 40;

function fuzzerPythonPath(): string {
  const pythonPath = process.env['BRANCHLINE_FUZZ_PYTHONPATH'];
  if (!pythonPath) throw new Error('The fuzz test needs schemathesis, which npm test installs: run it through `npm test` (or `npm run test:integration`).');
  return pythonPath;
}

/** Runs schemathesis to its end; its exit code and output, whatever they are. */
function schemathesis(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('python3', ['-m', 'schemathesis.cli', ...args], { ...options, timeout: 10 * 60_000, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('API under generated requests', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectTestClient>>;
  let events: EventHub;
  let server: Server;
  let url: string;
  let cookie: string;
  const scratch = mkdtempSync(join(tmpdir(), 'fuzz-'));
  const answers: { method: string; url: string; status: number }[] = [];

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    events = new EventHub(database.url, silent);
    cookie = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: 'http://localhost:8233',
      images: new ImageStore(join(scratch, 'images')), events,
      // One caller sends everything: the rate limit would answer most of it 429.
      rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
      secretsKey: randomBytes(32),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('request', (req, res) => res.on('finish', () => answers.push({ method: req.method ?? '', url: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '', status: res.statusCode })));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    // Runs the requests started wait for a worker that never comes; none may outlive the test.
    const tenants = (await database.prisma.tenant.findMany({ select: { id: true } })).map((tenant) => `'${tenant.id}'`);
    for await (const run of temporal.client.workflow.list({ query: `${searchAttributes.tenant.name} IN (${tenants.join(', ')}) AND ExecutionStatus = 'Running'` })) {
      await temporal.client.workflow.getHandle(run.workflowId, run.runId).terminate('the fuzz test is over').catch(() => undefined);
    }
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await events.close();
    await temporal.close();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers every request, valid or not, without a server error', async (t) => {
    // Signed in as the SP admin; in the cases about authentication it sends other cookies and tokens of its own making.
    const config = join(scratch, 'schemathesis.toml');
    writeFileSync(config, '[auth.openapi.session]\napi_key = "${BRANCHLINE_FUZZ_SESSION}"\n');
    const run = await schemathesis([
      '--config-file', config,
      'run', `${url}/api/v1/openapi.json`, '--url', url,
      '--checks', 'not_a_server_error',
      // Random requests per operation, and sequences of them through the links it infers: about 3,000 requests.
      '--phases', 'fuzzing,stateful', '--max-examples', String(examplesPerOperation), '--seed', '20261129',
      // Server-sent events never end; signing out would leave the rest unauthenticated.
      '--exclude-path-regex', '/events$', '--exclude-name', 'DELETE /api/v1/session',
      // One worker: Python 3.11's parser is not safe across threads, and schemathesis parses as it generates.
      '--workers', '1',
      '--request-timeout', '20', '--no-shrink', '--no-color', '--generation-database', 'none',
    ], { cwd: scratch, env: { ...process.env, PYTHONPATH: fuzzerPythonPath(), BRANCHLINE_FUZZ_SESSION: cookie.slice(cookie.indexOf('=') + 1) } });

    const serverErrors = answers.filter((answer) => answer.status >= 500);
    const unauthenticated = answers.filter((answer) => answer.status === 401);
    t.diagnostic(`${answers.length} requests, ${serverErrors.length} answered 5xx, ${unauthenticated.length} answered 401`);
    assert.deepEqual(serverErrors.map((answer) => `${answer.status} ${answer.method} ${answer.url}`), [], 'a server error: schemathesis tells how to reproduce it\n' + run.output.slice(-20_000));
    assert.equal(run.code, 0, run.output.slice(-20_000));
    assert.ok(answers.length > 1000, `only ${answers.length} requests were sent`);
    // Signed in, the requests reach the handlers: 401 only where it sends credentials of its own or the route signs otherwise (ITSM, sign-in).
    assert.ok(unauthenticated.length < answers.length / 4, `${unauthenticated.length} of ${answers.length} requests answered 401`);
  });
});
