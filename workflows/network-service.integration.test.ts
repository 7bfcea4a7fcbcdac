// A network service on a simulated NFX250, end to end: a two-function template through the API,
// `network-service/<id>` on the real Temporal server chaining two `vnf/<instanceId>` runs on the
// chain's VLANs and verifying the path the uCPE reports; the second function's boot failure
// rolling the first back with every resource released and the uCPE's configuration as before;
// and termination, last function first.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, recordHistory, type TestDatabase } from '../scripts/testing.ts';
import { networkServiceWorkflowId } from './network-service.messages.ts';
import { simulatorVnfImage } from '../simulator/vnf-host.ts';

const serial = 'BLS0000001';

interface Service {
  id: string; name: string; status: string; lastError: string | null;
  functions: { instanceId: string; name: string; position: number; status: string; interfaces: { name: string; vlan: string }[] }[];
  live: { status: string; busy: boolean; path: { hops: string[]; status: string; egressVlan: string | null } | null } | null;
}
interface HostReport { resources: { used: { cores: number; memoryMiB: number } }; images: string[]; vnfs: { name: string; state: string }[] }
interface Path { hops: { vnf: string }[]; status: string; egressVlan: string | null }

/**
 * The configuration itself, without the stamp of the commit that made it. `vlans` is a non-presence
 * container: the simulator keeps it empty once the chain's VLANs are removed, which is no configuration.
 */
const withoutCommitStamp = (config: string) => config.replace(/ junos:commit-[a-z]+="[^"]*"/g, '').replace('<vlans/>', '').replace('<configuration></configuration>', '<configuration/>');

describe('network service on a uCPE', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let siteId: string;
  let tenantId: string;
  let templateId: string;
  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${lab.fleet.controlUrl}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json() as Promise<T>;
  };
  const host = () => control<HostReport>(`/devices/${serial}/vnfs`);
  const running = async () => withoutCommitStamp(await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/config`)).text());
  const service = async (id: string) => (await lab.api<Service>('GET', `/api/v1/network-services/${id}`)).body;
  const healing = { intervalSeconds: 2, failuresBeforeUnhealthy: 1, cooldownSeconds: 30, maxAttempts: 3, bootWaitSeconds: 30 };

  async function addPackage(product: string, type: string): Promise<string> {
    const image = simulatorVnfImage(product, '1.0', 1);
    const uploaded = await fetch(`${lab.apiUrl}/api/v1/vnf-images`, { method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image) });
    assert.equal(uploaded.status, 201, await uploaded.clone().text());
    const created = await lab.api<{ id: string }>('POST', '/api/v1/vnf-packages', {
      vendor: 'Juniper Networks', product, version: '1.0', type, imageSha256: createHash('sha256').update(image).digest('hex'),
      flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'large', vcpus: 4, memoryMiB: 4096, diskGiB: 8 }],
      interfaces: [{ name: 'eth2', role: 'left' }, { name: 'eth3', role: 'right' }],
      day1: { template: '<configuration><system><host-name>{{hostName}}</host-name></system></configuration>', parameters: [{ name: 'hostName', type: 'string' }] },
      healthCheck: { oid: '1.3.6.1.2.1.1.3.0', intervalSeconds: 5, timeoutSeconds: 2, failuresBeforeUnhealthy: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  let initial: { config: string; report: HostReport };

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['NFX250'], baseAddress: '127.213.0.1', snmpPort: 22163, netconfPort: 22832, phoneHome: false, vnfGuests: { baseAddress: '127.213.1.1', bootMs: 300 } }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    siteId = (await database.prisma.device.findFirstOrThrow({ where: { serial } })).siteId;
    const firewall = await addPackage('vsrx', 'firewall');
    const router = await addPackage('vrouter', 'router');
    const template = await lab.api<{ id: string; version: number; functions: { leftInterface: string; rightInterface: string }[] }>('POST', '/api/v1/network-service-templates', {
      tenantId, name: 'secure-edge', description: 'firewall then router', functions: [{ packageId: firewall, flavour: 'small' }, { packageId: router, flavour: 'small' }],
    });
    assert.equal(template.status, 201, JSON.stringify(template.body));
    assert.deepEqual(template.body.functions.map((f) => [f.leftInterface, f.rightInterface]), [['eth2', 'eth3'], ['eth2', 'eth3']]);
    templateId = template.body.id;
    initial = { config: await running(), report: await host() };
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  const instantiate = (functions: object[]) => lab.api<Service & { errors?: { path: string; message: string }[] }>('POST', `/api/v1/sites/${siteId}/network-services`, {
    templateId, functions, healing,
  });

  it('refuses bad input with every reason and stores nothing', async () => {
    const count = await database.prisma.networkServiceInstance.count();
    const refused = await instantiate([{ flavour: 'huge', parameters: { hostName: 'fw' } }, { parameters: { colour: 'red' } }]);
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors!.map((e) => e.path), ['functions.0.flavour', 'functions.1.parameters.colour', 'functions.1.parameters.hostName']);
    const tooBig = await instantiate([{ flavour: 'large', parameters: { hostName: 'fw' } }, { flavour: 'large', parameters: { hostName: 'rt' } }]);
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.body.errors![0]!.message, /has not the room for the chain/);
    assert.equal(await database.prisma.networkServiceInstance.count(), count);
    assert.equal(await database.prisma.vnfInstance.count(), 0);
  });

  let active: Service;
  it('instantiates a two-VNF chain from the template and verifies the path the uCPE reports', async () => {
    const created = await instantiate([{ parameters: { hostName: 'fw-edge' } }, { parameters: { hostName: 'rt-edge' } }]);
    assert.equal(created.status, 202, JSON.stringify(created.body));
    active = await eventually('active', () => service(created.body.id), (s) => s.status === 'active' || s.status === 'failed', 120_000);
    assert.equal(active.status, 'active', active.lastError ?? '');
    assert.deepEqual(active.functions.map((f) => f.status), ['running', 'running']);
    const [first, second] = active.functions;
    assert.equal(first!.interfaces[1]!.vlan, second!.interfaces[0]!.vlan, "the firewall's right side and the router's left side share a VLAN");
    const path = await control<Path>(`/devices/${serial}/service-chain?from=${encodeURIComponent(first!.interfaces[0]!.vlan)}`);
    assert.deepEqual([path.hops.map((h) => h.vnf), path.status, path.egressVlan], [[first!.name, second!.name], 'forwarding', second!.interfaces[1]!.vlan]);
    assert.deepEqual(active.live?.path?.hops, [first!.name, second!.name]);
    // A template in use does not change: it is superseded by a new version, which new services use.
    const removed = await lab.api('DELETE', `/api/v1/network-service-templates/${templateId}`);
    assert.equal(removed.status, 409);
  });

  it('terminates the service last function first: the uCPE as it was, every reservation released', async () => {
    const asked = await lab.api<Service>('POST', `/api/v1/network-services/${active.id}/terminate`);
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const gone = await eventually('terminated', () => service(active.id), (s) => s.status === 'terminated', 120_000);
    assert.deepEqual(gone.functions.map((f) => f.status), ['terminated', 'terminated']);
    const order = await database.prisma.domainEvent.findMany({ where: { type: 'vnf.terminating' }, orderBy: { id: 'asc' }, select: { data: true } });
    assert.deepEqual(order.map((e) => (e.data as { name: string }).name), [active.functions[1]!.name, active.functions[0]!.name]);
    assert.equal(await running(), initial.config);
    const report = await host();
    assert.deepEqual([report.vnfs, report.images, report.resources.used], [initial.report.vnfs, initial.report.images, initial.report.resources.used]);
    const reserved = await database.prisma.vnfInstance.count({ where: { OR: [{ reservedVcpus: { gt: 0 } }, { reservedMemoryMiB: { gt: 0 } }] } });
    assert.equal(reserved, 0);
    const again = await lab.api('POST', `/api/v1/network-services/${active.id}/terminate`);
    assert.equal(again.status, 409);
    await recordHistory(lab.client, networkServiceWorkflowId(active.id), 'network-service-terminated');
  });

  it("rolls the whole service back when the second function's boot fails: the first terminated, the uCPE as before", async () => {
    const created = await instantiate([{ parameters: { hostName: 'fw-2' } }, { parameters: { hostName: 'rt-2' } }]);
    assert.equal(created.status, 202, JSON.stringify(created.body));
    // The second function's name is known from the start: its next boot fails.
    await control(`/devices/${serial}/vnf-faults`, { failNextBoot: created.body.functions[1]!.name });
    const failed = await eventually('rolled back', () => service(created.body.id), (s) => s.status === 'failed' || s.status === 'active', 120_000);
    assert.equal(failed.status, 'failed');
    assert.match(failed.lastError ?? '', /did not come up.*boot failed/);
    assert.deepEqual(failed.functions.map((f) => f.status), ['terminated', 'failed']);
    assert.equal(await running(), initial.config);
    const report = await host();
    assert.deepEqual([report.vnfs, report.images, report.resources.used], [initial.report.vnfs, initial.report.images, initial.report.resources.used]);
    const reserved = await database.prisma.vnfInstance.count({ where: { OR: [{ reservedVcpus: { gt: 0 } }, { reservedMemoryMiB: { gt: 0 } }, { reservedDiskGiB: { gt: 0 } }] } });
    assert.equal(reserved, 0);
    await recordHistory(lab.client, networkServiceWorkflowId(created.body.id), 'network-service-rolled-back');
  });
});
