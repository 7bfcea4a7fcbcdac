// The policies a site's devices carry: the tenant's current policy version compiled for the site
// (or, before the tenant's first deployment, its older per-tenant firewall policies that apply to
// the site) and the application SLA policies it chose. Every path that renders a site's policies —
// onboarding, the SLA push and steering, an RMA, a deployment — reads them here, so a site
// onboarded or re-pushed after a deployment runs exactly what the deployment gave the others.
import type { PrismaClient } from '../prisma/client.ts';
import { intentSchema, type Intent, type IntentContext } from '../domain/intent.ts';
import { compileSiteIntent } from '../domain/intent-compile.ts';
import type { FirewallRuleConfig, PolicyConfigInput } from '../domain/render/device-config.ts';
import { applicationSignatures, chooseLink, type SlaThresholds, type SteeringRule } from '../domain/sla.ts';

const ruleName = (policy: string, rule: string) => `${policy}-${rule}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export interface PolicyScope {
  tenantId: string;
  tags: string[];
  departments: string[];
  /** Its LAN zones: the departments of its LAN segments, and `trust` for segments of none (lanZones). */
  zones: string[];
  /** Its WAN links, in any order. */
  links: { name: string; type: string; monthlyCost?: number }[];
  appSlaPolicyIds: string[];
}

/** A site's LAN zones as the intent compiles to them: each segment's department, `trust` for none. */
export const lanZones = (segments: { department: string | null }[]) => [...new Set(segments.map((s) => s.department ?? 'trust'))].sort();

/** The stored intent, read as the schema says (an intent never written is the empty one). */
export const parseIntent = (document: unknown): Intent => intentSchema.parse(document ?? {});

/** The tenant's SLA profiles by name, as SD-WAN rules name them. */
export async function slaProfilesByName(prisma: PrismaClient, tenantId: string) {
  const profiles = await prisma.slaProfile.findMany({ where: { tenantId } });
  return Object.fromEntries(profiles.map((p) => [p.name, thresholdsOf(p)]));
}

/**
 * What the tenant's intent is checked against (`validateIntent`): its SLA profiles, and the static
 * WAN addresses of its sites not decommissioned, where their boxes answer SSH and NETCONF.
 */
export async function intentContext(prisma: PrismaClient, tenantId: string): Promise<IntentContext> {
  const [slaProfiles, links] = await Promise.all([
    slaProfilesByName(prisma, tenantId),
    prisma.wanLink.findMany({
      where: { addressing: 'static', staticAddress: { not: null }, site: { tenantId, status: { not: 'decommissioned' } } },
      select: { name: true, staticAddress: true, site: { select: { name: true } } }, orderBy: [{ siteId: 'asc' }, { name: 'asc' }],
    }),
  ]);
  return {
    slaProfiles: Object.keys(slaProfiles),
    managementAddresses: links.map((link) => ({ address: link.staticAddress!, where: `the address of ${link.site.name}'s WAN link ${link.name}` })),
  };
}

/**
 * The tenant's current policy version: the newest one deployed (a dry run is none; a retry
 * deploys its own version again), with the intent it holds. None before the first deployment.
 */
export async function currentPolicyVersion(prisma: PrismaClient, tenantId: string): Promise<{ version: number; intent: unknown } | null> {
  const latest = await prisma.policyDeployment.findFirst({
    where: { tenantId, dryRun: false, version: { not: null }, retryOf: null }, orderBy: { version: 'desc' }, select: { version: true, intent: true },
  });
  return latest ? { version: latest.version!, intent: latest.intent } : null;
}

/**
 * A site's policies: the intent given (a deployment's version), else the tenant's current policy
 * version, compiled for the site with its SD-WAN rules before the site's own SLA policies — or,
 * when the tenant has deployed no version yet, its per-tenant firewall policies.
 */
export async function sitePolicies(prisma: PrismaClient, site: PolicyScope, version?: { intent: unknown }): Promise<PolicyConfigInput> {
  const deployed = version ?? await currentPolicyVersion(prisma, site.tenantId);
  const steering = await ownSteering(prisma, site);
  if (!deployed) return { firewall: await firewallRules(prisma, site), steering };
  const compiled = compileSiteIntent(parseIntent(deployed.intent), { tags: site.tags, zones: site.zones, links: site.links }, await slaProfilesByName(prisma, site.tenantId));
  return { firewall: [], steering: [...compiled.steering, ...steering], intent: compiled.intent };
}

/** The per-tenant firewall policies that apply to a site (tenant-wide, its tags, its departments): what a tenant without a policy version runs. */
async function firewallRules(prisma: PrismaClient, site: PolicyScope): Promise<FirewallRuleConfig[]> {
  const firewallPolicies = await prisma.firewallPolicy.findMany({
    where: {
      tenantId: site.tenantId,
      OR: [{ scope: 'tenant' }, { scope: 'site_group', scopeRef: { in: site.tags } }, { scope: 'department', scopeRef: { in: site.departments } }],
    },
    orderBy: [{ position: 'asc' }, { name: 'asc' }],
  });
  return firewallPolicies.flatMap((policy) =>
    (policy.rules as { name: string; from: string; to: string; applications?: string[]; action: FirewallRuleConfig['action']; log?: boolean }[])
      .map((rule) => ({ name: ruleName(policy.name, rule.name), from: rule.from, to: rule.to, applications: rule.applications ?? ['any'], action: rule.action, log: rule.log ?? false })));
}

/** The site's own application SLA policies as steering. */
async function ownSteering(prisma: PrismaClient, site: PolicyScope): Promise<PolicyConfigInput['steering']> {
  const steering = await siteSteeringPolicies(prisma, site);
  return steering.map((policy) => {
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
    });
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
  site: {
    id: string; tenantId: string; tags: string[]; departments: { name: string }[]; lanSegments: { department: { name: string } | null }[];
    wanLinks: { name: string; type: string; monthlyCost?: unknown }[];
  },
): Promise<PolicyConfigInput> {
  const chosen = await prisma.siteAppSlaPolicy.findMany({ where: { siteId: site.id }, select: { policyId: true } });
  return sitePolicies(prisma, {
    tenantId: site.tenantId, tags: site.tags, departments: site.departments.map((d) => d.name), zones: lanZones(site.lanSegments.map((s) => ({ department: s.department?.name ?? null }))), links: site.wanLinks.map((l) => ({ name: l.name, type: l.type, monthlyCost: Number(l.monthlyCost ?? 0) })), appSlaPolicyIds: chosen.map((c) => c.policyId),
  });
}
