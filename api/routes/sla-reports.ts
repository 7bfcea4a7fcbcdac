// SLA compliance reports over a period, per site and per tenant, as CSV or PDF: computed from the
// per-link rollups and the link switches (domain/sla-report.ts). Within the last day the one-minute
// rollups answer; beyond it, the hourly ones (kept ninety days).
import { Router, type Response } from 'express';
import { z } from 'zod';
import { instant } from '../schemas/instant.ts';
import { retentionMs, type MetricResolution } from '../../domain/link-rollups.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { siteReport, steeredSiteIds, type SiteReport } from '../../inventory/sla-report.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { complianceCsv, compliancePdf, type ReportHeading } from '../sla-compliance-report.ts';

const tags = ['SLA'];
const reportQuery = z.object({
  from: instant().optional().describe('Inclusive; default: a day before `to`'),
  to: instant().optional().describe('Exclusive; default: now'),
  format: z.enum(['csv', 'pdf']).default('csv'),
});
const documents = {
  csv: { contentType: 'text/csv; charset=utf-8', schema: z.string().describe('One row per link and policy, and per steered application') },
  pdf: { contentType: 'application/pdf', schema: z.string().describe('The same figures for people') },
};

/** The period asked for, within what the rollups keep; and the finest rollup that covers it. */
function periodOf(query: z.infer<typeof reportQuery>, now = Date.now()): { from: Date; to: Date; resolution: MetricResolution } {
  const to = query.to ? new Date(query.to) : new Date(now);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
  if (from >= to) throw problems.validation([{ path: 'from', message: 'is before to' }]);
  if (from.getTime() < now - retentionMs.hour) throw problems.validation([{ path: 'from', message: 'is within the last 90 days (the hourly rollups are kept that long)' }]);
  if (to.getTime() > now + 60_000) throw problems.validation([{ path: 'to', message: 'is not in the future' }]);
  return { from, to, resolution: from.getTime() >= now - retentionMs.minute ? 'minute' : 'hour' };
}

async function answer(res: Response, format: 'csv' | 'pdf', heading: ReportHeading, reports: SiteReport[]) {
  const name = `sla-compliance-${heading.subject.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${heading.from.toISOString().slice(0, 10)}`;
  const body = format === 'csv' ? complianceCsv(reports) : await compliancePdf(heading, reports);
  res.status(200).type(documents[format].contentType).attachment(`${name}.${format}`).send(body);
}

export function slaReportsRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;

  api.route(router, {
    method: 'get', path: '/sites/:siteId/sla/report', summary: "A site's SLA compliance over a period: per link and policy, and per steered application, the share of time within the SLA, violations and switches (CSV or PDF)", tags,
    access: { type: 'site', action: 'read' }, params: z.object({ siteId: z.uuid() }), query: reportQuery,
    contentType: documents.csv.contentType, response: documents.csv.schema,
    handler: async ({ params, query, principal }, _req, res) => {
      const site = await prisma.site.findUnique({ where: { id: params.siteId }, select: { tenantId: true, name: true } });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      const period = periodOf(query);
      await answer(res, query.format, { subject: site!.name, ...period }, [await siteReport(prisma, params.siteId, period)]);
    },
  });

  api.route(router, {
    method: 'get', path: '/tenants/:tenantId/sla/report', summary: "A tenant's SLA compliance over a period: every active site that steers by an application SLA policy (CSV or PDF)", tags,
    access: { type: 'site', action: 'read' }, params: z.object({ tenantId: z.uuid() }), query: reportQuery,
    contentType: documents.csv.contentType, response: documents.csv.schema,
    handler: async ({ params, query, principal }, _req, res) => {
      const tenant = await prisma.tenant.findUnique({ where: { id: params.tenantId }, select: { id: true, name: true } });
      principal.assert(tenant?.id, 'site', 'read', `Tenant ${params.tenantId}`);
      const period = periodOf(query);
      // One site at a time: a tenant's report holds one site's rollups in memory at once.
      const reports: SiteReport[] = [];
      for (const siteId of await steeredSiteIds(prisma, tenant!.id)) reports.push(await siteReport(prisma, siteId, period));
      await answer(res, query.format, { subject: tenant!.name, ...period }, reports);
    },
  });

  return router;
}
