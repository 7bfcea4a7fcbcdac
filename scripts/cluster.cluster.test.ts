// `npm run cluster` as an operator runs it, from an empty data directory: the production Temporal
// server on PostgreSQL, its Web UI, three workers and two API processes behind one address. A site
// onboarded through that address runs on the cluster (its run in PostgreSQL visibility with its
// search attributes), and completes once although a worker and an API process are killed mid-run.
// Temporal is behind Branchline's sign-in: the server refuses calls without a token carrying the
// permission, and the Web UI signs an SP admin in with their Branchline account, a tenant user to nothing.
// Also prints the figures the README quotes: time to serving and to warm, and each process's memory.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Connection, Client } from '@temporalio/client';
import { chromium } from 'playwright';
import pg from 'pg';
import { identityProviderClients, type IdentityProviderKeys } from '../api/identity-provider.ts';
import { searchAttributes } from '../domain/task-queues.ts';
import type { JournalEntry } from '../simulator/config-store.ts';
import { onboardingWorkflowId } from '../workflows/onboard-site.messages.ts';
import { ensureChromium } from './chromium.ts';
import { identityProviderKeysFile } from './cluster-identity.ts';
import { authorizationCode, claimsOf, clientCredentials } from './identity-testing.ts';
import { confirmedChanges, journalProblems } from './fault-invariants.ts';
import { relocatedClusterDirectory } from './postgres.ts';
import { resolveTemporalServer, resolveTemporalUiServer, temporalDatabases } from './temporal-cluster.ts';
import { alive, descendants, eventually, printedSignIn, signInAsPrinted } from './testing.ts';

const root = join(import.meta.dirname, '..');
// This machine's share of loopback and of the ports: the cluster's servers on an address of their
// own (CLUSTER_TEST_HOST, a x.y.0.1), its boxes from x.y.1.1.
const host = process.env['CLUSTER_TEST_HOST'] ?? '127.170.0.1';
const simulatorBaseAddress = host.replace(/\.\d+\.\d+$/, '.1.1');
const base = Number(process.env['CLUSTER_TEST_PORT_BASE'] ?? 41_000);
const ports = {
  front: base, apiMetrics: [base + 30, base + 31], temporal: base + 10, temporalUi: base + 20, postgres: base + 21, control: base + 22, identityProvider: base + 24,
};
const issuer = `http://${host}:${ports.identityProvider}`;
const webUiCallback = `http://${host}:${ports.temporalUi}/auth/sso/callback`;
const say = (line: string) => console.log(line);

/** The binaries the cluster runs, found (or built once) where `npm test` keeps its tools, and given to it by path. */
async function binaryEnv(): Promise<Record<string, string>> {
  const toolsDir = join(root, '.data', 'tools');
  const server = await resolveTemporalServer({ serverPath: process.env['TEMPORAL_SERVER_BINARY'], sqlToolPath: process.env['TEMPORAL_SQL_TOOL'], toolsDir, say });
  const ui = await resolveTemporalUiServer({ path: process.env['TEMPORAL_UI_SERVER_BINARY'], toolsDir, say });
  return { TEMPORAL_SERVER_BINARY: server.server, TEMPORAL_SQL_TOOL: server.sqlTool, TEMPORAL_UI_SERVER_BINARY: ui };
}

/** Resident memory of a process, in MiB: all of it (Rss), or its share of what it shares with others (Pss), which adds up. */
function memoryMiB(pid: number, kind: 'Rss' | 'Pss' = 'Rss'): number {
  const kib = new RegExp(`^${kind}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
  return Math.round(Number(kib ?? 0) / 1024);
}

/** The pids the cluster printed, by process name: at start, or since when it started one again. */
function printedPids(output: string): Record<string, number> {
  const line = /Processes\s+(.*) \(pid\)/.exec(output)?.[1] ?? '';
  const pids = Object.fromEntries(line.split(', ').map((entry) => entry.split(' ')).map(([name, pid]) => [name!, Number(pid)]));
  for (const [, name, pid] of output.matchAll(/(\S+) started again \(pid (\d+)\)/g)) pids[name!] = Number(pid);
  return pids;
}

const metricsCount = async (port: number, route: string) => {
  const text = await (await fetch(`http://${host}:${port}/metrics`)).text();
  const pattern = new RegExp(`^branchline_api_request_duration_seconds_count\\{[^}]*route="${route.replace(/\//g, '\\/')}"[^}]*\\} (\\d+)$`, 'gm');
  return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
};

const clientsOf = (keys: IdentityProviderKeys) => ({
  service: { issuer, id: identityProviderClients.service, secret: keys.serviceSecret },
  webUi: { issuer, id: identityProviderClients.webUi, secret: keys.webUiSecret, redirectUri: webUiCallback },
});

/** An access token by the client-credentials grant, as Branchline's processes get theirs. */
async function serviceToken(keys: IdentityProviderKeys): Promise<string> {
  const answer = await clientCredentials(clientsOf(keys).service);
  assert.equal(answer.status, 200);
  return answer.body['access_token']!;
}

/** A person's access token, by the authorization-code flow the Web UI runs. */
async function personToken(keys: IdentityProviderKeys, email: string, password: string): Promise<string> {
  const answer = await authorizationCode(clientsOf(keys).webUi, { email, password });
  assert.ok('accessToken' in answer, JSON.stringify(answer));
  return answer.accessToken;
}

/** What the frontend answers a list of runs with this token (or none): their count, or the gRPC status of its refusal. */
async function listRunsWith(token: string | undefined): Promise<{ runs: number } | { refused: number | undefined }> {
  try {
    const connection = await Connection.connect({ address: `${host}:${ports.temporal}`, tls: false, ...(token ? { apiKey: token } : {}) });
    try {
      let runs = 0;
      for await (const _run of new Client({ connection, namespace: 'default' }).workflow.list()) runs++;
      return { runs };
    } finally {
      await connection.close();
    }
  } catch (error) {
    return { refused: ((error as Error).cause as { code?: number } | undefined)?.code };
  }
}

const grpcPermissionDenied = 7;
const grpcUnauthenticated = 16;

/** A GET's status, on a connection opened for it alone and closed after. */
function statusOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('npm run cluster', { timeout: 1_200_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'branchline-cluster-'));
  const dataDir = join(home, '.data');
  let child: ChildProcess | undefined;
  let output = '';
  let started = 0;
  let servingAfterMs = 0;
  /** The onboarding run the second test makes, which the Web UI lists to the SP admin. */
  let onboardingRun = '';
  /** A tenant's administrator: everything in Branchline for their tenant, nothing in the Web UI. */
  const tenantUser = { email: 'ops@globex.example', password: 'a-long-password-for-globex' };
  const identityKeys = () => JSON.parse(readFileSync(identityProviderKeysFile(join(dataDir, 'cluster', 'identity-provider')), 'utf8')) as IdentityProviderKeys;

  after(async () => {
    if (child && child.exitCode === null) {
      const below = descendants(child.pid!);
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(below.filter(alive), [], 'Ctrl-C leaves no child process behind');
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(relocatedClusterDirectory(join(dataDir, 'cluster', 'postgres')), { recursive: true, force: true });
  });

  it('comes up from an empty data directory, one address answering from both API processes', async () => {
    const binaries = await binaryEnv();
    started = Date.now();
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts'], {
      cwd: root,
      detached: true, // its own process group, as a terminal gives it: Ctrl-C goes to the whole group
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, ...binaries,
        DATA_DIR: dataDir, CLUSTER_PORT_BASE: String(base), CLUSTER_HOST: host, HOST: host,
        SIMULATOR_DEVICES: '3', SIMULATOR_MODELS: 'SRX-SIM-300', DEMO_NETWORK: 'false', SIMULATOR_BASE_ADDRESS: simulatorBaseAddress,
        DATABASE_URL: '', TEMPORAL_ADDRESS: '', NODE_ENV: 'development', LOG_LEVEL: 'info',
      },
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await eventually('the cluster did not come up', async () => ({ output, exited: child!.exitCode }), (state) => {
      if (state.exited !== null) assert.fail(`npm run cluster exited (${state.exited}):\n${output}`);
      return output.includes('production topology is running');
    }, 600_000);
    servingAfterMs = Date.now() - started;

    assert.match(output, new RegExp(`UI\\s+http://${host.replaceAll('.', '\\.')}:${ports.front}/`));
    assert.match(output, /Temporal\s+\S+ \(server 1\.29\.1, Web UI 2\.42\.1\), on PostgreSQL/);
    const pids = printedPids(output);
    assert.deepEqual(Object.keys(pids).sort(), ['api-1', 'api-2', 'simulator', 'temporal', 'temporal-ui', 'worker-1', 'worker-2', 'worker-3']);
    // The front balances connections, not requests: each request on a connection of its own (fetch
    // would reuse one, and every request would reach the same process).
    for (let i = 0; i < 6; i++) assert.equal(await statusOnNewConnection(`http://${host}:${ports.front}/api/docs`), 200);
    for (const port of ports.apiMetrics) assert.ok((await metricsCount(port, '/api/docs')) >= 1, `the API process with metrics on ${port} answered through the front`);
    // The Web UI's server talks to this cluster, to those who show a token: it lists the namespace the cluster made.
    assert.equal((await fetch(`http://${host}:${ports.temporalUi}/api/v1/namespaces`)).status, 401);
    const admin = printedSignIn(output);
    const adminToken = await personToken(identityKeys(), admin.email, admin.password);
    const namespaces = (await (await fetch(`http://${host}:${ports.temporalUi}/api/v1/namespaces`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { namespaces: { namespaceInfo: { name: string } }[] };
    assert.ok(namespaces.namespaces.some((n) => n.namespaceInfo.name === 'default'), JSON.stringify(namespaces));
  });

  it('onboards a site through the front, on the PostgreSQL-backed server, once although a worker and an API process are killed mid-run', async () => {
    assert.ok(child, 'the cluster is up');
    const api = await signInAsPrinted(output, `http://${host}:${ports.front}`);
    const control = `http://${host}:${ports.control}`;
    const [box] = (await (await fetch(`${control}/devices`)).json()) as { serial: string; model: string }[];
    const { body: tenants } = await api<{ items: { id: string; slug: string }[] }>('GET', '/tenants?limit=100');
    const tenantId = tenants.items.find((t) => t.slug === 'globex-logistics')!.id;
    const created = await api<{ id: string; activationCodes: { code: string }[] }>('POST', '/sites', {
      tenantId, name: 'Ghent depot', timezone: 'Europe/Brussels', tags: [], topology: 'full_mesh',
      devices: [{ role: 'primary', model: box!.model, serial: box!.serial }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40 }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const siteId = created.body.id;
    onboardingRun = onboardingWorkflowId(siteId);
    assert.equal((await api('POST', `/sites/${siteId}/onboarding`, {})).status, 202);

    // The run waits for its box: one worker and one API process die now, without a chance to finish anything.
    const before = printedPids(output);
    for (const name of ['worker-1', 'api-1']) process.kill(before[name]!, 'SIGKILL');
    await fetch(`${control}/devices/${box!.serial}/activation-code`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: created.body.activationCodes[0]!.code }),
    });
    // A connection kept open to the killed API process is cut (the front balances connections, not
    // requests): as a browser would, the next read opens another.
    const site = await eventually('the site did not become active', async () => (await api<{ status: string; statusReason: string | null }>('GET', `/sites/${siteId}`).catch(() => undefined))?.body, (s) => s?.status === 'active' || s?.status === 'failed', 300_000);
    assert.equal(site?.status, 'active', site?.statusReason ?? '');
    const warmAfterMs = Date.now() - started;
    for (const name of ['worker-1', 'api-1']) {
      assert.match(output, new RegExp(`${name} exited \\(code \\d+\\); starting it again`));
      assert.notEqual(printedPids(output)[name], before[name], `${name} was started again`);
    }

    // The run is the cluster's, found by its search attributes in visibility…
    // Through the frontend that checks tokens, with the token Branchline's processes get.
    const connection = await Connection.connect({ address: `${host}:${ports.temporal}`, tls: false, apiKey: await serviceToken(identityKeys()) });
    try {
      const client = new Client({ connection, namespace: 'default' });
      const runs = await eventually('visibility did not show the run closed', async () => {
        const found: { workflowId: string; status: string; tenant: unknown }[] = [];
        for await (const run of client.workflow.list({ query: `${searchAttributes.site.name} = '${siteId}'` })) {
          found.push({ workflowId: run.workflowId, status: run.status.name, tenant: run.searchAttributes[searchAttributes.tenant.name] });
        }
        return found.filter((run) => run.workflowId === onboardingWorkflowId(siteId));
      }, (found) => found.length > 0 && found.every((run) => run.status !== 'RUNNING'), 60_000);
      assert.deepEqual(runs, [{ workflowId: onboardingWorkflowId(siteId), status: 'COMPLETED', tenant: [tenantId] }], 'one run, completed, with its tenant');
    } finally {
      await connection.close();
    }
    // …which the server keeps in PostgreSQL.
    const password = readFileSync(join(dataDir, 'cluster', 'postgres', 'password'), 'utf8').trim();
    const visibility = new pg.Client({ connectionString: `postgresql://branchline:${encodeURIComponent(password)}@${host}:${ports.postgres}/${temporalDatabases.visibility}` });
    await visibility.connect();
    try {
      const rows = await visibility.query<{ status: number; search_attributes: unknown }>('SELECT status, search_attributes FROM executions_visibility WHERE workflow_id = $1', [onboardingWorkflowId(siteId)]);
      assert.equal(rows.rowCount, 1);
      assert.ok(JSON.stringify(rows.rows[0]!.search_attributes).includes(siteId), JSON.stringify(rows.rows[0]));
    } finally {
      await visibility.end();
    }
    // The box was configured once: no change committed twice, none left unconfirmed.
    const journal = (await (await fetch(`${control}/devices/${box!.serial}/journal`)).json()) as JournalEntry[];
    assert.deepEqual(journalProblems(journal), []);
    assert.ok(confirmedChanges(journal) >= 1);

    // The figures: from nothing to serving and to warm, and each process's memory after the onboarding.
    const pids = printedPids(output);
    const postgres = descendants(child!.pid!).find((pid) => / -D /.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')))!;
    // PostgreSQL is a process per connection sharing its buffers: their shares, summed.
    const postgresPss = [postgres, ...descendants(postgres)].reduce((sum, pid) => sum + memoryMiB(pid, 'Pss'), 0);
    const rssMiB: Record<string, number> = { supervisor: memoryMiB(child!.pid!) };
    for (const [name, pid] of Object.entries(pids)) rssMiB[name] = memoryMiB(pid);
    console.log(JSON.stringify({ servingAfterSeconds: servingAfterMs / 1000, warmAfterSeconds: warmAfterMs / 1000, rssMiB, postgresPssMiB: postgresPss, postgresProcesses: descendants(postgres).length + 1 }));
  });
  it('refuses a frontend call without a token, with a token it did not sign, or with one without the permission', async () => {
    assert.ok(child, 'the cluster is up');
    const keys = identityKeys();
    assert.deepEqual(await listRunsWith(undefined), { refused: grpcPermissionDenied }, 'no token');

    // A token naming the identity provider's key and granting everything, signed with another key.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: keys.signingKey['kid'] })}.${part({ iss: issuer, sub: 'intruder', iat: now, exp: now + 600, permissions: ['temporal-system:admin', 'default:admin'] })}`;
    const forged = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
    const refusedForged = await listRunsWith(forged);
    assert.ok('refused' in refusedForged && [grpcPermissionDenied, grpcUnauthenticated].includes(refusedForged.refused!), JSON.stringify(refusedForged));

    // A tenant's administrator signs in at the identity provider, and their token carries no permission.
    const api = await signInAsPrinted(output, `http://${host}:${ports.front}`);
    const { body: roles } = await api<{ items: { id: string; name: string }[] }>('GET', '/roles');
    const { body: tenants } = await api<{ items: { id: string; slug: string }[] }>('GET', '/tenants?limit=100');
    const created = await api('POST', '/users', {
      email: tenantUser.email, displayName: 'Globex operations', password: tenantUser.password,
      bindings: [{ roleId: roles.items.find((role) => role.name === 'Tenant admin')!.id, tenantId: tenants.items.find((t) => t.slug === 'globex-logistics')!.id }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const tenantToken = await personToken(keys, tenantUser.email, tenantUser.password);
    assert.deepEqual(claimsOf(tenantToken).permissions, []);
    assert.deepEqual(await listRunsWith(tenantToken), { refused: grpcPermissionDenied }, 'a token without the permission');

    // The SP admin's token and Branchline's carry theirs, and list the runs.
    const admin = printedSignIn(output);
    const adminToken = await personToken(keys, admin.email, admin.password);
    assert.deepEqual(claimsOf(adminToken).permissions, ['temporal-system:admin', 'default:admin']);
    const branchlineToken = await serviceToken(keys);
    assert.deepEqual(claimsOf(branchlineToken).permissions, ['default:admin']);
    for (const token of [adminToken, branchlineToken]) {
      const answer = await listRunsWith(token);
      assert.ok('runs' in answer && answer.runs >= 1, JSON.stringify(answer));
    }
  });

  it('signs an SP admin in to the Web UI with their Branchline account, to the list of runs; a tenant user to nothing', async () => {
    assert.ok(onboardingRun && child, 'a site was onboarded on the cluster');
    const executablePath = ensureChromium(say);
    const browser = await chromium.launch({ headless: true, args: ['--no-sandbox'], ...(executablePath ? { executablePath } : {}) });
    try {
      const signIn = async (email: string, password: string) => {
        const page = await (await browser.newContext()).newPage();
        // A visitor who has not signed in is sent to sign in, then to Branchline's sign-in form.
        await page.goto(`http://${host}:${ports.temporalUi}/namespaces/default/workflows`);
        await page.waitForURL(/\/login\?/);
        await page.getByRole('button', { name: 'Continue to SSO' }).click();
        await page.waitForURL((url) => url.origin === issuer);
        await page.getByRole('heading', { name: 'Sign in to the Temporal Web UI' }).waitFor();
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        return page;
      };
      const admin = printedSignIn(output);
      const wrong = await signIn(admin.email, 'not-the-password');
      await wrong.getByRole('alert').filter({ hasText: 'The email or the password is wrong' }).waitFor();
      await wrong.close();

      const page = await signIn(admin.email, admin.password);
      await page.waitForURL(`http://${host}:${ports.temporalUi}/namespaces/default/workflows`);
      await page.getByRole('link', { name: onboardingRun }).first().waitFor({ timeout: 60_000 });

      const tenant = await signIn(tenantUser.email, tenantUser.password);
      await tenant.waitForURL(/\/login\?.*error=Request\+unauthorized/);
      assert.equal(await tenant.getByText(onboardingRun).count(), 0);
    } finally {
      await browser.close();
    }
  });
});
