// A tenant's intent and its deployments: the intent as stored, a deployment created with the
// version it deploys and the sites it reaches, each site's configuration compiled from that
// version (the same text for the dry run and the push), and each site's outcome.
import { isDeepStrictEqual } from 'node:util';
import type { PrismaClient } from '../prisma/client.ts';
import { emptyIntent, intentFromLegacyPolicies, type Intent, type LegacyFirewallPolicy } from '../domain/intent.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import { renderers } from '../domain/render/renderers.ts';
import { devicePolicies, probedLinks, wanLinkChecks, type DeviceTarget } from '../domain/site-plan.ts';
import { deviceTunnelChecks } from './site-network.ts';
import { planSite, storedSite } from './site-plan.ts';
import { parseIntent } from './policies.ts';

export { intentContext, parseIntent, slaProfilesByName } from './policies.ts';

export type PolicySiteStatus = 'pending' | 'no_change' | 'changed' | 'deploying' | 'deployed' | 'failed' | 'rolled_back' | 'skipped';
export type PolicyDeploymentStatus = 'dry_run' | 'running' | 'paused' | 'completed' | 'completed_with_failures' | 'halted' | 'aborted';

type IntentReader = Pick<PrismaClient, 'tenantIntent' | 'firewallPolicy'>;

/**
 * The tenant's intent as stored; before it ever stored one, its firewall policies from before
 * intent, imported (so the first deployment keeps the rules its sites run rather than removing them).
 */
export async function tenantIntent(prisma: IntentReader, tenantId: string): Promise<{ intent: Intent; updatedAt: Date | null }> {
  const row = await prisma.tenantIntent.findUnique({ where: { tenantId } });
  if (row) return { intent: parseIntent(row.document), updatedAt: row.updatedAt };
  const legacy = await prisma.firewallPolicy.findMany({ where: { tenantId }, orderBy: [{ position: 'asc' }, { name: 'asc' }] });
  return { intent: legacy.length === 0 ? emptyIntent : intentFromLegacyPolicies(legacy.map((policy) => ({ ...policy, rules: policy.rules as unknown as LegacyFirewallPolicy['rules'] }))).intent, updatedAt: null };
}

/** Sites a deployment reaches: the tenant's sites in service. */
const inService = ['active'] as const;

export interface DeploymentRequest {
  tenantId: string;
  dryRun: boolean;
  /** Deploy this earlier version again (as a new version). */
  rollbackTo?: number;
  /** Retry these failed sites of another deployment (same version). */
  retryOf?: string;
  concurrency: number;
  failureBudgetPct: number;
  waveSizes: number[];
  note?: string;
  ticket?: string;
  createdBy?: string;
}

export class DeploymentRefused extends Error {
  /** `deploymentId`: the deployment under way that this one would repeat. */
  constructor(message: string, readonly deploymentId?: string) {
    super(message);
  }
}

/**
 * Creates a deployment in one transaction: the intent it deploys (the tenant's now, an earlier
 * version's for a rollback, the retried deployment's), its version (the next, unless a dry run or
 * a retry), and its sites. A rollback makes that version the tenant's intent again.
 */
export async function createDeployment(prisma: PrismaClient, request: DeploymentRequest) {
  return prisma.$transaction(async (tx) => {
    // One deployment numbers its version at a time per tenant.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`policy-version:${request.tenantId}`}))`;
    let intent: unknown;
    let siteIds: string[];
    let version: number | null = null;
    if (request.retryOf) {
      const earlier = await tx.policyDeployment.findUnique({ where: { id: request.retryOf }, include: { sites: { where: { status: { in: ['failed', 'rolled_back'] } } } } });
      if (!earlier || earlier.tenantId !== request.tenantId) throw new DeploymentRefused(`Deployment ${request.retryOf} is not one of the tenant's.`);
      if (earlier.dryRun) throw new DeploymentRefused('A dry run has nothing to retry: deploy instead.');
      if (earlier.sites.length === 0) throw new DeploymentRefused('The deployment has no failed site to retry.');
      // Its failed sites retried twice at once (a double click) would be deployed twice: one retry at a time.
      const retrying = await tx.policyDeployment.findFirst({ where: { retryOf: earlier.id, status: { in: ['running', 'paused'] } }, select: { id: true } });
      if (retrying) throw new DeploymentRefused(`Deployment ${retrying.id} retries these sites already: follow it.`, retrying.id);
      intent = earlier.intent;
      version = earlier.version;
      siteIds = earlier.sites.map((s) => s.siteId);
    } else {
      if (request.rollbackTo !== undefined) {
        const target = await tx.policyDeployment.findFirst({ where: { tenantId: request.tenantId, version: request.rollbackTo, retryOf: null } });
        if (!target) throw new DeploymentRefused(`The tenant has no policy version ${request.rollbackTo}.`);
        intent = target.intent;
      } else {
        intent = (await tenantIntent(tx, request.tenantId)).intent;
      }
      if (!request.dryRun) {
        const latest = await tx.policyDeployment.aggregate({ where: { tenantId: request.tenantId }, _max: { version: true } });
        version = (latest._max.version ?? 0) + 1;
      }
      const sites = await tx.site.findMany({ where: { tenantId: request.tenantId, status: { in: [...inService] } }, select: { id: true }, orderBy: { id: 'asc' } });
      siteIds = sites.map((s) => s.id);
    }
    if (!request.dryRun && !request.retryOf) {
      // The same intent deployed twice at once (a double click, a resend without its key) is one deployment.
      const underWay = await tx.policyDeployment.findMany({ where: { tenantId: request.tenantId, dryRun: false, retryOf: null, status: { in: ['running', 'paused'] } }, select: { id: true, intent: true } });
      // As stored (JSON, no undefined members), compared member by member: jsonb keeps its own key order.
      const stored: unknown = JSON.parse(JSON.stringify(intent));
      const same = underWay.find((d) => isDeepStrictEqual(d.intent, stored));
      if (same) throw new DeploymentRefused(`Deployment ${same.id} of the same policy is under way: it is not deployed twice at once.`, same.id);
    }
    if (request.rollbackTo !== undefined && !request.dryRun) {
      await tx.tenantIntent.upsert({ where: { tenantId: request.tenantId }, create: { tenantId: request.tenantId, document: intent as object }, update: { document: intent as object } });
    }
    const deployment = await tx.policyDeployment.create({
      data: {
        tenantId: request.tenantId, version, intent: intent as object, dryRun: request.dryRun, rollbackOf: request.rollbackTo ?? null, retryOf: request.retryOf ?? null,
        concurrency: request.concurrency, failureBudgetPct: request.failureBudgetPct, waveSizes: request.waveSizes,
        status: request.dryRun ? 'dry_run' : 'running', note: request.note ?? null, ticket: request.ticket ?? null, createdBy: request.createdBy ?? null,
      },
    });
    await tx.policyDeploymentSite.createMany({ data: siteIds.map((siteId) => ({ deploymentId: deployment.id, siteId })) });
    return deployment;
  });
}

export interface DeploymentPlan {
  deploymentId: string;
  tenantId: string;
  version: number | null;
  dryRun: boolean;
  concurrency: number;
  failureBudgetPct: number;
  waveSizes: number[];
  ticket: string | null;
}

export async function deploymentPlan(prisma: PrismaClient, deploymentId: string): Promise<DeploymentPlan> {
  const d = await prisma.policyDeployment.findUniqueOrThrow({ where: { id: deploymentId } });
  return { deploymentId: d.id, tenantId: d.tenantId, version: d.version, dryRun: d.dryRun, concurrency: d.concurrency, failureBudgetPct: d.failureBudgetPct, waveSizes: d.waveSizes, ticket: d.ticket };
}

export interface SiteDeviceChange {
  hostname: string;
  role: string;
  target: DeviceTarget;
  config: string;
  checks: PostCheck[];
}

/**
 * A site's configuration as the deployment's version makes it, device by device: the intent's
 * security policies, address book, NAT and UTM; its SD-WAN rules before the site's own SLA
 * policies (inventory/policies.ts sitePolicies, as onboarding and the SLA push render them),
 * each application SLA steering has moved kept on the link it took (`steeredLinks` answers, per
 * policy, application → link); post-checks that its WAN links stay up and its tunnels up before the change
 * still have their SAs (and the management path: the device answering them at all). Devices not provisioned are left out.
 */
export async function siteChanges(
  prisma: PrismaClient, deploymentId: string, siteId: string, steeredLinks: () => Promise<Record<string, Record<string, string>>>,
): Promise<{ siteName: string; devices: SiteDeviceChange[] }> {
  const deployment = await prisma.policyDeployment.findUniqueOrThrow({ where: { id: deploymentId }, select: { intent: true } });
  const plan = await planSite(prisma, await storedSite(prisma, siteId), { intent: deployment.intent });
  // Asked only of a site with SD-WAN rules: none, nothing to steer.
  const steered = plan.policies.steering.length > 0 ? await steeredLinks() : {};
  const steering = plan.policies.steering.map((rule) => (steered[rule.name] ? { ...rule, activeLinks: { ...rule.activeLinks, ...steered[rule.name] } } : rule));
  const policies = { ...plan.policies, steering };
  return {
    siteName: plan.name,
    devices: await Promise.all(plan.devices.filter((d) => d.target).map(async (device) => ({
      hostname: device.hostname, role: device.role, target: device.target!,
      config: renderers.forPlatform(device.platform).policies({ ...devicePolicies(policies, device), probedLinks: probedLinks(plan, device) }),
      checks: [...wanLinkChecks(device.wanLinks), ...await deviceTunnelChecks(prisma, siteId, device.role)],
    }))),
  };
}

export async function recordPolicySite(prisma: PrismaClient, input: { deploymentId: string; siteId: string; status: PolicySiteStatus; diff?: string; error?: string | null }) {
  await prisma.policyDeploymentSite.update({
    where: { deploymentId_siteId: { deploymentId: input.deploymentId, siteId: input.siteId } },
    data: { status: input.status, ...(input.diff !== undefined ? { diff: input.diff } : {}), ...(input.error !== undefined ? { error: input.error } : {}) },
  });
}

/** The sites still to preview, in id order after `after`. */
export async function sitesToPreview(prisma: PrismaClient, input: { deploymentId: string; after?: string; limit: number }): Promise<string[]> {
  const rows = await prisma.policyDeploymentSite.findMany({
    where: { deploymentId: input.deploymentId, status: 'pending', ...(input.after ? { siteId: { gt: input.after } } : {}) },
    orderBy: { siteId: 'asc' }, take: input.limit, select: { siteId: true },
  });
  return rows.map((r) => r.siteId);
}

/** The sites with a change, in waves of the sizes asked (the last wave takes the rest): the sizes of the waves. */
export async function assignWaves(prisma: PrismaClient, deploymentId: string): Promise<number[]> {
  const { waveSizes } = await prisma.policyDeployment.findUniqueOrThrow({ where: { id: deploymentId }, select: { waveSizes: true } });
  const changed = await prisma.policyDeploymentSite.findMany({ where: { deploymentId, status: 'changed' }, orderBy: { siteId: 'asc' }, select: { siteId: true } });
  const sizes: number[] = [];
  let start = 0;
  for (const size of waveSizes) {
    if (start >= changed.length) break;
    sizes.push(Math.min(size, changed.length - start));
    start += size;
  }
  if (start < changed.length) sizes.push(changed.length - start);
  let offset = 0;
  for (const [wave, size] of sizes.entries()) {
    const ids = changed.slice(offset, offset + size).map((c) => c.siteId);
    await prisma.policyDeploymentSite.updateMany({ where: { deploymentId, siteId: { in: ids } }, data: { wave } });
    offset += size;
  }
  return sizes;
}

/** A wave's sites still to deploy, as the campaign dispatcher reads devices (a site stands for its devices). */
export async function waveSites(prisma: PrismaClient, input: { deploymentId: string; phase: number; after?: string; limit: number }) {
  const rows = await prisma.policyDeploymentSite.findMany({
    where: { deploymentId: input.deploymentId, wave: input.phase, status: 'changed', ...(input.after ? { siteId: { gt: input.after } } : {}) },
    orderBy: { siteId: 'asc' }, take: input.limit, include: { site: { select: { name: true } } },
  });
  return rows.map((r) => ({ deviceId: r.siteId, hostname: r.site.name, timezone: 'UTC', attempts: 0 }));
}

export async function closeDeployment(prisma: PrismaClient, input: { deploymentId: string; status: PolicyDeploymentStatus; skipReason?: string }) {
  await prisma.$transaction([
    ...(input.skipReason ? [prisma.policyDeploymentSite.updateMany({ where: { deploymentId: input.deploymentId, status: { in: ['changed', 'pending'] } }, data: { status: 'skipped', error: input.skipReason } })] : []),
    prisma.policyDeployment.update({ where: { id: input.deploymentId }, data: { status: input.status, ...(input.status === 'paused' || input.status === 'running' ? {} : { closedAt: new Date() }) } }),
  ]);
}
