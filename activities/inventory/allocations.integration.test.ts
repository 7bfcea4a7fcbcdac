import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from '../../scripts/testing.ts';
import { allocateSiteAddresses, releaseSiteAddresses } from './allocations.ts';

describe('site address allocation', () => {
  let database: TestDatabase;
  let hubs: string[];
  let spokes: string[];

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    hubs = (await database.prisma.site.findMany({ where: { role: 'hub' }, orderBy: { name: 'asc' } })).map((s) => s.id);
    spokes = [];
    for (let i = 0; i < 51; i++) {
      spokes.push((await database.prisma.site.create({ data: { tenantId: acme.id, name: `Store ${i}` } })).id);
    }
  });
  after(async () => {
    await database.drop();
  });

  it('gives fifty sites onboarding at once distinct loopbacks, tunnel subnets and units on each hub', async () => {
    const results = await Promise.all(spokes.slice(0, 50).map((siteId) =>
      allocateSiteAddresses(database.prisma, { siteId, tunnels: hubs.map((peerSiteId) => ({ peerSiteId })) })));
    const loopbacks = results.map((r) => r.loopback);
    assert.equal(new Set(loopbacks).size, 50);
    assert.ok(loopbacks.every((l) => /^10\.255\.\d+\.\d+\/32$/.test(l)));
    const subnets = results.flatMap((r) => r.tunnels.map((t) => t.subnet));
    assert.equal(new Set(subnets).size, 100);
    for (const hub of hubs) {
      const units = results.map((r) => r.tunnels.find((t) => t.peerSiteId === hub)!.peerUnit);
      assert.deepEqual([...units].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    }
    const tunnel = results[0]!.tunnels[0]!;
    const network = tunnel.subnet.split('/')[0]!.split('.');
    assert.equal(tunnel.localAddress, `${network.slice(0, 3).join('.')}.${Number(network[3]) + 1}/30`);
    assert.equal(tunnel.peerAddress, `${network.slice(0, 3).join('.')}.${Number(network[3]) + 2}/30`);
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: spokes[0]! } })).loopbackAddress, loopbacks[0]!.replace('/32', ''));
  });

  it('gives a site the same addresses when asked again, claiming nothing new', async () => {
    const before = await database.prisma.allocation.count();
    const first = await allocateSiteAddresses(database.prisma, { siteId: spokes[0]!, tunnels: hubs.map((peerSiteId) => ({ peerSiteId })) });
    const again = await allocateSiteAddresses(database.prisma, { siteId: spokes[0]!, tunnels: [...hubs].reverse().map((peerSiteId) => ({ peerSiteId })) });
    assert.deepEqual(again.tunnels.sort((a, b) => a.peerUnit - b.peerUnit || a.subnet.localeCompare(b.subnet)), first.tunnels.sort((a, b) => a.peerUnit - b.peerUnit || a.subnet.localeCompare(b.subnet)));
    assert.equal(again.loopback, first.loopback);
    assert.equal(await database.prisma.allocation.count(), before);
  });

  it('completes what an interrupted attempt left half-claimed', async () => {
    const siteId = spokes[50]!;
    await database.prisma.allocation.create({ data: { kind: 'tunnel_id', value: `${hubs[0]}:51`, siteId, peerSiteId: hubs[0]! } });
    const result = await allocateSiteAddresses(database.prisma, { siteId, tunnels: [{ peerSiteId: hubs[0]! }] });
    assert.equal(result.tunnels[0]!.peerUnit, 51);
    assert.equal(await database.prisma.allocation.count({ where: { siteId } }), 3);
  });

  it('releases everything a site holds, for the next site to take', async () => {
    const held = await allocateSiteAddresses(database.prisma, { siteId: spokes[1]!, tunnels: [{ peerSiteId: hubs[0]! }] });
    assert.deepEqual(await releaseSiteAddresses(database.prisma, { siteId: spokes[1]! }), { released: 5 });
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: spokes[1]! } })).loopbackAddress, null);
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const newcomer = await database.prisma.site.create({ data: { tenantId: acme.id, name: 'Newcomer' } });
    const taken = await allocateSiteAddresses(database.prisma, { siteId: newcomer.id, tunnels: [{ peerSiteId: hubs[0]! }] });
    assert.equal(taken.loopback, held.loopback);
    assert.equal(taken.tunnels[0]!.peerUnit, held.tunnels[0]!.peerUnit);
  });
});
