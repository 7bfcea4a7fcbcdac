import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { failureTypes } from '../domain/failure-types.ts';
import type { SitePlan } from '../domain/site-plan.ts';
import { ImageStore } from '../inventory/images.ts';
import { planSite, storedSite } from '../inventory/site-plan.ts';
import { seedDemo } from '../prisma/seed.ts';
import { connectTestClient, createTestDatabase, signInAs, testServices, type TestDatabase } from '../scripts/testing.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';
import { modelledSite, previewPlaceholders, sitePreviewOf } from './routes/site-preview.ts';
import { siteAggregate } from './schemas/site.ts';

const silent = pino({ level: 'silent' });

/** The onboarding's plan as the preview words what only a stored site has: no site id, devices named by role, the PPPoE password a placeholder. */
function asPreviewed(plan: SitePlan): SitePlan {
  return {
    ...plan,
    siteId: '',
    devices: plan.devices.map((device) => ({
      ...device,
      id: device.role,
      wanLinks: device.wanLinks.map((link) => (link.pppoe ? { ...link, pppoe: { ...link.pppoe, passwordSecret: previewPlaceholders.pppoePassword } } : link)),
    })),
  };
}

describe('site preview', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectTestClient>>;
  let server: Server;
  let url: string;
  let admin: { cookie: string };
  let acme: { id: string };
  let hubs: { frankfurt: string; amsterdam: string };
  let voicePolicy: string;

  const post = async (path: string, body: unknown) => {
    const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', cookie: admin.cookie }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** Where a preview and an onboarding can part: devices, links and LAN segments out of order, static and PPPoE links, departments with policies, two hubs. */
  const site = (name: string, serial: string) => ({
    tenantId: acme.id, name, timezone: 'Europe/Paris', country: 'FR', tags: ['retail'],
    devices: [{ role: 'secondary', model: 'SRX-SIM-300', serial }, { role: 'primary', model: 'SRX-SIM-300' }],
    wanLinks: [
      { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420, addressing: { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['9.9.9.9'] } },
      { name: 'internet', type: 'dsl', interfaceName: 'ge-0/0/1', bandwidthMbps: 100, monthlyCost: 40, addressing: { mode: 'pppoe', username: 'marseille@isp.example', password: 'Pa55-w0rd!' } },
      { name: 'broadband', type: 'broadband', deviceRole: 'secondary', interfaceName: 'ge-0/0/0', bandwidthMbps: 500, monthlyCost: 60 },
      { name: 'backup', type: 'lte', deviceRole: 'secondary', interfaceName: 'dl0', bandwidthMbps: 20, monthlyCost: 15, backupOnly: true },
    ],
    departments: ['Staff', 'Guests'],
    lanSegments: [
      { name: 'guests', vlanId: 20, prefix: '10.95.20.0/24', department: 'Guests' },
      { name: 'staff', vlanId: 10, prefix: '10.95.10.0/24', department: 'Staff' },
    ],
    topology: 'hub_and_spoke', primaryHubId: hubs.frankfurt, secondaryHubId: hubs.amsterdam,
    appSlaPolicyIds: [voicePolicy],
  });

  /** The onboarding's plan of a stored site, or its refusal. */
  const onboardingPlan = async (siteId: string) => planSite(database.prisma, await storedSite(database.prisma, siteId));

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const prisma = database.prisma;
    acme = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    // Both hubs in service, each primary device provisioned: spokes may tunnel to them.
    const hubSites = await prisma.site.findMany({ where: { tenantId: acme.id, role: 'hub' }, include: { devices: true }, orderBy: { name: 'desc' } });
    for (const [index, hub] of hubSites.entries()) {
      await prisma.site.update({ where: { id: hub.id }, data: { status: 'active' } });
      await prisma.device.update({ where: { id: hub.devices[0]!.id }, data: { status: 'online', serial: `HUB000${index}`, managementAddress: `127.98.0.${index + 1}`, softwareVersion: '23.2R1' } });
    }
    hubs = { frankfurt: hubSites[0]!.id, amsterdam: hubSites[1]!.id };
    voicePolicy = (await prisma.appSlaPolicy.findFirstOrThrow({ where: { tenantId: acme.id } })).id;
    const image = await prisma.firmwareImage.create({ data: { model: 'SRX-SIM-300', version: '23.2R1', sha256: 'a'.repeat(64), sizeBytes: 1024, fileName: 'srx-sim-300-23.2R1.tgz' } });
    await prisma.tenantTargetImage.create({ data: { tenantId: acme.id, model: 'SRX-SIM-300', imageId: image.id } });

    temporal = await connectTestClient();
    admin = await signInAs(prisma, { role: 'SP admin' });
    const app = createApp({
      prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: 'http://localhost:8233',
      images: new ImageStore(mkdtempSync(join(tmpdir(), 'images-'))), events: new EventHub(database.url, silent), secretsKey: randomBytes(32),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await temporal.close();
    await database.drop();
  });

  it('plans a modelled site exactly as onboarding plans it once stored, and shows that plan', async () => {
    const body = site('Marseille store', 'BLS0009101');
    const preview = await post('/api/v1/sites/preview', body);
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    const previewed = await planSite(database.prisma, modelledSite(siteAggregate.parse(body)));

    const created = await post('/api/v1/sites', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const onboarding = await onboardingPlan(created.body['id'] as string);

    assert.deepEqual(previewed, asPreviewed(onboarding));
    assert.deepEqual(preview.body, sitePreviewOf(asPreviewed(onboarding)));
    // Onboarding's order, whatever the order the site was modelled in.
    assert.deepEqual(onboarding.devices.map((d) => [d.role, d.wanLinks.map((l) => l.name), d.primaryLinks]), [
      ['primary', ['internet', 'mpls'], ['internet', 'mpls']],
      ['secondary', ['backup', 'broadband'], ['broadband']],
    ]);
    assert.deepEqual(onboarding.lanSegments.map((s) => s.vlanId), [10, 20]);
    assert.deepEqual(onboarding.peers.map((p) => [p.siteName, p.priority]), [['Frankfurt hub', 'primary'], ['Amsterdam hub', 'secondary']]);
    // The policy's link types first, in its order (mpls, then broadband), the other links after them.
    assert.deepEqual(onboarding.policies.steering.map((s) => s.preferredLinks), [['mpls', 'broadband', 'backup', 'internet']]);
    assert.deepEqual(onboarding.targetImages, [{ model: 'SRX-SIM-300', version: '23.2R1', sha256: 'a'.repeat(64) }]);
  });

  it('refuses, with onboarding’s reason, a site whose hub is not active yet', async () => {
    const prisma = database.prisma;
    const lisbon = await prisma.site.create({
      data: { tenantId: acme.id, name: 'Lisbon hub', role: 'hub', timezone: 'Europe/Lisbon', devices: { create: { hostname: 'lisbon-hub-01', model: 'SRX-SIM-4600', platform: 'junos' } } },
    });
    const body = { ...site('Nantes store', 'BLS0009102'), secondaryHubId: lisbon.id };
    const preview = await post('/api/v1/sites/preview', body);
    assert.equal(preview.status, 409, JSON.stringify(preview.body));
    assert.equal(preview.body['detail'], 'Hub Lisbon hub is planned, not active: onboard it first.');

    const created = await post('/api/v1/sites', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await assert.rejects(onboardingPlan(created.body['id'] as string), (error: unknown) =>
      error instanceof ApplicationFailure && error.type === failureTypes.siteNotReady && error.message === preview.body['detail']);
  });

  it('refuses, with onboarding’s reason, a mesh site whose active peer has no provisioned box', async () => {
    const prisma = database.prisma;
    const globex = await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } });
    await prisma.site.update({ where: { tenantId_name: { tenantId: globex.id, name: 'Antwerp depot' } }, data: { status: 'active' } });
    const body = {
      ...site('Bruges depot', 'BLS0009103'), tenantId: globex.id, primaryHubId: undefined, secondaryHubId: undefined, topology: 'full_mesh', appSlaPolicyIds: [],
      devices: [{ role: 'primary', model: 'SRX-SIM-300' }], wanLinks: [site('', '').wanLinks[0]], lanSegments: [], departments: [],
    };
    const preview = await post('/api/v1/sites/preview', body);
    assert.equal(preview.status, 409, JSON.stringify(preview.body));
    assert.equal(preview.body['detail'], 'Antwerp depot has no provisioned primary device to end the tunnels on.');

    const created = await post('/api/v1/sites', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await assert.rejects(onboardingPlan(created.body['id'] as string), (error: unknown) =>
      error instanceof ApplicationFailure && error.type === failureTypes.siteNotReady && error.message === preview.body['detail']);
  });
});
