// Addresses and tunnel ids for a site's overlay, unique across the whole network even when many
// sites onboard at once (claims take turns; the unique constraint allocation_kind_value_key is
// the safety net). Idempotent per site: asking again returns what the site already holds.
import type { Prisma, PrismaClient } from '../../prisma/client.ts';
import { formatIpv4, parseIpv4 } from '../../prisma/ipv4.ts';

/** Loopbacks: 10.255.0.0/16, one /32 each. Tunnels: 172.16.0.0/12, one /30 per tunnel. */
const pools = {
  loopback: { base: parseIpv4('10.255.0.1')!, size: 65_534, step: 1 },
  tunnel_subnet: { base: parseIpv4('172.16.0.0')!, size: 262_144, step: 4 },
} as const;

export interface SiteTunnelPlan {
  /** The peer (hub or mesh peer) at the other end. */
  peerSiteId: string;
}

export interface SiteAllocations {
  loopback: string;
  tunnels: {
    peerSiteId: string;
    /** The /30 of the tunnel: this site takes the first host, the peer the second. */
    subnet: string;
    localAddress: string;
    peerAddress: string;
    /** The st0 unit on the peer, unique on that peer. */
    peerUnit: number;
  }[];
}

/**
 * Claims the lowest free value for the site. Claims of one kind (per peer, for units) take turns
 * on a transaction-scoped advisory lock, so concurrent onboardings do not race for the same
 * lowest value; the unique constraint stays the last word.
 */
async function claim(
  prisma: PrismaClient,
  owner: { siteId: string; peerSiteId?: string },
  kind: 'loopback' | 'tunnel_subnet' | 'tunnel_id',
  firstFree: (tx: Prisma.TransactionClient) => Promise<string>,
): Promise<string> {
  const lock = kind === 'tunnel_id' ? `allocation:${kind}:${owner.peerSiteId}` : `allocation:${kind}`;
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${lock}))`;
    const value = await firstFree(tx);
    await tx.allocation.create({ data: { kind, value, siteId: owner.siteId, peerSiteId: owner.peerSiteId ?? null } });
    return value;
  }, { maxWait: 30_000, timeout: 30_000 }); // turns are short, but many onboardings may queue for them
}

/** The lowest free value of a pool. */
async function firstFreeInPool(tx: Prisma.TransactionClient, kind: keyof typeof pools): Promise<string> {
  const pool = pools[kind];
  const taken = new Set((await tx.allocation.findMany({ where: { kind }, select: { value: true } })).map((a) => a.value));
  for (let i = 0; i < pool.size; i += pool.step) {
    const value = kind === 'tunnel_subnet' ? `${formatIpv4(pool.base + i)}/30` : formatIpv4(pool.base + i);
    if (!taken.has(value)) return value;
  }
  throw new Error(`the ${kind} pool is exhausted`);
}

/** The lowest free st0 unit on a peer; the value names the peer, as units are unique per device. */
async function firstFreeUnit(tx: Prisma.TransactionClient, peerSiteId: string): Promise<string> {
  const taken = new Set((await tx.allocation.findMany({ where: { kind: 'tunnel_id', peerSiteId }, select: { value: true } })).map((a) => a.value));
  for (let unit = 1; unit <= 16_000; unit++) if (!taken.has(`${peerSiteId}:${unit}`)) return `${peerSiteId}:${unit}`;
  throw new Error(`no free tunnel unit on site ${peerSiteId}`);
}

/**
 * The site's loopback and, per tunnel, a /30 and a unit on the peer. What the site already holds
 * is kept; what is missing is claimed.
 */
export async function allocateSiteAddresses(prisma: PrismaClient, input: { siteId: string; tunnels: SiteTunnelPlan[] }): Promise<SiteAllocations> {
  const held = await prisma.allocation.findMany({ where: { siteId: input.siteId } });
  const holding = (kind: string, peerSiteId: string | null = null) => held.find((a) => a.kind === kind && a.peerSiteId === peerSiteId)?.value;
  const site = { siteId: input.siteId };
  const loopback = holding('loopback') ?? await claim(prisma, site, 'loopback', (tx) => firstFreeInPool(tx, 'loopback'));

  const tunnels: SiteAllocations['tunnels'] = [];
  for (const { peerSiteId } of input.tunnels) {
    const unit = holding('tunnel_id', peerSiteId) ?? await claim(prisma, { ...site, peerSiteId }, 'tunnel_id', (tx) => firstFreeUnit(tx, peerSiteId));
    const subnet = holding('tunnel_subnet', peerSiteId) ?? await claim(prisma, { ...site, peerSiteId }, 'tunnel_subnet', (tx) => firstFreeInPool(tx, 'tunnel_subnet'));
    const network = parseIpv4(subnet.split('/')[0]!)!;
    tunnels.push({ peerSiteId, subnet, localAddress: `${formatIpv4(network + 1)}/30`, peerAddress: `${formatIpv4(network + 2)}/30`, peerUnit: Number(unit.split(':')[1]) });
  }
  await prisma.site.update({ where: { id: input.siteId }, data: { loopbackAddress: loopback } });
  return { loopback: `${loopback}/32`, tunnels };
}

/** Gives everything back (a failed onboarding's compensation, or a decommission). */
export async function releaseSiteAddresses(prisma: PrismaClient, input: { siteId: string }): Promise<{ released: number }> {
  const [{ count }] = await prisma.$transaction([
    prisma.allocation.deleteMany({ where: { siteId: input.siteId } }),
    prisma.site.update({ where: { id: input.siteId }, data: { loopbackAddress: null } }),
  ]);
  return { released: count };
}
