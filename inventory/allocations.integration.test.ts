import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from '../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/testing.ts';
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
      allocateSiteAddresses(database.prisma, { siteId, devices: [{ role: 'primary', peerSiteIds: hubs }] }).then(([device]) => device!)));
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

  const primary = async (siteId: string, peerSiteIds: string[]) =>
    (await allocateSiteAddresses(database.prisma, { siteId, devices: [{ role: 'primary', peerSiteIds }] }))[0]!;

  it('gives a site the same addresses when asked again, claiming nothing new', async () => {
    const before = await database.prisma.allocation.count();
    const first = await primary(spokes[0]!, hubs);
    const again = await primary(spokes[0]!, [...hubs].reverse());
    assert.deepEqual(again.tunnels.sort((a, b) => a.peerUnit - b.peerUnit || a.subnet.localeCompare(b.subnet)), first.tunnels.sort((a, b) => a.peerUnit - b.peerUnit || a.subnet.localeCompare(b.subnet)));
    assert.equal(again.loopback, first.loopback);
    assert.equal(await database.prisma.allocation.count(), before);
  });

  it('completes what an interrupted attempt left half-claimed', async () => {
    const siteId = spokes[50]!;
    await database.prisma.allocation.create({ data: { kind: 'tunnel_id', value: `${hubs[0]}/primary:51`, siteId, peerSiteId: hubs[0]! } });
    const result = await primary(siteId, [hubs[0]!]);
    assert.equal(result.tunnels[0]!.peerUnit, 51);
    assert.equal(await database.prisma.allocation.count({ where: { siteId } }), 4);
  });

  it('releases everything a site holds, for the next site to take', async () => {
    const held = await primary(spokes[1]!, [hubs[0]!]);
    assert.deepEqual(await releaseSiteAddresses(database.prisma, { siteId: spokes[1]! }), { released: 7 });
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: spokes[1]! } })).loopbackAddress, null);
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const newcomer = await database.prisma.site.create({ data: { tenantId: acme.id, name: 'Newcomer' } });
    const taken = await primary(newcomer.id, [hubs[0]!]);
    assert.equal(taken.loopback, held.loopback);
    assert.equal(taken.tunnels[0]!.peerUnit, held.tunnels[0]!.peerUnit);
  });

  it('gives each device of a dual-CPE site its own loopback and tunnels, on distinct units of the hub', async () => {
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const site = await database.prisma.site.create({ data: { tenantId: acme.id, name: 'Dual' } });
    const [first, second] = await allocateSiteAddresses(database.prisma, {
      siteId: site.id, devices: [{ role: 'primary', peerSiteIds: [hubs[0]!] }, { role: 'secondary', peerSiteIds: [hubs[0]!] }],
    });
    assert.notEqual(first!.loopback, second!.loopback);
    assert.notEqual(first!.tunnels[0]!.peerUnit, second!.tunnels[0]!.peerUnit);
    assert.notEqual(first!.tunnels[0]!.subnet, second!.tunnels[0]!.subnet);
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: site.id } })).loopbackAddress, first!.loopback.replace('/32', ''));
  });
});
