// A WAN link's measured quality for charts: the telemetry pollers' rollups (one-minute points for
// a day, hourly ones for ninety days), read by range and resolution.
import { Router } from 'express';
import { z } from 'zod';
import { instant } from '../schemas/instant.ts';
import { bucketMs, metricResolutions, retentionMs } from '../../domain/link-rollups.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { linkMetrics } from '../../inventory/link-metrics.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';

const spread = z.object({ min: z.number(), avg: z.number(), max: z.number() });
const metricPoint = z.object({
  at: z.iso.datetime().describe("The bucket's start"),
  samples: z.number().int().describe('Probe readings in the bucket'),
  upRatio: z.number().describe('The share of readings any probe answered'),
  rttMs: spread.nullable().describe('Round trip over the answered readings'),
  jitterMs: spread.nullable(),
  lossPermille: spread.describe('Loss, an unanswered reading counting as 1000'),
}).openapi('WanLinkMetricPoint');

/** Points a request may ask for at most: a day of minutes, ninety days of hours. */
const maxPoints = { minute: retentionMs.minute / bucketMs.minute, hour: retentionMs.hour / bucketMs.hour };

export function linkMetricsRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  api.route(router, {
    method: 'get', path: '/sites/:siteId/wan-links/:linkId/metrics', summary: "A WAN link's round trip, jitter, loss and up ratio over time, per minute (kept a day) or per hour (kept ninety days)", tags: ['SLA'],
    access: { type: 'site', action: 'read' },
    params: z.object({ siteId: z.uuid(), linkId: z.uuid() }),
    query: z.object({
      from: instant().optional().describe('Inclusive; default: an hour (minute) or a week (hour) before `to`'),
      to: instant().optional().describe('Exclusive; default: now'),
      resolution: z.enum(metricResolutions).default('minute'),
    }),
    response: z.object({ siteId: z.uuid(), linkId: z.uuid(), name: z.string(), resolution: z.enum(metricResolutions), points: z.array(metricPoint) }).openapi('WanLinkMetrics'),
    handler: async ({ params, query, principal }) => {
      const link = await deps.prisma.wanLink.findUnique({ where: { id: params.linkId }, select: { name: true, siteId: true, site: { select: { tenantId: true } } } });
      principal.assert(link?.siteId === params.siteId ? link.site.tenantId : undefined, 'site', 'read', `WAN link ${params.linkId} of site ${params.siteId}`);
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - (query.resolution === 'minute' ? 3_600_000 : 7 * 86_400_000));
      if (from >= to) throw problems.validation([{ path: 'from', message: 'is before to' }]);
      if ((to.getTime() - from.getTime()) / bucketMs[query.resolution] > maxPoints[query.resolution]) {
        throw problems.validation([{ path: 'from', message: `spans at most ${maxPoints[query.resolution]} ${query.resolution}s` }]);
      }
      const points = await linkMetrics(deps.prisma, { wanLinkId: params.linkId, from, to, resolution: query.resolution });
      return { siteId: params.siteId, linkId: params.linkId, name: link!.name, resolution: query.resolution, points };
    },
  });
  return router;
}
