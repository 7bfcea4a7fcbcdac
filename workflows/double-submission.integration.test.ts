// F13, double submission of the routes that change a device after their start: a configuration
// rollback, re-apply or adoption; a VNF's instantiation, heal, scale and termination; a network
// service's instantiation and termination; a network-service campaign. Each is sent twice with one
// Idempotency-Key (the first answer twice, one run) and twice at once with none, as a double click
// sends it (one taken, the other refused with 409 naming the first), against the real Temporal
// server, a worker and a simulated NFX250 over NETCONF and SNMP: the box is changed once, which its
// commit journal and its VNF host's report show.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { recordDrift } from '../inventory/drift.ts';
import { confirmedChanges, journalProblems } from '../scripts/fault-invariants.ts';
import { catalogueVnf, startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, runsStartedSince, type TestDatabase } from '../scripts/testing.ts';
import { deviceConfigurationWorkflowId } from './device-configuration.messages.ts';
import { networkServiceCampaignWorkflowId } from './network-service-campaign.messages.ts';
import { networkServiceWorkflowId } from './network-service.messages.ts';
import { vnfWorkflowId } from './vnf-lifecycle.messages.ts';

const serial = 'BLS0000001';

type Answer = Record<string, unknown>;
interface Instance { id: string; name: string; status: string; flavour: string; live: { busy: boolean; lastOperation: { outcome: string } | null } | null }
interface Service { id: string; status: string; lastError: string | null; functions: { instanceId: string; name: string }[] }
interface HostReport { vnfs: { name: string; boots: number; definition: { memoryKiB: number } }[] }

describe('double submission of the routes that change a device', { timeout: 900_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let deviceId: string;
  let siteId: string;
  let tenantId: string;

  const box = () => lab.fleet.device(serial)!;
  const post = async (path: string, body: object, key?: string): Promise<{ status: number; body: Answer }> => {
    const response = await fetch(lab.apiUrl + path, {
      method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as Answer };
  };

  /** Sent twice with one Idempotency-Key: taken (202), and the same answer given again. */
  async function sentTwiceWithKey(path: string, body: object = {}): Promise<Answer> {
    const key = randomUUID();
    const first = await post(path, body, key);
    const second = await post(path, body, key);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.deepEqual([second.status, second.body], [first.status, first.body]);
    return first.body;
  }

  /** Sent twice at once with no key: one taken (202), the other refused (409) naming what the first started, as `names` reads it off the first's answer. */
  async function doubleClick(path: string, body: object = {}, names: (taken: Answer) => Answer = () => ({})): Promise<Answer> {
    const answers = await Promise.all([post(path, body), post(path, body)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [202, 409], JSON.stringify(answers));
    const taken = answers.find((a) => a.status === 202)!.body;
    const refused = answers.find((a) => a.status === 409)!.body;
    for (const [name, value] of Object.entries(names(taken))) assert.equal(refused[name], value, `the refusal names ${name}: ${JSON.stringify(refused)}`);
    return taken;
  }

  /** Branchline's changes confirmed on the box since its journal's entry `from`, none committed twice nor left unconfirmed. */
  const changesSince = (from: number) => {
    const journal = box().store.journal.slice(from);
    assert.deepEqual(journalProblems(journal), [], `${serial}'s commit journal`);
    return confirmedChanges(journal);
  };
  const oneRun = async (workflowType: string, since: Date) => assert.equal((await runsStartedSince(lab.client, workflowType, since)).length, 1, `one ${workflowType} run`);

  before(async () => {
    ({ database, lab } = await startSeededLab({
      models: ['NFX250'], baseAddress: '127.205.0.1', snmpPort: 22165, netconfPort: 22834, phoneHome: false, vnfGuests: { baseAddress: '127.205.1.1', bootMs: 200 },
    }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    ({ id: deviceId, siteId } = await database.prisma.device.findFirstOrThrow({ where: { serial } }));
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  describe('configuration rollback, re-apply and adoption', () => {
    const versions = () => database.prisma.configVersion.count({ where: { deviceId } });

    /** Someone at the box's CLI commits this, and reconciliation finds it. */
    async function drifted(user: string, system: string): Promise<void> {
      const edited = await fetch(`${lab.fleet.controlUrl}/devices/${serial}/config/hand-edit`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, configuration: `<configuration><system>${system}</system></configuration>` }),
      });
      assert.equal(edited.status, 200, await edited.text());
      const compared = await database.prisma.configVersion.findFirst({ where: { deviceId }, orderBy: { version: 'desc' }, select: { version: true } });
      await recordDrift(database.prisma, { deviceId, state: 'drifted', commitMarker: randomUUID(), comparedVersion: compared?.version ?? 0, diff: system, changedBy: user, changedAt: new Date() }, new Date());
    }

    /** Starts the route's run (as `start` sends it), waits for it, and answers Branchline's changes on the box and the versions recorded meanwhile. */
    async function once(workflowType: string, start: () => Promise<Answer>): Promise<{ changes: number; recorded: number }> {
      const [since, from, before] = [new Date(), box().store.journal.length, await versions()];
      const started = await start();
      assert.equal(started['workflowId'], deviceConfigurationWorkflowId(deviceId));
      const run = await eventually('the run did not end', async () => (await lab.api<{ execution: string }>('GET', `/api/v1/devices/${deviceId}/configuration-run`)).body,
        (r) => !!r.execution && r.execution !== 'RUNNING', 120_000);
      assert.equal(run.execution, 'COMPLETED', JSON.stringify(run));
      await oneRun(workflowType, since);
      return { changes: changesSince(from), recorded: (await versions()) - before };
    }
    const namesTheRun = (taken: Answer) => ({ workflowId: taken['workflowId'] });
    const adopt = () => `/api/v1/devices/${deviceId}/drift/adopt`;

    it('adopt › sent twice with one Idempotency-Key › one run records one version and commits nothing', async () => {
      await drifted('installer', '<host-name>nfx-one</host-name>');
      assert.deepEqual(await once('adoptConfiguration', () => sentTwiceWithKey(adopt())), { changes: 0, recorded: 1 });
    });

    it('adopt › sent twice at once with no key › one run, the second refused naming it', async () => {
      await drifted('alice', '<host-name>nfx-two</host-name>');
      assert.deepEqual(await once('adoptConfiguration', () => doubleClick(adopt(), {}, namesTheRun)), { changes: 0, recorded: 1 });
    });

    it('rollback › sent twice with one Idempotency-Key › one run changes the box once', async () => {
      assert.deepEqual(await once('restoreConfiguration', () => sentTwiceWithKey(`/api/v1/devices/${deviceId}/config-versions/1/rollback`)), { changes: 1, recorded: 1 });
    });

    it('rollback › sent twice at once with no key › one run changes the box once, the second refused naming it', async () => {
      assert.deepEqual(await once('restoreConfiguration', () => doubleClick(`/api/v1/devices/${deviceId}/config-versions/2/rollback`, {}, namesTheRun)), { changes: 1, recorded: 1 });
    });

    it('re-apply › sent twice with one Idempotency-Key › one run changes the box once', async () => {
      await drifted('bob', '<domain-name>one.example</domain-name>');
      assert.equal((await once('restoreConfiguration', () => sentTwiceWithKey(`/api/v1/devices/${deviceId}/drift/re-apply`))).changes, 1);
    });

    it('re-apply › sent twice at once with no key › one run changes the box once, the second refused naming it', async () => {
      await drifted('bob', '<domain-name>two.example</domain-name>');
      assert.equal((await once('restoreConfiguration', () => doubleClick(`/api/v1/devices/${deviceId}/drift/re-apply`, {}, namesTheRun))).changes, 1);
    });
  });

  describe('VNF instances', () => {
    let packageId: string;
    const healing = { intervalSeconds: 1, failuresBeforeUnhealthy: 2, cooldownSeconds: 30, maxAttempts: 3, bootWaitSeconds: 30 };
    const host = async () => (await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/vnfs`)).json()) as HostReport;
    const onHost = async (name: string) => (await host()).vnfs.find((v) => v.name === name);
    const instance = async (id: string) => (await lab.api<Instance>('GET', `/api/v1/vnf-instances/${id}`)).body;
    const settled = (id: string, what: string, holds: (i: Instance) => boolean) =>
      eventually(what, () => instance(id), (i) => i.live !== null && !i.live.busy && i.live.lastOperation?.outcome !== 'processing' && holds(i), 120_000);
    const operations = (id: string, action: string) => database.prisma.auditEntry.count({ where: { objectId: id, action: `vnf-instance.${action}` } });
    const instances: Record<'key' | 'click', Instance> = {} as Record<'key' | 'click', Instance>;

    before(async () => {
      packageId = await catalogueVnf(lab, { product: 'vsrx', version: '22.4R1', type: 'firewall', flavours: ['small', 'medium'] });
    });

    for (const way of ['key', 'click'] as const) {
      it(`instantiate › ${way === 'key' ? 'sent twice with one Idempotency-Key' : 'sent twice at once with no key'} › one instance, one run, one VNF on the uCPE`, async () => {
        const [since, vnfs, from] = [new Date(), (await host()).vnfs.length, box().store.journal.length];
        const path = `/api/v1/sites/${siteId}/vnf-instances`;
        const body = { packageId, flavour: 'small', parameters: { hostName: `fw-${way}` }, healing };
        const taken = way === 'key' ? await sentTwiceWithKey(path, body) : await doubleClick(path, body, (first) => ({ vnfInstanceId: first['id'], workflowId: vnfWorkflowId(first['id'] as string) }));
        instances[way] = await settled(taken['id'] as string, 'running', (i) => i.status === 'running');
        await oneRun('vnfLifecycle', since);
        assert.equal(await database.prisma.vnfInstance.count({ where: { config: { equals: body.parameters } } }), 1);
        assert.equal((await host()).vnfs.length, vnfs + 1);
        assert.equal((await onHost(instances[way].name))?.boots, 1);
        // Its definition, committed once.
        assert.equal(changesSince(from), 1);
      });
    }

    for (const way of ['key', 'click'] as const) {
      const send = (path: string, body: object = {}) => (way === 'key' ? sentTwiceWithKey(path, body) : doubleClick(path, body));
      const twice = way === 'key' ? 'sent twice with one Idempotency-Key' : 'sent twice at once with no key';

      it(`heal › ${twice} › the VNF restarted once`, async () => {
        const { id, name } = instances[way];
        const boots = (await onHost(name))!.boots;
        await send(`/api/v1/vnf-instances/${id}/heal`);
        await settled(id, 'healed', (i) => i.status === 'running');
        assert.equal((await onHost(name))!.boots, boots + 1);
        assert.equal(await operations(id, 'heal'), 1);
      });

      it(`scale › ${twice} › the VNF given its new flavour once`, async () => {
        const { id, name } = instances[way];
        const boots = (await onHost(name))!.boots;
        await send(`/api/v1/vnf-instances/${id}/scale`, { flavour: 'medium' });
        await settled(id, 'scaled', (i) => i.flavour === 'medium' && i.status === 'running');
        const vnf = (await onHost(name))!;
        assert.deepEqual([vnf.definition.memoryKiB, vnf.boots], [2048 * 1024, boots + 1]);
        assert.equal(await operations(id, 'scale'), 1);
      });

      it(`terminate › ${twice} › the VNF removed once`, async () => {
        const { id, name } = instances[way];
        const from = box().store.journal.length;
        await send(`/api/v1/vnf-instances/${id}/terminate`);
        await eventually('terminated', () => instance(id), (i) => i.status === 'terminated', 120_000);
        assert.equal(await onHost(name), undefined);
        assert.equal(await operations(id, 'terminate'), 1);
        // Its definition, removed once.
        assert.equal(changesSince(from), 1);
      });
    }
  });

  describe('network services and their campaigns', () => {
    const packages: string[] = [];
    let templateId: string;
    const services: Record<'key' | 'click', Service> = {} as Record<'key' | 'click', Service>;
    const healing = { intervalSeconds: 2, failuresBeforeUnhealthy: 2, cooldownSeconds: 30, maxAttempts: 3, bootWaitSeconds: 30 };
    const service = async (id: string) => (await lab.api<Service>('GET', `/api/v1/network-services/${id}`)).body;
    const vnfsOnHost = async () => ((await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/vnfs`)).json()) as HostReport).vnfs.length;

    before(async () => {
      for (const version of ['1.0', '1.1', '1.2']) packages.push(await catalogueVnf(lab, { product: 'vsrx', version, type: 'firewall', chained: true }));
      const template = await lab.api<{ id: string }>('POST', '/api/v1/network-service-templates', {
        tenantId, name: 'double-edge', description: 'a firewall', functions: [{ packageId: packages[0], flavour: 'small' }],
      });
      assert.equal(template.status, 201, JSON.stringify(template.body));
      templateId = template.body.id;
    });

    for (const way of ['key', 'click'] as const) {
      it(`instantiate › ${way === 'key' ? 'sent twice with one Idempotency-Key' : 'sent twice at once with no key'} › one service, one run, its VNF on the uCPE once`, async () => {
        const [since, vnfs, from] = [new Date(), await vnfsOnHost(), box().store.journal.length];
        const path = `/api/v1/sites/${siteId}/network-services`;
        const body = { templateId, functions: [{ parameters: { hostName: `edge-${way}` } }], healing };
        const taken = way === 'key' ? await sentTwiceWithKey(path, body)
          : await doubleClick(path, body, (first) => ({ serviceInstanceId: first['id'], workflowId: networkServiceWorkflowId(first['id'] as string) }));
        services[way] = await eventually('active', () => service(taken['id'] as string), (s) => s.status === 'active' || s.status === 'failed', 120_000);
        assert.equal(services[way].status, 'active', services[way].lastError ?? '');
        await oneRun('networkService', since);
        assert.equal(await database.prisma.networkServiceInstance.count({ where: { functions: { some: { config: { equals: body.functions[0]!.parameters } } } } }), 1);
        assert.equal(await vnfsOnHost(), vnfs + 1);
        // The chain's VLANs and its function's definition, each committed once.
        assert.equal(changesSince(from), 2);
      });
    }

    it('campaign › sent twice with one Idempotency-Key, then twice at once with no key › one campaign and one run each, each function changed once', async () => {
      let from = templateId;
      for (const [index, way] of (['key', 'click'] as const).entries()) {
        const since = new Date();
        const path = `/api/v1/network-service-templates/${from}/campaigns`;
        const body = { position: 0, packageId: packages[index + 1], phases: [100] };
        const taken = way === 'key' ? await sentTwiceWithKey(path, body)
          : await doubleClick(path, body, (first) => ({ campaignId: first['campaignId'], workflowId: networkServiceCampaignWorkflowId(first['campaignId'] as string) }));
        const campaignId = taken['campaignId'] as string;
        const done = await eventually('completed', async () => (await lab.api<{ status: string; execution: string }>('GET', `/api/v1/network-service-campaigns/${campaignId}`)).body,
          (c) => c.execution !== 'RUNNING' && c.execution !== 'UNKNOWN', 240_000);
        assert.equal(done.status, 'completed', JSON.stringify(done));
        await oneRun('networkServiceCampaign', since);
        assert.equal(await database.prisma.networkServiceCampaign.count({ where: { fromTemplateId: from } }), 1);
        for (const s of Object.values(services)) {
          const vnf = await database.prisma.vnfInstance.findUniqueOrThrow({ where: { id: s.functions[0]!.instanceId } });
          assert.equal(vnf.packageId, packages[index + 1]);
          assert.equal(await database.prisma.domainEvent.count({ where: { type: 'vnf.package_changed', data: { path: ['name'], equals: vnf.name } } }), index + 1);
        }
        from = (taken['templateVersion'] as { id: string }).id;
      }
    });

    for (const way of ['key', 'click'] as const) {
      it(`terminate › ${way === 'key' ? 'sent twice with one Idempotency-Key' : 'sent twice at once with no key'} › the service terminated once`, async () => {
        const { id } = services[way];
        const [vnfs, from] = [await vnfsOnHost(), box().store.journal.length];
        const path = `/api/v1/network-services/${id}/terminate`;
        if (way === 'key') await sentTwiceWithKey(path);
        else await doubleClick(path);
        await eventually('terminated', () => service(id), (s) => s.status === 'terminated', 120_000);
        assert.equal(await vnfsOnHost(), vnfs - 1);
        assert.equal(await database.prisma.auditEntry.count({ where: { objectId: id, action: 'network-service.terminate' } }), 1);
        // Its function's definition and the chain's VLANs, each removed once.
        assert.equal(changesSince(from), 2);
      });
    }
  });

  it("leaves the box's whole commit journal with each change committed once, confirmed or rolled back", () => {
    assert.deepEqual(journalProblems(box().store.journal), []);
  });
});
