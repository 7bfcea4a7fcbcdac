// A network-service campaign on two simulated NFX250s, end to end: two sites' services on one
// template version, one campaign through the API moving the firewall to a new package on both
// (each instance by its own run's change of package), the services moving to the template version
// that names it; then a campaign whose canary's new package does not boot (a fault from the
// simulator's control API): rolled back by its own run, counted failed, the campaign halted by its
// budget with the other instance left as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, recordHistory, type TestDatabase } from '../scripts/testing.ts';
import { simulatorVnfImage } from '../simulator/vnf-host.ts';
import { networkServiceCampaignWorkflowId } from './network-service-campaign.messages.ts';

interface Service { id: string; status: string; lastError: string | null; template: { id: string; version: number }; functions: { instanceId: string; name: string }[] }
interface Instance { id: string; name: string; package: { id: string; version: string }; status: string; lastHealth: string; lastOperationOutcome: string; deviceId: string }
interface Campaign {
  status: string; execution: string; toTemplate: { id: string; version: number };
  progress: { state: string; phases: { upgraded: number; failed: number; skipped: number }[]; failures: { deviceId: string; rolledBack: boolean }[]; haltedBecause: string | null } | null;
}
interface Started { campaignId: string; templateVersion: { id: string; version: number }; instances: number; workflowId: string }
type Refusal = { errors?: { path: string; message: string }[] };

describe('network-service campaign', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let templateId: string;
  const packages: Record<string, string> = {};
  const services: Service[] = [];
  const healing = { intervalSeconds: 2, failuresBeforeUnhealthy: 2, cooldownSeconds: 30, maxAttempts: 3, bootWaitSeconds: 30 };

  const control = async (serial: string, path: string, body: unknown) => {
    const response = await fetch(`${lab.fleet.controlUrl}/devices/${serial}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.text());
  };
  const instance = async (id: string) => (await lab.api<Instance>('GET', `/api/v1/vnf-instances/${id}`)).body;
  const service = async (id: string) => (await lab.api<Service>('GET', `/api/v1/network-services/${id}`)).body;
  const campaign = async (id: string) => (await lab.api<Campaign>('GET', `/api/v1/network-service-campaigns/${id}`)).body;
  const startCampaign = (template: string, body: object) => lab.api<Started & Refusal>('POST', `/api/v1/network-service-templates/${template}/campaigns`, body);

  async function addPackage(product: string, version: string, type: string): Promise<string> {
    const image = simulatorVnfImage(product, version, 1);
    const uploaded = await fetch(`${lab.apiUrl}/api/v1/vnf-images`, { method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image) });
    assert.equal(uploaded.status, 201, await uploaded.text());
    const created = await lab.api<{ id: string }>('POST', '/api/v1/vnf-packages', {
      vendor: 'Juniper Networks', product, version, type, imageSha256: createHash('sha256').update(image).digest('hex'),
      flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }],
      interfaces: [{ name: 'eth2', role: 'left' }, { name: 'eth3', role: 'right' }],
      day1: { template: '<configuration><system><host-name>{{hostName}}</host-name></system></configuration>', parameters: [{ name: 'hostName', type: 'string' }] },
      healthCheck: { oid: '1.3.6.1.2.1.1.3.0', intervalSeconds: 5, timeoutSeconds: 2, failuresBeforeUnhealthy: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  before(async () => {
    // Two sites, each an NFX250 beside a branch box.
    ({ database, lab } = await startSeededLab({
      models: ['NFX250', 'SRX-SIM-100', 'NFX250', 'SRX-SIM-100'], baseAddress: '127.240.0.1', snmpPort: 22164, netconfPort: 22833, phoneHome: false,
      vnfGuests: { baseAddress: '127.240.1.1', bootMs: 300 },
    }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    for (const version of ['1.0', '1.1', '1.2']) packages[`vsrx ${version}`] = await addPackage('vsrx', version, 'firewall');
    packages['vrouter 1.0'] = await addPackage('vrouter', '1.0', 'router');
    const template = await lab.api<{ id: string }>('POST', '/api/v1/network-service-templates', {
      tenantId, name: 'secure-edge', description: 'a firewall', functions: [{ packageId: packages['vsrx 1.0'], flavour: 'small' }],
    });
    assert.equal(template.status, 201, JSON.stringify(template.body));
    templateId = template.body.id;
    const sites = await database.prisma.site.findMany({ where: { tenantId, devices: { some: { model: 'NFX250' } } }, orderBy: { name: 'asc' } });
    assert.equal(sites.length, 2);
    for (const [index, site] of sites.entries()) {
      const created = await lab.api<Service>('POST', `/api/v1/sites/${site.id}/network-services`, { templateId, functions: [{ parameters: { hostName: `fw-${index}` } }], healing });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      services.push(created.body);
    }
    for (const [index, created] of services.entries()) {
      services[index] = await eventually('active', () => service(created.id), (s) => s.status === 'active' || s.status === 'failed', 120_000);
      assert.equal(services[index]!.status, 'active', services[index]!.lastError ?? '');
    }
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('refuses a campaign with every reason, and stores nothing', async () => {
    const versions = await database.prisma.networkService.count();
    const noFunction = await startCampaign(templateId, { position: 3, packageId: packages['vsrx 1.1'] });
    assert.equal(noFunction.status, 400);
    assert.deepEqual(noFunction.body.errors!.map((e) => e.path), ['position']);
    const otherProduct = await startCampaign(templateId, { position: 0, packageId: packages['vrouter 1.0'] });
    assert.equal(otherProduct.status, 400);
    assert.match(otherProduct.body.errors![0]!.message, /another product/);
    const same = await startCampaign(templateId, { position: 0, packageId: packages['vsrx 1.0'] });
    assert.equal(same.status, 400);
    assert.match(same.body.errors![0]!.message, /runs vsrx 1.0 already/);
    const unused = await lab.api<{ id: string }>('POST', '/api/v1/network-service-templates', { tenantId, name: 'unused-edge', description: '', functions: [{ packageId: packages['vsrx 1.0'], flavour: 'small' }] });
    const none = await startCampaign(unused.body.id, { position: 0, packageId: packages['vsrx 1.1'] });
    assert.equal(none.status, 400);
    assert.match(none.body.errors![0]!.message, /no active network service/);
    const badPhases = await startCampaign(templateId, { position: 0, packageId: packages['vsrx 1.1'], phases: [50, 20] });
    assert.equal(badPhases.status, 400);
    const unknown = await startCampaign('0190b2a4-0000-7000-8000-000000000000', { position: 0, packageId: packages['vsrx 1.1'] });
    assert.equal(unknown.status, 404);
    assert.equal(await database.prisma.networkServiceCampaign.count(), 0);
    assert.equal(await database.prisma.networkService.count(), versions + 1);
  });

  let version2: string;
  it("moves both sites' firewalls to the new package, canary first, and the services to the version naming it", async () => {
    const started = await startCampaign(templateId, { position: 0, packageId: packages['vsrx 1.1'], phases: [50, 100], concurrency: 1 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual([started.body.instances, started.body.templateVersion.version], [2, 2]);
    version2 = started.body.templateVersion.id;
    const done = await eventually('completed', () => campaign(started.body.campaignId), (c) => c.execution !== 'RUNNING' && c.execution !== 'UNKNOWN', 240_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.progress));
    assert.deepEqual(done.progress!.phases.map((p) => [p.upgraded, p.failed]), [[1, 0], [1, 0]]);
    for (const s of services) {
      const vnf = await instance(s.functions[0]!.instanceId);
      assert.deepEqual([vnf.package.version, vnf.status, vnf.lastHealth, vnf.lastOperationOutcome], ['1.1', 'running', 'healthy', 'completed']);
      assert.equal((await service(s.id)).template.version, 2);
    }
    const from = await database.prisma.networkService.findUniqueOrThrow({ where: { id: templateId } });
    assert.ok(from.supersededAt, 'the version changed is superseded by the one the services run');
    const events = await database.prisma.domainEvent.count({ where: { type: 'vnf.package_changed' } });
    assert.equal(events, 2);
    await recordHistory(lab.client, started.body.workflowId, 'network-service-campaign');
  });

  it("halts by its budget when the canary's new package does not boot: rolled back by its own run, the other instance left as it was", async () => {
    const instances = services.map((s) => s.functions[0]!).sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    const [canary, other] = instances;
    const serial = (await database.prisma.device.findFirstOrThrow({ where: { vnfInstances: { some: { id: canary!.instanceId } } } })).serial!;
    await control(serial, '/vnf-faults', { failNextBoot: canary!.name });
    const started = await startCampaign(version2, { position: 0, packageId: packages['vsrx 1.2'], phases: [50, 100], failureBudgetPct: 0 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await eventually('halted', () => campaign(started.body.campaignId), (c) => c.execution !== 'RUNNING' && c.execution !== 'UNKNOWN', 240_000);
    assert.equal(done.status, 'halted');
    assert.match(done.progress!.haltedBecause ?? '', /1 of 1 devices failed/);
    assert.deepEqual(done.progress!.failures.map((f) => [f.deviceId, f.rolledBack]), [[canary!.instanceId, true]]);
    const rows = await lab.api<{ items: { vnfInstanceId: string; status: string; error: string | null }[] }>('GET', `/api/v1/network-service-campaigns/${started.body.campaignId}/instances`);
    assert.deepEqual(rows.body.items.map((r) => [r.vnfInstanceId, r.status]), [[canary!.instanceId, 'rolled_back'], [other!.instanceId, 'skipped']]);
    assert.match(rows.body.items[0]!.error ?? '', /did not come up healthy, so vsrx 1.1 runs again/);
    for (const fn of instances) {
      const vnf = await instance(fn.instanceId);
      assert.deepEqual([vnf.package.version, vnf.status, vnf.lastHealth], ['1.1', 'running', 'healthy']);
    }
    assert.deepEqual((await Promise.all(services.map((s) => service(s.id)))).map((s) => s.template.version), [2, 2], 'no service moved to the version it did not reach');
    const alarm = await database.prisma.alarm.findFirst({ where: { dedupeKey: `network-service-campaign-halted:${started.body.campaignId}` } });
    assert.match(alarm?.message ?? '', /halted/);
    await recordHistory(lab.client, networkServiceCampaignWorkflowId(started.body.campaignId), 'network-service-campaign-halted');
  });
});
