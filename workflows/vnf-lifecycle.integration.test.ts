// A VNF's life on a simulated NFX150, end to end: the catalogue and the instance through the API,
// `vnf/<instanceId>` on the real Temporal server, the uCPE and the VNF's own guest over NETCONF and
// SNMP. Instantiated healthy with its day-1 configuration; a crash and a hang healed with no
// operator; not enough room refused with nothing changed; a boot failure rolled back with every
// resource released; a flavour change; a change of package rolled back, then one that takes; and
// terminate leaving the uCPE as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NetconfSession } from '../activities/devices/netconf/session.ts';
import { labCredentials, startSeededLab, type Lab } from '../scripts/lab.ts';
import { eventually, recordHistory, type TestDatabase } from '../scripts/testing.ts';
import { vnfWorkflowId } from './vnf-lifecycle.messages.ts';
import { simulatorVnfImage } from '../simulator/vnf-host.ts';

const serial = 'BLS0000001';
const ports = { snmpPort: 22161, netconfPort: 22830 };

interface Instance {
  id: string; name: string; status: string; flavour: string; package: { id: string; version: string };
  reserved: { vcpus: number; memoryMiB: number; diskGiB: number };
  lastOperation: string; lastOperationOutcome: string; lastOperationError: string | null; healCount: number;
  live: { status: string; health: string; address: string | null; heals: number; busy: boolean; lastOperation: { kind: string; outcome: string; error: string | null } | null } | null;
}
interface HostReport {
  resources: { used: { cores: number; memoryMiB: number } };
  images: string[];
  vnfs: { name: string; state: string; boots: number; definition: { vcpus: number; memoryKiB: number } }[];
}

/** The configuration itself, without the stamp of the commit that made it. */
const withoutCommitStamp = (config: string) => config.replace(/ junos:commit-[a-z]+="[^"]*"/g, '');

describe('VNF lifecycle on a uCPE', { timeout: 240_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let siteId: string;
  const packages: Record<string, string> = {};

  const ucpe = () => lab.fleet.device(serial)!;
  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${lab.fleet.controlUrl}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json() as Promise<T>;
  };
  const host = () => control<HostReport>(`/devices/${serial}/vnfs`);
  const running = async () => withoutCommitStamp((await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/config`)).text()));
  const instance = async (id: string) => (await lab.api<Instance>('GET', `/api/v1/vnf-instances/${id}`)).body;
  const until = (id: string, what: string, holds: (i: Instance) => boolean) => eventually(what, () => instance(id), holds, 60_000);
  const settled = (i: Instance) => i.live !== null && !i.live.busy && i.live.lastOperation?.outcome !== 'processing';

  async function addPackage(version: string, day1Template: string): Promise<string> {
    const image = simulatorVnfImage('vsrx', version, 2);
    const uploaded = await fetch(`${lab.apiUrl}/api/v1/vnf-images`, { method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image) });
    assert.equal(uploaded.status, 201, await uploaded.clone().text());
    const created = await lab.api<{ id: string }>('POST', '/api/v1/vnf-packages', {
      vendor: 'Juniper Networks', product: 'vsrx', version, type: 'firewall', imageSha256: createHash('sha256').update(image).digest('hex'),
      flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'medium', vcpus: 1, memoryMiB: 2048, diskGiB: 4 }, { name: 'large', vcpus: 2, memoryMiB: 2048, diskGiB: 8 }],
      day1: { template: day1Template, parameters: [{ name: 'hostName', type: 'string' }] },
      healthCheck: { oid: '1.3.6.1.2.1.1.3.0', intervalSeconds: 5, timeoutSeconds: 2, failuresBeforeUnhealthy: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  const day1 = '<configuration><system><host-name>{{hostName}}</host-name></system></configuration>';
  const healing = { intervalSeconds: 1, failuresBeforeUnhealthy: 1, cooldownSeconds: 5, maxAttempts: 3, bootWaitSeconds: 30 };
  const instantiate = (body: object) => lab.api<Instance & { errors?: { path: string; message: string }[] }>('POST', `/api/v1/sites/${siteId}/vnf-instances`, { healing, ...body });

  /** The guest's own configuration, read over its own NETCONF. */
  async function guestConfig(address: string): Promise<string> {
    const session = await NetconfSession.connect({ host: address, port: ports.netconfPort, username: labCredentials.username, password: labCredentials.password, connectTimeoutMs: 3000 });
    try {
      return await session.getConfig('running');
    } finally {
      session.destroy();
    }
  }

  let initial: { config: string; report: HostReport };
  let firewall: Instance;

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['NFX150'], baseAddress: '127.111.0.1', ...ports, phoneHome: false, vnfGuests: { baseAddress: '127.111.1.1', bootMs: 200 } }));
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'Europe/Brussels', tags: [] }));
    siteId = (await database.prisma.device.findFirstOrThrow({ where: { serial } })).siteId;
    // The box as provisioning leaves it: a configuration of its own, before any VNF.
    const session = await NetconfSession.connect({ host: ucpe().identity.address, port: ports.netconfPort, username: labCredentials.username, password: labCredentials.password, connectTimeoutMs: 3000 });
    try {
      await session.editConfig({ target: 'candidate', config: '<configuration><system><host-name>nfx-ghent</host-name></system></configuration>' });
      await session.rpc('<commit-configuration/>');
    } finally {
      session.destroy();
    }
    packages['1'] = await addPackage('22.4R1', day1);
    packages['2'] = await addPackage('23.2R1', day1);
    initial = { config: await running(), report: await host() };
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('instantiates a VNF healthy, its day-1 configuration on its own NETCONF, its room reserved', async () => {
    const created = await instantiate({ packageId: packages['1'], flavour: 'small', parameters: { hostName: 'fw-ghent' } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    firewall = await until(created.body.id, 'running', (i) => i.status === 'running');
    assert.deepEqual([firewall.live?.health, firewall.lastOperation, firewall.lastOperationOutcome], ['healthy', 'instantiate', 'completed']);
    assert.deepEqual(firewall.reserved, { vcpus: 1, memoryMiB: 1024, diskGiB: 4 });
    assert.match(await guestConfig(firewall.live!.address!), /<host-name>fw-ghent<\/host-name>/);
    const vnf = (await host()).vnfs.find((v) => v.name === firewall.name);
    assert.deepEqual([vnf?.state, vnf?.boots, vnf?.definition.vcpus], ['running', 1, 1]);
    assert.ok(await database.prisma.domainEvent.findFirst({ where: { type: 'vnf.instantiated' } }));
  });

  it('refuses an instance the uCPE has no room for, naming what is short, and changes nothing', async () => {
    const config = await running();
    const count = await database.prisma.vnfInstance.count();
    const refused = await instantiate({ packageId: packages['1'], flavour: 'large', parameters: { hostName: 'fw-2' } });
    assert.equal(refused.status, 400);
    assert.match(refused.body.errors![0]!.message, /2 vCPUs asked, 1 of 2 free/);
    const bad = await instantiate({ packageId: packages['1'], flavour: 'huge', parameters: { colour: 'red' } });
    assert.deepEqual(bad.body.errors!.map((e) => e.path), ['flavour', 'parameters.colour', 'parameters.hostName']);
    assert.equal(await database.prisma.vnfInstance.count(), count);
    assert.equal(await running(), config);
  });

  it('heals a crash with no operator: restarted, healthy again', async () => {
    await control(`/devices/${serial}/vnfs/${firewall.name}/crash`, {});
    const healed = await until(firewall.id, 'healed after the crash', (i) => i.healCount >= 1 && i.status === 'running' && settled(i));
    assert.deepEqual([healed.healCount, healed.lastOperation, healed.live?.health], [1, 'heal', 'healthy']);
    assert.ok(await database.prisma.domainEvent.findFirst({ where: { type: 'vnf.healed' } }));
  });

  it('catches a hang by the health check (the host says it runs) and heals it', async () => {
    await control(`/devices/${serial}/vnfs/${firewall.name}/hang`, {});
    const healed = await until(firewall.id, 'healed after the hang', (i) => i.healCount >= 2 && i.status === 'running' && settled(i));
    assert.equal(healed.status, 'running');
    // Healed again within the cooldown: the second attempt re-created it, and its day-1 configuration came back.
    assert.match(await guestConfig(healed.live!.address!), /<host-name>fw-ghent<\/host-name>/);
  });

  it('changes the flavour: the uCPE runs it with the new memory, the reservation follows', async () => {
    const scaled = await lab.api<Instance>('POST', `/api/v1/vnf-instances/${firewall.id}/scale`, { flavour: 'medium' });
    assert.equal(scaled.status, 202, JSON.stringify(scaled.body));
    const done = await until(firewall.id, 'scaled', (i) => i.flavour === 'medium' && settled(i) && i.status === 'running');
    assert.deepEqual(done.reserved, { vcpus: 1, memoryMiB: 2048, diskGiB: 4 });
    assert.equal((await host()).vnfs.find((v) => v.name === firewall.name)?.definition.memoryKiB, 2048 * 1024);
    const again = await lab.api<{ detail: string }>('POST', `/api/v1/vnf-instances/${firewall.id}/scale`, { flavour: 'medium' });
    assert.equal(again.status, 409);
  });

  it('rolls a change of package back to the image and configuration before when the new one does not boot', async () => {
    await control(`/devices/${serial}/vnf-faults`, { failNextBoot: firewall.name });
    const changed = await lab.api<Instance>('POST', `/api/v1/vnf-instances/${firewall.id}/change-package`, { packageId: packages['2'], parameters: { hostName: 'fw-new' } });
    assert.equal(changed.status, 202, JSON.stringify(changed.body));
    const back = await until(firewall.id, 'rolled back', (i) => i.lastOperation === 'change_package' && i.lastOperationOutcome === 'rolled_back' && settled(i));
    assert.deepEqual([back.status, back.package.id, back.live?.health], ['running', packages['1'], 'healthy']);
    assert.match(back.lastOperationError!, /did not come up healthy.*boot failed/);
    assert.match(await guestConfig(back.live!.address!), /<host-name>fw-ghent<\/host-name>/);
    assert.equal((await host()).images.length, 1, 'the new image is gone again');
  });

  it('changes the package when the new one comes up healthy, and removes the old image', async () => {
    await lab.api('POST', `/api/v1/vnf-instances/${firewall.id}/change-package`, { packageId: packages['2'] });
    const done = await until(firewall.id, 'changed', (i) => i.package.id === packages['2'] && settled(i) && i.lastOperationOutcome === 'completed');
    assert.equal(done.status, 'running');
    const report = await host();
    assert.equal(report.images.length, 1);
  });

  it('terminates: the uCPE as it was before — configuration byte for byte, resources, disk — and the room released', async () => {
    const asked = await lab.api<Instance>('POST', `/api/v1/vnf-instances/${firewall.id}/terminate`);
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const gone = await eventually('terminated', () => instance(firewall.id), (i) => i.status === 'terminated');
    assert.deepEqual(gone.reserved, { vcpus: 0, memoryMiB: 0, diskGiB: 0 });
    assert.equal(await running(), initial.config);
    const report = await host();
    assert.deepEqual([report.vnfs, report.images, report.resources.used], [initial.report.vnfs, initial.report.images, initial.report.resources.used]);
    const again = await lab.api('POST', `/api/v1/vnf-instances/${firewall.id}/heal`);
    assert.equal(again.status, 409);
    // A whole life: instantiated, healed twice, scaled, a change of package rolled back and one made, terminated.
    await recordHistory(lab.client, vnfWorkflowId(firewall.id), 'vnf-lifecycle');
  });

  it('rolls a boot failure back at instantiation: nothing defined, no image left, every resource released', async () => {
    const created = await instantiate({ packageId: packages['1'], flavour: 'large', parameters: { hostName: 'fw-3' } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    // Set as soon as the name is known: the image copy and the commit come before the boot.
    await control(`/devices/${serial}/vnf-faults`, { failNextBoot: created.body.name });
    const failed = await until(created.body.id, 'rolled back', (i) => i.status === 'failed');
    assert.deepEqual([failed.lastOperation, failed.lastOperationOutcome], ['instantiate', 'rolled_back']);
    assert.match(failed.lastOperationError!, /boot failed/);
    assert.deepEqual(failed.reserved, { vcpus: 0, memoryMiB: 0, diskGiB: 0 });
    assert.equal(await running(), initial.config);
    const report = await host();
    assert.deepEqual([report.vnfs, report.images, report.resources.used], [initial.report.vnfs, initial.report.images, initial.report.resources.used]);
  });
});
