// The demo a newcomer sees after `npm start`: one OpCo, two tenants, two hubs and a handful of
// planned sites, Lyon with voice steered between its MPLS and broadband links. Runs on an empty
// database only; `npm start` then brings the hubs and a few branches up (scripts/demo.ts).
import { ensureBuiltinRoles } from '../inventory/roles.ts';
import type { PrismaClient } from './client.ts';

interface PlannedSite {
  name: string;
  timezone: string;
  country: string;
  address: string;
  model: string;
  links: WanLinkPlan[];
  /** The site takes the tenant's voice SLA policy. */
  voiceSteered?: true;
}

interface WanLinkPlan {
  name: string;
  type: 'mpls' | 'broadband' | 'lte' | 'dsl';
  interfaceName: string;
  bandwidthMbps: number;
  monthlyCost: number;
  backupOnly?: boolean;
  /** Statically addressed links name their gateway and the provider's DNS server: what the SLA probes aim at. */
  addressing?: 'static';
  staticAddress?: string;
  gateway?: string;
  dnsServers?: string[];
}

const acmeSites: PlannedSite[] = [
  { name: 'Lyon store', timezone: 'Europe/Paris', country: 'FR', address: '12 rue de la République, Lyon', model: 'SRX-SIM-300', voiceSteered: true, links: [
    { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420, addressing: 'static', staticAddress: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['192.0.2.53'] },
    { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/1', bandwidthMbps: 500, monthlyCost: 60 },
  ] },
  { name: 'Munich store', timezone: 'Europe/Berlin', country: 'DE', address: 'Kaufingerstraße 5, München', model: 'SRX-SIM-300', links: [
    { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 250, monthlyCost: 45 },
    { name: 'lte', type: 'lte', interfaceName: 'dl0', bandwidthMbps: 50, monthlyCost: 30, backupOnly: true },
  ] },
  { name: 'Porto store', timezone: 'Europe/Lisbon', country: 'PT', address: 'Rua de Santa Catarina 100, Porto', model: 'SRX-SIM-100', links: [
    { name: 'dsl', type: 'dsl', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 35 },
  ] },
];

const globexSites: PlannedSite[] = [
  { name: 'Rotterdam depot', timezone: 'Europe/Amsterdam', country: 'NL', address: 'Waalhaven 1, Rotterdam', model: 'SRX-SIM-300', links: [
    { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 650 },
    { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/1', bandwidthMbps: 1000, monthlyCost: 80 },
  ] },
  { name: 'Antwerp depot', timezone: 'Europe/Brussels', country: 'BE', address: 'Havenlaan 2, Antwerpen', model: 'SRX-SIM-300', links: [
    { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 500, monthlyCost: 70 },
    { name: 'lte', type: 'lte', interfaceName: 'dl0', bandwidthMbps: 50, monthlyCost: 30, backupOnly: true },
  ] },
];

function hostnameOf(siteName: string): string {
  return siteName.toLowerCase().replace(/[^a-z0-9]+/g, '-') + '-01';
}

export async function seedDemo(prisma: PrismaClient): Promise<{ seeded: boolean }> {
  if ((await prisma.opCo.count()) > 0) return { seeded: false };
  await ensureBuiltinRoles(prisma);
  await prisma.$transaction(async (tx) => {
    const opco = await tx.opCo.create({ data: { name: 'Northwind Managed Networks' } });
    const acme = await tx.tenant.create({ data: { opcoId: opco.id, name: 'Acme Retail', slug: 'acme-retail' } });
    const globex = await tx.tenant.create({ data: { opcoId: opco.id, name: 'Globex Logistics', slug: 'globex-logistics' } });

    const hubs = [];
    for (const [name, timezone, country] of [['Frankfurt hub', 'Europe/Berlin', 'DE'], ['Amsterdam hub', 'Europe/Amsterdam', 'NL']] as const) {
      const hub = await tx.site.create({
        data: {
          tenantId: acme.id, name, role: 'hub', status: 'planned', timezone, country,
          devices: { create: { hostname: hostnameOf(name), model: 'SRX-SIM-4600', platform: 'junos' } },
        },
        include: { devices: true },
      });
      await tx.wanLink.createMany({ data: ([
        { name: 'internet-a', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 10_000, monthlyCost: 900 },
        { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/1', bandwidthMbps: 1_000, monthlyCost: 2_400 },
      ] satisfies WanLinkPlan[]).map((link) => ({ ...link, currency: 'EUR', siteId: hub.id, deviceId: hub.devices[0]!.id })) });
      hubs.push(hub);
    }
    const [primaryHub, secondaryHub] = hubs as [typeof hubs[number], typeof hubs[number]];

    const gold = await tx.slaProfile.create({ data: { tenantId: acme.id, name: 'Real-time voice', maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10 } });
    // Voice breaks out locally at Lyon, on MPLS while it meets the profile, else on broadband.
    const voice = await tx.appSlaPolicy.create({ data: { tenantId: acme.id, name: 'Voice on the best link', applications: ['voice'], slaProfileId: gold.id, preferredLinkTypes: ['mpls', 'broadband'], breakout: 'local', priority: 10 } });
    await tx.firewallPolicy.create({ data: { tenantId: acme.id, name: 'Guest Wi-Fi to internet only', scope: 'department', scopeRef: 'Guests', rules: [
      { name: 'guests-no-corporate', from: 'Guests', to: 'corporate', applications: ['any'], action: 'deny', log: true },
      { name: 'guests-internet', from: 'Guests', to: 'internet', applications: ['http', 'https', 'dns'], action: 'permit', log: false },
    ] } });

    // Each site gets its own LAN prefixes, 10.<n>.x.0/24, as an overlay needs.
    let siteNumber = 0;
    const createSites = async (tenantId: string, sites: PlannedSite[], topology: 'hub_and_spoke' | 'full_mesh', voicePolicyId?: string) => {
      for (const site of sites) {
        siteNumber += 1;
        const { voiceSteered, ...plan } = site;
        const created = await tx.site.create({
          data: {
            tenantId, name: plan.name, timezone: plan.timezone, country: plan.country, address: plan.address, topology,
            devices: { create: { hostname: hostnameOf(plan.name), model: plan.model, platform: 'junos' } },
            ...(voiceSteered && voicePolicyId ? { appSlaPolicies: { create: { policyId: voicePolicyId } } } : {}),
            departments: { create: [{ name: 'Staff' }, { name: 'Guests' }] },
            ...(topology === 'hub_and_spoke'
              ? { hubs: { create: [{ hubSiteId: primaryHub.id, priority: 'primary' }, { hubSiteId: secondaryHub.id, priority: 'secondary' }] } }
              : {}),
          },
          include: { departments: true, devices: true },
        });
        // A site's links are its device's: the configuration and the tunnels it ends are the device's.
        await tx.wanLink.createMany({ data: plan.links.map((link) => ({ ...link, currency: 'EUR', siteId: created.id, deviceId: created.devices[0]!.id })) });
        const staff = created.departments.find((d) => d.name === 'Staff')!;
        const guests = created.departments.find((d) => d.name === 'Guests')!;
        await tx.lanSegment.createMany({ data: [
          { siteId: created.id, departmentId: staff.id, name: 'staff', vlanId: 10, prefix: `10.${siteNumber}.10.0/24` },
          { siteId: created.id, departmentId: guests.id, name: 'guests', vlanId: 20, prefix: `10.${siteNumber}.20.0/24` },
        ] });
      }
    };
    await createSites(acme.id, acmeSites, 'hub_and_spoke', voice.id);
    await createSites(globex.id, globexSites, 'full_mesh');
    // Some hundred statements: Prisma's 5 s default is too short on a busy machine, and a seed cut
    // off halfway leaves nothing (the transaction) but a failed first start.
  }, { timeout: 60_000 });
  return { seeded: true };
}
