// Addresses and tunnel ids for a site's overlay, unique across the whole network even when many
// sites onboard at once (claims take turns; the unique constraint allocation_kind_value_key is
// the safety net). Idempotent per site: asking again returns what the site already holds.
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { formatIpv4, parseIpv4 } from '../domain/ipv4.ts';
import { hubPathName, type DeviceAllocations, type DeviceTunnelPlan, type TunnelAllocation } from '../domain/site-plan.ts';
import type { HubPathConfig } from '../domain/render/device-config.ts';

/** Loopbacks: 10.255.0.0/16, one /32 each. Tunnels: 172.16.0.0/12, one /30 per tunnel. */
const pools = {
  loopback: { base: parseIpv4('10.255.0.1')!, size: 65_534, step: 1 },
  tunnel_subnet: { base: parseIpv4('172.16.0.0')!, size: 262_144, step: 4 },
} as const;

/**
 * Claims the lowest free value for the site. Claims of one kind (per peer, for units) take turns
 * on a transaction-scoped advisory lock, so concurrent onboardings do not race for the same
 * lowest value; the unique constraint stays the last word.
 */
async function claim(
  prisma: PrismaClient,
  owner: { siteId: string; deviceRole: 'primary' | 'secondary'; peerSiteId?: string },
  kind: 'loopback' | 'tunnel_subnet' | 'tunnel_id',
  firstFree: (tx: Prisma.TransactionClient) => Promise<string>,
  /** Units are per device: claims on different devices need not take turns. */
  unitsOf?: string,
): Promise<string> {
  const lock = kind === 'tunnel_id' ? `allocation:${kind}:${unitsOf}` : `allocation:${kind}`;
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${lock}))`;
    const value = await firstFree(tx);
    await tx.allocation.create({ data: { kind, value, siteId: owner.siteId, deviceRole: owner.deviceRole, peerSiteId: owner.peerSiteId ?? null } });
    return value;
  }, { maxWait: 30_000, timeout: 30_000 }); // turns are short, but many onboardings may queue for them
}

/**
 * The lowest free value of a pool, found by the database: the candidates are as many as the
 * values taken, each one probe of the unique index, and nothing is carried over the wire.
 */
async function firstFreeInPool(tx: Prisma.TransactionClient, kind: keyof typeof pools): Promise<string> {
  const pool = pools[kind];
  const suffix = kind === 'tunnel_subnet' ? '/30' : '';
  const [free] = await tx.$queryRaw<{ value: string }[]>`
    SELECT host(${formatIpv4(pool.base)}::inet + n * ${pool.step}) || ${suffix} AS value
    -- With c values taken, the lowest free one is among the first c + 1.
    FROM generate_series(0, LEAST((SELECT count(*) FROM allocation WHERE kind = ${kind}::"AllocationKind"), ${Math.floor(pool.size / pool.step) - 1})) AS n
    WHERE NOT EXISTS (
      SELECT 1 FROM allocation
      WHERE kind = ${kind}::"AllocationKind" AND value = host(${formatIpv4(pool.base)}::inet + n * ${pool.step}) || ${suffix}
    )
    ORDER BY n
    LIMIT 1`;
  if (!free) throw new Error(`the ${kind} pool is exhausted`);
  return free.value;
}

/** The two ends of a tunnel's /30: the site that allocated it takes the first host, the peer the second. */
export function tunnelEnds(subnet: string): { localAddress: string; peerAddress: string } {
  const network = parseIpv4(subnet.split('/')[0]!)!;
  return { localAddress: `${formatIpv4(network + 1)}/30`, peerAddress: `${formatIpv4(network + 2)}/30` };
}

/** Names a device's st0 units: `<siteId>/<role>`; a unit's value is `<device>:<unit>`. */
const unitsOf = (siteId: string, role: string) => `${siteId}/${role}`;

/** The lowest free st0 unit on a device, whichever site's tunnel holds the others. */
async function firstFreeUnit(tx: Prisma.TransactionClient, device: string): Promise<string> {
  const [free] = await tx.$queryRaw<{ value: string }[]>`
    SELECT ${device} || ':' || n AS value
    FROM generate_series(1, LEAST((SELECT count(*) FROM allocation WHERE kind = 'tunnel_id' AND value LIKE ${device} || ':%') + 1, 16000)) AS n
    WHERE NOT EXISTS (SELECT 1 FROM allocation WHERE kind = 'tunnel_id' AND value = ${device} || ':' || n)
    ORDER BY n
    LIMIT 1`;
  if (!free) throw new Error(`no free tunnel unit on ${device}`);
  return free.value;
}

const unitNumber = (value: string) => Number(value.split(':')[1]);

/**
 * Each device's loopback and, per tunnel, a /30 and a unit on the peer. What the site already
 * holds is kept; what is missing is claimed. The site records its primary device's loopback.
 */
export async function allocateSiteAddresses(prisma: PrismaClient, input: { siteId: string; devices: DeviceTunnelPlan[] }): Promise<DeviceAllocations[]> {
  const held = await prisma.allocation.findMany({ where: { siteId: input.siteId } });
  const result: DeviceAllocations[] = [];
  for (const device of input.devices) {
    const holding = (kind: string, peerSiteId: string | null = null, prefix = '') =>
      held.find((a) => a.kind === kind && a.deviceRole === device.role && a.peerSiteId === peerSiteId && a.value.startsWith(prefix))?.value;
    const owner = { siteId: input.siteId, deviceRole: device.role };
    const own = unitsOf(input.siteId, device.role);
    const loopback = holding('loopback') ?? await claim(prisma, owner, 'loopback', (tx) => firstFreeInPool(tx, 'loopback'));
    const tunnels: TunnelAllocation[] = [];
    for (const peerSiteId of device.peerSiteIds) {
      const tunnelOwner = { ...owner, peerSiteId };
      // Tunnels end on the peer's primary device.
      const peer = unitsOf(peerSiteId, 'primary');
      const peerUnit = holding('tunnel_id', peerSiteId, `${peer}:`) ?? await claim(prisma, tunnelOwner, 'tunnel_id', (tx) => firstFreeUnit(tx, peer), peer);
      const localUnit = holding('tunnel_id', peerSiteId, `${own}:`) ?? await claim(prisma, tunnelOwner, 'tunnel_id', (tx) => firstFreeUnit(tx, own), own);
      const subnet = holding('tunnel_subnet', peerSiteId) ?? await claim(prisma, tunnelOwner, 'tunnel_subnet', (tx) => firstFreeInPool(tx, 'tunnel_subnet'));
      tunnels.push({ peerSiteId, subnet, ...tunnelEnds(subnet), peerUnit: unitNumber(peerUnit), localUnit: unitNumber(localUnit) });
    }
    result.push({ role: device.role, loopback: `${loopback}/32`, tunnels });
  }
  const primary = result.find((d) => d.role === 'primary');
  if (primary) await prisma.site.update({ where: { id: input.siteId }, data: { loopbackAddress: primary.loopback.split('/')[0]! } });
  return result;
}

/**
 * Gives everything back (a failed onboarding's compensation, or a decommission, which also frees
 * what peers held for their tunnels to the site).
 */
export async function releaseSiteAddresses(prisma: PrismaClient, input: { siteId: string; includingPeers?: boolean }): Promise<{ released: number }> {
  const [{ count }] = await prisma.$transaction([
    prisma.allocation.deleteMany({
      where: input.includingPeers ? { OR: [{ siteId: input.siteId }, { peerSiteId: input.siteId }] } : { siteId: input.siteId },
    }),
    prisma.site.update({ where: { id: input.siteId }, data: { loopbackAddress: null } }),
  ]);
  return { released: count };
}

/**
 * A site's devices' paths to its hubs (central breakout's), from the tunnels allocated toward
 * them: per device role, its st0 unit and the hub's end of the /30, hubs in the order given.
 */
export async function hubPathsOf(
  prisma: PrismaClient, siteId: string, hubs: readonly { siteId: string; hostname: string }[],
): Promise<Map<string, HubPathConfig[]>> {
  const held = hubs.length === 0 ? [] : await prisma.allocation.findMany({
    where: { siteId, kind: { in: ['tunnel_id', 'tunnel_subnet'] }, peerSiteId: { in: hubs.map((hub) => hub.siteId) } },
  });
  const paths = new Map<string, HubPathConfig[]>();
  for (const role of [...new Set(held.map((a) => a.deviceRole))]) {
    const own = `${unitsOf(siteId, role)}:`;
    paths.set(role, hubs.flatMap((hub) => {
      const ofHub = held.filter((a) => a.deviceRole === role && a.peerSiteId === hub.siteId);
      const unit = ofHub.find((a) => a.kind === 'tunnel_id' && a.value.startsWith(own));
      const subnet = ofHub.find((a) => a.kind === 'tunnel_subnet');
      if (!unit || !subnet) return [];
      return [{ name: hubPathName(hub.hostname), unit: unitNumber(unit.value), target: tunnelEnds(subnet.value).peerAddress.split('/')[0]! }];
    }));
  }
  return paths;
}
