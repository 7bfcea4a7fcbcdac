// What an SLA compliance report reads: a site's WAN links with their rollup buckets over the
// period, the policies it steers by (local breakout), and its link switches up to the period's end
// (the last one before it says where each application started).
import type { PrismaClient } from '../prisma/client.ts';
import type { MetricResolution } from '../domain/link-rollups.ts';
import { siteCompliance, type ComplianceBucket, type ReportLink, type ReportPolicy } from '../domain/sla-report.ts';
import { applicationSignatures } from '../domain/sla.ts';
import { siteSteeringPolicies, steeringConfigName, steeringRule } from './policies.ts';

export interface ReportPeriod { from: Date; to: Date; resolution: MetricResolution }
export type SiteReport = { siteId: string; siteName: string } & ReturnType<typeof siteCompliance>;

const minutesOf: Record<MetricResolution, number> = { minute: 1, hour: 60 };

export async function siteReport(prisma: PrismaClient, siteId: string, period: ReportPeriod): Promise<SiteReport> {
  const site = await prisma.site.findUniqueOrThrow({
    where: { id: siteId },
    select: { id: true, name: true, tenantId: true, tags: true, appSlaPolicies: { select: { policyId: true } }, wanLinks: { select: { id: true, name: true, type: true, monthlyCost: true }, orderBy: { name: 'asc' } } },
  });
  const rows = await siteSteeringPolicies(prisma, { tenantId: site.tenantId, tags: site.tags, appSlaPolicyIds: site.appSlaPolicies.map((p) => p.policyId) });
  const policies: ReportPolicy[] = rows.filter((row) => row.breakout === 'local').map((row) => ({
    name: row.name, configName: steeringConfigName(row.name), profile: row.slaProfile.name, applications: applicationSignatures(row.applications), rule: steeringRule(row),
  }));
  const where = { wanLinkId: { in: site.wanLinks.map((l) => l.id) }, bucket: { gte: period.from, lt: period.to } };
  const select = { wanLinkId: true, bucket: true, samples: true, upSamples: true, rttSumMs: true, jitterSumMs: true, lossSumPermille: true } as const;
  const buckets = period.resolution === 'minute'
    ? await prisma.wanLinkMinute.findMany({ where, select, orderBy: { bucket: 'asc' } })
    : await prisma.wanLinkHour.findMany({ where, select, orderBy: { bucket: 'asc' } });
  const links: ReportLink[] = site.wanLinks.map((link) => ({
    id: link.id, name: link.name, type: link.type, monthlyCost: Number(link.monthlyCost),
    buckets: buckets.filter((b) => b.wanLinkId === link.id).map((b): ComplianceBucket => ({
      at: b.bucket.getTime(), minutes: minutesOf[period.resolution],
      measured: b.upSamples === 0 ? null : { rttMs: b.rttSumMs / b.upSamples, jitterMs: b.jitterSumMs / b.upSamples, lossPermille: b.lossSumPermille / b.samples },
    })),
  }));
  const switches = await prisma.linkSwitchEvent.findMany({
    where: { siteId, at: { lt: period.to } }, orderBy: { at: 'asc' },
    select: { policy: true, application: true, at: true, fromPath: true, toPath: true, fromLink: { select: { name: true } }, toLink: { select: { name: true } } },
  });
  return {
    siteId: site.id, siteName: site.name,
    ...siteCompliance({
      links, policies, from: period.from.getTime(), to: period.to.getTime(),
      switches: switches.map((s) => ({ policy: s.policy, application: s.application, at: s.at.getTime(), fromLink: s.fromLink?.name ?? s.fromPath, toLink: s.toLink?.name ?? s.toPath })),
    }),
  };
}

/** A tenant's active sites that steer by an SLA policy, in name order. */
export async function steeredSiteIds(prisma: PrismaClient, tenantId: string): Promise<string[]> {
  const sites = await prisma.site.findMany({ where: { tenantId, status: 'active' }, select: { id: true, tags: true, appSlaPolicies: { select: { policyId: true } } }, orderBy: { name: 'asc' } });
  const policies = await prisma.appSlaPolicy.findMany({ where: { tenantId, breakout: 'local' }, select: { id: true, siteTags: true } });
  return sites.filter((site) => policies.some((p) => site.appSlaPolicies.some((a) => a.policyId === p.id) || p.siteTags.some((t) => site.tags.includes(t)))).map((s) => s.id);
}
