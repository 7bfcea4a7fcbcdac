// Central breakout steered: a spoke whose voice policy breaks out centrally sends voice into its
// tunnel toward the hub (APBR → the hub path's forwarding instance → st0), as the box reports it;
// when the path through the hub breaks voice's SLA, voice falls back to the spoke's own preferred
// link, and returns to the hub once the path has complied for the smoothing window. The hub and
// the spoke are onboarded through the real workflows; the test plays the pollers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { slaPresets } from '../domain/sla.ts';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { pollForSteering, type TestPoller } from '../scripts/sla-test-poller.ts';
import { createTestDatabase, eventually, testServices, type TestDatabase } from '../scripts/testing.ts';
import { slaSteeringWorkflowId } from './sla-steering.messages.ts';

interface Created { id: string; activationCodes: { serial: string | null; code: string }[] }
interface Path { application: string; routingInstance: string; link: string | null; overlay?: { peer: string; via: string } }
interface Switch { fromLink: string | null; toLink: string | null; reason: string }

const hubSerial = 'BLS0000001';
const spokeSerial = 'BLS0000002';
const sip = 'junos:SIP';

describe('central breakout steered through the hub', { timeout: 900_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let spokeId: string;
  let poller: TestPoller;

  const sipPath = async () => {
    const paths = await (await fetch(`${lab.fleet.controlUrl}/devices/${spokeSerial}/application-paths`)).json() as Path[];
    return paths.find((p) => p.application === sip);
  };
  const impair = async (link: string, shape: unknown) => {
    poller.changed();
    const response = await fetch(`${lab.fleet.controlUrl}/devices/${spokeSerial}/links/${link}/impairment`, shape === null ? { method: 'DELETE' } : {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shape),
    });
    assert.equal(response.status, 200);
  };

  async function onboard(aggregate: object): Promise<string> {
    const created = await lab.api<Created>('POST', '/api/v1/sites', { tenantId, timezone: 'Europe/Brussels', tags: [], ...aggregate });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
    for (const { serial, code } of created.body.activationCodes) lab.fleet.device(serial!)!.setActivationCode(code);
    await eventually(`${created.body.id} active`, async () => (await database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } })).status, (s) => s === 'active', 300_000);
    return created.body.id;
  }

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-4600', 'SRX-SIM-300'], baseAddress: '127.252.0.1', snmpPort: 37161, netconfPort: 37830,
      worker: 'process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', 'sla-central-breakout'),
    });
    const hubId = await onboard({
      name: 'Ghent hub', role: 'hub', topology: 'hub_and_spoke', devices: [{ role: 'primary', model: 'SRX-SIM-4600', serial: hubSerial }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 1000, monthlyCost: 300 }],
    });
    spokeId = await onboard({
      name: 'Bruges store', topology: 'hub_and_spoke', primaryHubId: hubId,
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: spokeSerial }],
      wanLinks: [
        { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 500, monthlyCost: 40 },
        { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/1', bandwidthMbps: 50, monthlyCost: 420 },
      ],
      departments: ['Staff'], lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.98.10.0/24', department: 'Staff' }],
    });
    const profile = await lab.api<{ id: string }>('POST', '/api/v1/sla-profiles', { tenantId, name: 'Voice', preset: 'baseline' });
    const policy = await lab.api<{ id: string }>('POST', '/api/v1/app-sla-policies', {
      tenantId, name: 'Voice', applications: [sip], slaProfileId: profile.body.id, preferredLinkTypes: ['broadband', 'mpls'], breakout: 'central',
      flapThreshold: 2, flapWindowSeconds: 40, holdDownSeconds: 20, smoothingWindowSeconds: 3,
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    assert.equal((await lab.api('PUT', `/api/v1/sites/${spokeId}/app-sla-policies`, { policyIds: [policy.body.id] })).status, 200);
    const started = await lab.api<{ progressUrl: string }>('POST', `/api/v1/sites/${spokeId}/sla-policies/push`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await eventually('the push completed', async () => (await lab.api<{ execution: string }>('GET', started.body.progressUrl)).body.execution, (e) => e === 'COMPLETED');
    poller = pollForSteering({ client: lab.client, siteId: spokeId, serial: spokeSerial, box: () => lab.fleet.device(spokeSerial)!, applications: { [sip]: slaPresets.baseline } });
  });

  after(async () => {
    await poller?.stop();
    await lab?.client.workflow.getHandle(slaSteeringWorkflowId(spokeId)).terminate().catch(() => undefined);
    await lab?.stop();
    await database?.drop();
  });

  it('sends voice through the hub, falls back to the local link when the hub path breaks its SLA, and returns', async () => {
    const central = await sipPath();
    assert.match(central?.routingInstance ?? '', /^hub-/, JSON.stringify(central));
    assert.match(central?.link ?? '', /^st0\.\d+$/, 'into the tunnel');
    assert.equal(central?.overlay?.via, 'wan0', 'the tunnel rides the spoke\'s broadband');
    const tunnel = central!.link!;

    await impair(tunnel, { shape: 'step', to: { latencyMs: 400 } });
    const local = await eventually('voice broken out locally', sipPath, (p) => p?.link === 'wan0' && !p.overlay, 90_000);
    assert.equal(local?.routingInstance, 'wan-internet');
    await impair(tunnel, null);
    const recovered = Date.now();
    await eventually('voice back through the hub', sipPath, (p) => p?.link === tunnel, 90_000);
    assert.ok(Date.now() - recovered >= 3_000, 'not before the smoothing window');

    const switches = await eventually('both switches recorded', async () => (await lab.api<{ items: Switch[] }>('GET', `/api/v1/sites/${spokeId}/link-switches?limit=50`)).body.items,
      (s) => s.length >= 2, 30_000);
    // The hub path is named (its forwarding instance's name), though it is no WAN link of the inventory.
    const hubPath = central!.routingInstance;
    assert.deepEqual(switches.map((s) => [s.fromLink, s.toLink, s.reason]), [[hubPath, 'internet', 'violation'], ['internet', hubPath, 'recovered']]);
  });
});
