// The policies a site's devices carry: the tenant's firewall intent that applies to the site (the
// whole tenant, the site's tags, its departments) and the application SLA policies it chose.
import type { PrismaClient } from '../prisma/client.ts';
import type { FirewallRuleConfig, PolicyConfigInput } from '../domain/render/device-config.ts';
import { applicationSignatures, chooseLink, type SlaThresholds, type SteeringRule } from '../domain/sla.ts';

const ruleName = (policy: string, rule: string) => `${policy}-${rule}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export interface PolicyScope {
  tenantId: string;
  tags: string[];
  departments: string[];
  /** Its WAN links, in any order. */
  links: { name: string; type: string; monthlyCost?: number }[];
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
  const steering = await siteSteeringPolicies(prisma, site);
  return {
    firewall,
    steering: steering.map((policy) => {
      const rule = steeringRule(policy);
      const applications = applicationSignatures(policy.applications);
      // Until SLA steering has measured the links, every application takes the link the policy
      // chooses among links all taken as compliant: the most preferred, or the cheapest.
      const ranked = chooseLink(rule, site.links.map((l) => ({ name: l.name, type: l.type, monthlyCost: l.monthlyCost ?? 0, up: true })));
      const preferredLinks = chooseLink({ ...rule, costMode: 'preference' }, site.links.map((l) => ({ name: l.name, type: l.type, monthlyCost: 0, up: true }))).compliant;
      return {
        name: steeringConfigName(policy.name),
        applications,
        preferredLinks,
        ...(ranked.link && ranked.link !== preferredLinks[0] ? { activeLinks: Object.fromEntries(applications.map((a) => [a, ranked.link!])) } : {}),
        maxLatencyMs: policy.slaProfile.maxLatencyMs,
        maxJitterMs: policy.slaProfile.maxJitterMs,
        maxLossPermille: policy.slaProfile.maxLossPermille,
        match: policy.slaProfile.match,
        breakout: policy.breakout,
        priority: policy.priority,
      };
    }),
  };
}

/** The application SLA policies a site takes (chosen, or through its tags), in the order they steer. */
export function siteSteeringPolicies(prisma: PrismaClient, site: Pick<PolicyScope, 'tenantId' | 'tags' | 'appSlaPolicyIds'>) {
  return prisma.appSlaPolicy.findMany({
    where: { tenantId: site.tenantId, OR: [{ id: { in: site.appSlaPolicyIds } }, { siteTags: { hasSome: site.tags } }] },
    include: { slaProfile: true },
    orderBy: [{ priority: 'asc' }, { name: 'asc' }],
  });
}

/** A steering policy's name in the device configuration (its APBR rules' prefix). */
export const steeringConfigName = (policy: string) => ruleName(policy, '');

/** An SLA profile's thresholds, as steering compares measurements with them. */
export const thresholdsOf = (profile: { maxLatencyMs: number; maxJitterMs: number; maxLossPermille: number; match: SlaThresholds['match'] }): SlaThresholds => ({
  rttMs: profile.maxLatencyMs, jitterMs: profile.maxJitterMs, lossPermille: profile.maxLossPermille, match: profile.match,
});

/** A stored policy as the rule `chooseLink` applies (what SLA steering decides by). */
export function steeringRule(policy: {
  preferredLinkTypes: string[]; costMode: SteeringRule['costMode']; fallback: SteeringRule['fallback']; fallbackVarianceMs: number;
  slaProfile: Parameters<typeof thresholdsOf>[0];
}): SteeringRule {
  return {
    thresholds: thresholdsOf(policy.slaProfile), preferredLinkTypes: policy.preferredLinkTypes,
    costMode: policy.costMode, fallback: policy.fallback, fallbackVarianceMs: policy.fallbackVarianceMs,
  };
}

/** The policies of a stored site, with the application SLA policies it chose. */
export async function storedSitePolicies(
  prisma: PrismaClient,
  site: { id: string; tenantId: string; tags: string[]; departments: { name: string }[]; wanLinks: { name: string; type: string; monthlyCost?: unknown }[] },
): Promise<PolicyConfigInput> {
  const chosen = await prisma.siteAppSlaPolicy.findMany({ where: { siteId: site.id }, select: { policyId: true } });
  return sitePolicies(prisma, {
    tenantId: site.tenantId, tags: site.tags, departments: site.departments.map((d) => d.name), links: site.wanLinks.map((l) => ({ name: l.name, type: l.type, monthlyCost: Number(l.monthlyCost ?? 0) })), appSlaPolicyIds: chosen.map((c) => c.policyId),
  });
}
