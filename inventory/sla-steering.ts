// What a site's SLA steering reads and writes: the site as steering needs it (its plan, its links
// with their types and costs, its steering policies with their rules and dampening), and the link
// switches it records.
import type { Prisma, PrismaClient } from '../prisma/client.ts';
import { applicationSignatures } from '../domain/sla.ts';
import { hubPathType, type SteeredPolicy, type SteeringPlan, type SwitchRecord } from '../domain/sla-steering.ts';
import { planSite, storedSite } from './site-plan.ts';
import { siteSteeringPolicies, steeringConfigName, steeringRule } from './policies.ts';

export async function steeringPlan(prisma: PrismaClient, siteId: string): Promise<SteeringPlan> {
  const site = await storedSite(prisma, siteId);
  const plan = await planSite(prisma, site);
  const links = await prisma.wanLink.findMany({ where: { siteId }, select: { id: true, name: true, type: true, monthlyCost: true }, orderBy: { name: 'asc' } });
  const rows = await siteSteeringPolicies(prisma, site);
  // Central breakout goes by the primary device's paths to its hubs; without any, it rides the
  // default table and nothing on the branch steers it.
  const hubPaths = (plan.devices.find((device) => device.role === 'primary') ?? plan.devices[0])?.hubPaths ?? [];
  const policies = rows.flatMap((row): SteeredPolicy[] => {
    const config = plan.policies.steering.find((s) => s.name === steeringConfigName(row.name));
    if (!config) return [];
    const central = config.breakout === 'central';
    const candidates = central ? [...hubPaths.map((path) => path.name), ...config.preferredLinks] : config.preferredLinks;
    if (candidates.length === 0 || (central && hubPaths.length === 0)) return [];
    const applications = applicationSignatures(row.applications);
    const rule = steeringRule(row);
    return [{
      name: config.name,
      applications,
      // The hubs' paths come first, the policy's link types after them (its fallback).
      rule: central ? { ...rule, preferredLinkTypes: [hubPathType, ...rule.preferredLinkTypes] } : rule,
      dampening: {
        flapThreshold: row.flapThreshold, flapWindowMs: row.flapWindowSeconds * 1000, holdDownMs: row.holdDownSeconds * 1000, smoothingWindowMs: row.smoothingWindowSeconds * 1000,
      },
      initialLinks: Object.fromEntries(applications.map((a) => [a, config.activeLinks?.[a] ?? candidates[0]!])),
      links: central ? [...hubPaths.map((path) => path.name), ...links.map((l) => l.name)] : links.map((l) => l.name),
    }];
  });
  return {
    plan,
    links: [
      ...links.map((l) => ({ id: l.id, name: l.name, type: l.type, monthlyCost: Number(l.monthlyCost) })),
      // A path over the overlay costs nothing of its own: the link under it is paid for.
      ...hubPaths.map((path) => ({ id: null, name: path.name, type: hubPathType, monthlyCost: 0 })),
    ],
    policies,
  };
}

/** Whether the site takes a policy its branch steers (local breakout, or central through its hubs). */
export async function siteSteers(prisma: PrismaClient, siteId: string): Promise<boolean> {
  const site = await prisma.site.findUnique({ where: { id: siteId }, select: { tenantId: true, tags: true, appSlaPolicies: { select: { policyId: true } }, hubs: { select: { hubSiteId: true } } } });
  if (!site) return false;
  const policies = await siteSteeringPolicies(prisma, { tenantId: site.tenantId, tags: site.tags, appSlaPolicyIds: site.appSlaPolicies.map((p) => p.policyId) });
  return policies.some((policy) => policy.breakout === 'local' || site.hubs.length > 0);
}

/** Records switches once each (by their key), naming the links by id. */
export async function recordLinkSwitches(prisma: PrismaClient, input: { tenantId: string; siteId: string; switches: SwitchRecord[] }): Promise<void> {
  const links = await prisma.wanLink.findMany({ where: { siteId: input.siteId }, select: { id: true, name: true } });
  const idOf = (name: string | null) => links.find((l) => l.name === name)?.id ?? null;
  await prisma.linkSwitchEvent.createMany({
    skipDuplicates: true,
    data: input.switches.map((s) => ({
      key: s.key, tenantId: input.tenantId, siteId: input.siteId, policy: s.policy, application: s.application,
      fromLinkId: idOf(s.from), toLinkId: idOf(s.to), fromPath: s.from, toPath: s.to, reason: s.reason, measurements: s.measurements as Prisma.InputJsonValue,
      detectionMs: s.detectionMs, reactionMs: s.reactionMs, at: new Date(s.at),
    })),
  });
}
