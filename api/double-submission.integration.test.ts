// F13, double submission of the routes that start runs: the same request twice with one
// Idempotency-Key gets the first answer back and starts one run; twice at once with no key (a
// double click) starts one run, the second answered 409 (400 where its name is the first's) or with the same run. Against the real
// Temporal server (no worker: the runs wait, which is all the test needs) and PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { emptyIntent } from '../domain/intent.ts';
import { seedDemo } from '../prisma/seed.ts';
import { connectTestClient, createTestDatabase, listenTestApi, runsStartedSince, signInAs, type TestDatabase } from '../scripts/testing.ts';

interface StartRoute {
  name: string;
  workflowType: string;
  path: () => string;
  body: () => object;
  /** Each test starts what no earlier one did, so the double click's second is refused (409) naming the first's run. */
  refusesTheSecond?: boolean;
}

describe('double submission of every start route', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let client: Client;
  let closeClient: () => Promise<void>;
  let api: Awaited<ReturnType<typeof listenTestApi>>;
  let url: string;
  let cookie: string;
  const ids: Record<string, string> = {};

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    ({ client, close: closeClient } = await connectTestClient());
    api = await listenTestApi(database, client);
    ({ url } = api);
    cookie = (await signInAs(database.prisma, { role: 'SP admin' })).cookie;

    // Sites in service, each with its box online (on its own loopback address of this test's range).
    const prisma = database.prisma;
    const inService = async (name: string, n: number) => {
      const site = await prisma.site.update({ where: { id: (await prisma.site.findFirstOrThrow({ where: { name } })).id }, data: { status: 'active' }, include: { devices: true } });
      const device = await prisma.device.update({
        where: { id: site.devices[0]!.id }, data: { serial: `BLSDBL000${n}`, status: 'online', managementAddress: `127.247.0.${n}`, softwareVersion: '22.4R1' },
      });
      return { site, device };
    };
    const lyon = await inService('Lyon store', 1);
    const munich = await inService('Munich store', 2);
    const rotterdam = await inService('Rotterdam depot', 3);
    const antwerp = await inService('Antwerp depot', 4);
    const porto = await prisma.site.findFirstOrThrow({ where: { name: 'Porto store' } });
    const image = await prisma.firmwareImage.create({ data: { model: lyon.device.model, version: '23.1R1', sha256: 'e'.repeat(64), sizeBytes: 100, fileName: 'double.img' } });
    // Two earlier policy versions to roll back to, and two finished deployments with a failed site to retry.
    const deployment = (version: number, status: 'completed' | 'completed_with_failures') => prisma.policyDeployment.create({
      data: {
        tenantId: lyon.site.tenantId, version, status, intent: { ...emptyIntent, departments: [{ name: `Version ${version}` }] },
        sites: { create: [{ siteId: lyon.site.id, status: status === 'completed' ? 'deployed' : 'failed' }] },
      },
    });
    for (const version of [90, 91]) await deployment(version, 'completed');
    ids['retried1'] = (await deployment(92, 'completed_with_failures')).id;
    ids['retried2'] = (await deployment(93, 'completed_with_failures')).id;
    Object.assign(ids, {
      tenantId: lyon.site.tenantId, porto: porto.id, munich: munich.site.id, lyon: lyon.site.id, lyonDevice: lyon.device.id,
      rotterdamDevice: rotterdam.device.id, antwerpDevice: antwerp.device.id, imageId: image.id,
    });
  });
  after(async () => {
    await api?.close();
    await closeClient?.();
    await database?.drop();
  });

  const post = async (path: string, body: object, key?: string) => {
    const response = await fetch(url + path, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as Record<string, unknown> };
  };

  let campaigns = 0;
  let rollbacks = 0;
  let retries = 0;
  const routes: StartRoute[] = [
    { name: 'site onboarding', workflowType: 'onboardSite', path: () => `/api/v1/sites/${ids['porto']}/onboarding`, body: () => ({}) },
    { name: 'decommission', workflowType: 'decommissionSite', path: () => `/api/v1/sites/${ids['munich']}/decommission`, body: () => ({}) },
    { name: 'device upgrade', workflowType: 'upgradeDevice', path: () => `/api/v1/devices/${ids['lyonDevice']}/upgrade`, body: () => ({ imageId: ids['imageId'] }) },
    {
      name: 'upgrade campaign', workflowType: 'upgradeCampaign', path: () => '/api/v1/upgrade-campaigns',
      body: () => ({ tenantId: ids['tenantId'], name: `Double click ${(campaigns += 1)}`, imageId: ids['imageId'], strategy: 'all_at_once' }),
    },
    { name: 'RMA', workflowType: 'rma', path: () => `/api/v1/devices/${ids['rotterdamDevice']}/rma`, body: () => ({ newSerial: 'BLSDBL0099' }) },
    { name: 'policy deployment', workflowType: 'deployPolicy', path: () => `/api/v1/tenants/${ids['tenantId']}/policy-deployments`, body: () => ({}) },
    {
      name: 'policy rollback', workflowType: 'deployPolicy', path: () => `/api/v1/tenants/${ids['tenantId']}/policy-rollback`,
      body: () => ({ version: 90 + rollbacks++ }), refusesTheSecond: true,
    },
    // The body is read first: it picks the deployment the test retries.
    {
      name: 'policy retry', workflowType: 'deployPolicy', path: () => `/api/v1/policy-deployments/${ids[`retried${retries}`]}/retry`,
      body: () => ((retries += 1), {}), refusesTheSecond: true,
    },
    { name: 'credential rotation', workflowType: 'rotateCredentials', path: () => `/api/v1/devices/${ids['antwerpDevice']}/credential-rotation`, body: () => ({}) },
    { name: 'SLA push', workflowType: 'applySlaPolicies', path: () => `/api/v1/sites/${ids['lyon']}/sla-policies/push`, body: () => ({}) },
  ];

  for (const route of routes) {
    it(`${route.name} › sent twice with one Idempotency-Key › answers the first answer twice and starts one run`, async () => {
      const since = new Date();
      const key = randomUUID();
      const body = route.body();
      const first = await post(route.path(), body, key);
      const second = await post(route.path(), body, key);
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.deepEqual([second.status, second.body], [first.status, first.body]);
      assert.equal((await runsStartedSince(client, route.workflowType, since)).length, 1, 'one run started');
    });

    it(`${route.name} › sent twice at once with no key (a double click) › starts one run, and no answer is a 5xx`, async () => {
      const since = new Date();
      // The same request, as a browser sends it twice: a campaign's name is the operator's, the same both times.
      const body = route.body();
      const answers = await Promise.all([post(route.path(), body), post(route.path(), body)]);
      for (const answer of answers) assert.ok(answer.status < 500, `${answer.status} ${JSON.stringify(answer.body)}`);
      // Each starts or joins the run, or is refused as its route refuses a second one: 409, or 400
      // where its name is taken by the first (a campaign's).
      for (const answer of answers) assert.ok([202, 400, 409].includes(answer.status), `${answer.status} ${JSON.stringify(answer.body)}`);
      if (route.refusesTheSecond) {
        assert.deepEqual(answers.map((a) => a.status).sort(), [202, 409], JSON.stringify(answers));
        const [taken, refused] = [answers.find((a) => a.status === 202)!.body, answers.find((a) => a.status === 409)!.body];
        assert.equal(refused['workflowId'], taken['workflowId'], `the refusal names the run: ${JSON.stringify(refused)}`);
      }
      const started = answers.filter((a) => a.status === 202 && a.body['started'] !== false);
      assert.ok(started.length <= 1, `${started.length} answers say they started a run: ${JSON.stringify(answers)}`);
      assert.ok((await runsStartedSince(client, route.workflowType, since)).length <= 1, 'at most one run started (none when the first pair\'s run was joined)');
    });
  }
});
