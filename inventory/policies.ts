// The policies a site's devices carry: the tenant's firewall intent that applies to the site (the
// whole tenant, the site's tags, its departments) and the application SLA policies it chose.
import type { PrismaClient } from '../prisma/client.ts';
import type { FirewallRuleConfig, PolicyConfigInput } from '../domain/render/device-config.ts';
import { byName } from './devices.ts';

const ruleName = (policy: string, rule: string) => `${policy}-${rule}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export interface PolicyScope {
  tenantId: string;
  tags: string[];
  departments: string[];
  /** Its WAN links, in any order. */
  links: { name: string; type: string }[];
  appSlaPolicyIds: string[];
}

/** Firewall intent that applies to a site (tenant-wide, its tags, its departments) and its steering policies. */
export async function sitePolicies(prisma: PrismaClient, site: PolicyScope): Promise<PolicyConfigInput> {
  const firewallPolicies = await prisma.firewallPolicy.findMany({
    where: {
      tenantId: site.tenantId,
      OR: [{ scope: 'tenant' }, { scope: 'site_group', scopeRef: { in: site.tags } }, { scope: 'department', scopeRef: { in: site.departments } }],
    },
    orderBy: [{ position: 'asc' }, { name: 'asc' }],
  });
  const firewall: FirewallRuleConfig[] = firewallPolicies.flatMap((policy) =>
    (policy.rules as { name: string; from: string; to: string; applications?: string[]; action: FirewallRuleConfig['action']; log?: boolean }[])
      .map((rule) => ({ name: ruleName(policy.name, rule.name), from: rule.from, to: rule.to, applications: rule.applications ?? ['any'], action: rule.action, log: rule.log ?? false })));
  // The links a policy prefers, in name order as on the devices: the inventory keeps no order of its own.
  const links = [...site.links].sort(byName);
  const steering = await prisma.appSlaPolicy.findMany({ where: { id: { in: site.appSlaPolicyIds }, tenantId: site.tenantId }, include: { slaProfile: true } });
  return {
    firewall,
    steering: steering.map((policy) => ({
      name: ruleName(policy.name, ''),
      applications: policy.applications,
      preferredLinks: links.filter((l) => policy.preferredLinkTypes.includes(l.type as never)).map((l) => l.name),
      maxLatencyMs: policy.slaProfile.maxLatencyMs,
      maxJitterMs: policy.slaProfile.maxJitterMs,
      maxLossPermille: policy.slaProfile.maxLossPermille,
      breakout: policy.breakout,
    })),
  };
}

/** The policies of a stored site, with the application SLA policies it chose. */
export async function storedSitePolicies(
  prisma: PrismaClient,
  site: { id: string; tenantId: string; tags: string[]; departments: { name: string }[]; wanLinks: { name: string; type: string }[] },
): Promise<PolicyConfigInput> {
  const chosen = await prisma.siteAppSlaPolicy.findMany({ where: { siteId: site.id }, select: { policyId: true } });
  return sitePolicies(prisma, {
    tenantId: site.tenantId, tags: site.tags, departments: site.departments.map((d) => d.name), links: site.wanLinks, appSlaPolicyIds: chosen.map((c) => c.policyId),
  });
}
