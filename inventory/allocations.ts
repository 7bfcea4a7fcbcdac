// Addresses and tunnel ids for a site's overlay, unique across the whole network even when many
// sites onboard at once (claims take turns; the unique constraint allocation_kind_value_key is
// the safety net). Idempotent per site: asking again returns what the site already holds.
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { formatIpv4, parseIpv4 } from '../domain/ipv4.ts';
import { hubPath, type DeviceAllocations, type DeviceTunnelPlan, type TunnelAllocation } from '../domain/site-plan.ts';
import type { HubPathConfig } from '../domain/render/device-config.ts';

/** Loopbacks: 10.255.0.0/16, one /32 each. Tunnels: 172.16.0.0/12, one /30 per tunnel. */
const pools = {
  loopback: { base: parseIpv4('10.255.0.1')!, size: 65_534, step: 1 },
  tunnel_subnet: { base: parseIpv4('172.16.0.0')!, size: 262_144, step: 4 },
} as const;

type AllocationKind = 'loopback' | 'tunnel_subnet' | 'tunnel_id';

/** A value the site lacks: its kind, whose it is, and for units the device they are on. */
interface Claim {
  kind: AllocationKind;
  siteId: string;
  deviceRole: 'primary' | 'secondary';
  peerSiteId?: string;
  /** Units are per device: claims on different devices need not take turns. */
  unitsOf?: string;
}

/** Claims of one kind (per device, for units) take turns on this. */
const turnOf = (claim: Claim) => (claim.kind === 'tunnel_id' ? `allocation:${claim.kind}:${claim.unitsOf}` : `allocation:${claim.kind}`);

/**
 * Claims the lowest free values for the site's claims, in one transaction: it takes the turns of
 * every kind it claims (transaction-scoped advisory locks, in one order for every claimant, so
 * concurrent onboardings neither race for the same lowest value nor deadlock), finds the free
 * values of each kind in one query and inserts them all at once. The unique constraint stays the
 * last word. Answers the values in the claims' order.
 */
async function claimAll(prisma: PrismaClient, claims: Claim[]): Promise<string[]> {
  if (claims.length === 0) return [];
  const turns = [...new Map(claims.map((claim) => [turnOf(claim), claim])).entries()].sort(([a], [b]) => a.localeCompare(b));
  return prisma.$transaction(async (tx) => {
    // unnest answers the turns in the array's order, and each lock is taken as its row is.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(turn)) FROM unnest(${turns.map(([turn]) => turn)}::text[]) AS turn`;
    const free = new Map<string, string[]>();
    for (const [turn, claim] of turns) {
      const count = claims.filter((c) => turnOf(c) === turn).length;
      free.set(turn, claim.kind === 'tunnel_id' ? await firstFreeUnits(tx, claim.unitsOf!, count) : await firstFreeInPool(tx, claim.kind, count));
    }
    const values = claims.map((claim) => free.get(turnOf(claim))!.shift()!);
    await tx.allocation.createMany({
      data: claims.map((claim, index) => ({ kind: claim.kind, value: values[index]!, siteId: claim.siteId, deviceRole: claim.deviceRole, peerSiteId: claim.peerSiteId ?? null })),
    });
    return values;
  }, { maxWait: 30_000, timeout: 30_000 }); // turns are short, but many onboardings may queue for them
}

/**
 * The `count` lowest free values of a pool, found by the database: the candidates are as many as
 * the values taken and asked for, each one probe of the unique index, and nothing is carried over the wire.
 */
async function firstFreeInPool(tx: Prisma.TransactionClient, kind: keyof typeof pools, count: number): Promise<string[]> {
  const pool = pools[kind];
  const suffix = kind === 'tunnel_subnet' ? '/30' : '';
  const free = await tx.$queryRaw<{ value: string }[]>`
    SELECT host(${formatIpv4(pool.base)}::inet + n * ${pool.step}) || ${suffix} AS value
    -- With c values taken, the k lowest free ones are among the first c + k.
    FROM generate_series(0, LEAST((SELECT count(*) FROM allocation WHERE kind = ${kind}::"AllocationKind") + ${count - 1}, ${Math.floor(pool.size / pool.step) - 1})) AS n
    WHERE NOT EXISTS (
      SELECT 1 FROM allocation
      WHERE kind = ${kind}::"AllocationKind" AND value = host(${formatIpv4(pool.base)}::inet + n * ${pool.step}) || ${suffix}
    )
    ORDER BY n
    LIMIT ${count}`;
  if (free.length < count) throw new Error(`the ${kind} pool is exhausted`);
  return free.map((f) => f.value);
}

/** The two ends of a tunnel's /30: the site that allocated it takes the first host, the peer the second. */
export function tunnelEnds(subnet: string): { localAddress: string; peerAddress: string } {
  const network = parseIpv4(subnet.split('/')[0]!)!;
  return { localAddress: `${formatIpv4(network + 1)}/30`, peerAddress: `${formatIpv4(network + 2)}/30` };
}

/** Names a device's st0 units: `<siteId>/<role>`; a unit's value is `<device>:<unit>`. */
const unitsOf = (siteId: string, role: string) => `${siteId}/${role}`;

/** The `count` lowest free st0 units on a device, whichever site's tunnels hold the others. */
async function firstFreeUnits(tx: Prisma.TransactionClient, device: string, count: number): Promise<string[]> {
  const free = await tx.$queryRaw<{ value: string }[]>`
    SELECT ${device} || ':' || n AS value
    FROM generate_series(1, LEAST((SELECT count(*) FROM allocation WHERE kind = 'tunnel_id' AND value LIKE ${device} || ':%') + ${count}, 16000)) AS n
    WHERE NOT EXISTS (SELECT 1 FROM allocation WHERE kind = 'tunnel_id' AND value = ${device} || ':' || n)
    ORDER BY n
    LIMIT ${count}`;
  if (free.length < count) throw new Error(`no free tunnel unit on ${device}`);
  return free.map((f) => f.value);
}

const unitNumber = (value: string) => Number(value.split(':')[1]);

/**
 * Each device's loopback and, per tunnel, a /30 and a unit on the peer. What the site already
 * holds is kept; what is missing is claimed, all in one transaction. The site records its primary
 * device's loopback.
 */
export async function allocateSiteAddresses(prisma: PrismaClient, input: { siteId: string; devices: DeviceTunnelPlan[] }): Promise<DeviceAllocations[]> {
  const held = await prisma.allocation.findMany({ where: { siteId: input.siteId } });
  const claims: Claim[] = [];
  let claimed: string[] = [];
  /** The value the site holds already, or the one claimed for it below. */
  const valueOf = (claim: Claim, prefix = ''): (() => string) => {
    const holding = held.find((a) => a.kind === claim.kind && a.deviceRole === claim.deviceRole && a.peerSiteId === (claim.peerSiteId ?? null) && a.value.startsWith(prefix))?.value;
    if (holding !== undefined) return () => holding;
    const index = claims.push(claim) - 1;
    return () => claimed[index]!;
  };
  const devices = input.devices.map((device) => {
    const owner = { siteId: input.siteId, deviceRole: device.role };
    const own = unitsOf(input.siteId, device.role);
    return {
      role: device.role,
      loopback: valueOf({ ...owner, kind: 'loopback' }),
      tunnels: device.peerSiteIds.map((peerSiteId) => {
        const tunnelOwner = { ...owner, peerSiteId };
        // Tunnels end on the peer's primary device.
        const peer = unitsOf(peerSiteId, 'primary');
        return {
          peerSiteId,
          peerUnit: valueOf({ ...tunnelOwner, kind: 'tunnel_id', unitsOf: peer }, `${peer}:`),
          localUnit: valueOf({ ...tunnelOwner, kind: 'tunnel_id', unitsOf: own }, `${own}:`),
          subnet: valueOf({ ...tunnelOwner, kind: 'tunnel_subnet' }),
        };
      }),
    };
  });
  claimed = await claimAll(prisma, claims);
  const result = devices.map((device): DeviceAllocations => ({
    role: device.role,
    loopback: `${device.loopback()}/32`,
    tunnels: device.tunnels.map((tunnel): TunnelAllocation => {
      const subnet = tunnel.subnet();
      return { peerSiteId: tunnel.peerSiteId, subnet, ...tunnelEnds(subnet), peerUnit: unitNumber(tunnel.peerUnit()), localUnit: unitNumber(tunnel.localUnit()) };
    }),
  }));
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
      return [hubPath(hub.hostname, unitNumber(unit.value), tunnelEnds(subnet.value).peerAddress)];
    }));
  }
  return paths;
}
