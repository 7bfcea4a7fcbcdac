// WAN link rollups in PostgreSQL (wan_link_minute, wan_link_hour): written by the telemetry pollers
// in one statement per table and flush, merged when a bucket is written twice (a poller resumed
// after a crash), pruned by age, read for charts.
import type { PrismaClient } from '../prisma/client.ts';
import { bucketStart, metricPoint, retentionMs, type LinkBucket, type MetricPoint, type MetricResolution } from '../domain/link-rollups.ts';

const tables: Record<MetricResolution, string> = { minute: 'wan_link_minute', hour: 'wan_link_hour' };

/** Minute buckets merged into the hours they fall in: one row per link and hour, as one upsert may touch a row once. */
function hoursOf(minutes: readonly LinkBucket[]): LinkBucket[] {
  const hours = new Map<string, LinkBucket>();
  for (const m of minutes) {
    const bucket = bucketStart(m.bucket, 'hour');
    const key = `${m.wanLinkId}/${bucket}`;
    const h = hours.get(key);
    const least = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    const most = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    hours.set(key, !h ? { ...m, bucket } : {
      ...h,
      samples: h.samples + m.samples, upSamples: h.upSamples + m.upSamples,
      rttMinMs: least(h.rttMinMs, m.rttMinMs), rttMaxMs: most(h.rttMaxMs, m.rttMaxMs), rttSumMs: h.rttSumMs + m.rttSumMs,
      jitterMinMs: least(h.jitterMinMs, m.jitterMinMs), jitterMaxMs: most(h.jitterMaxMs, m.jitterMaxMs), jitterSumMs: h.jitterSumMs + m.jitterSumMs,
      lossMinPermille: Math.min(h.lossMinPermille, m.lossMinPermille), lossMaxPermille: Math.max(h.lossMaxPermille, m.lossMaxPermille),
      lossSumPermille: h.lossSumPermille + m.lossSumPermille,
    });
  }
  return [...hours.values()];
}

async function upsert(prisma: PrismaClient, table: string, buckets: readonly LinkBucket[]) {
  // The batch travels as one JSON parameter: one statement for thousands of rows, no array typing.
  const rows = buckets.map((b) => ({
    wan_link_id: b.wanLinkId, bucket: new Date(b.bucket).toISOString(), samples: b.samples, up_samples: b.upSamples,
    rtt_min_ms: b.rttMinMs, rtt_max_ms: b.rttMaxMs, rtt_sum_ms: b.rttSumMs, jitter_min_ms: b.jitterMinMs, jitter_max_ms: b.jitterMaxMs, jitter_sum_ms: b.jitterSumMs,
    loss_min_permille: b.lossMinPermille, loss_max_permille: b.lossMaxPermille, loss_sum_permille: b.lossSumPermille,
  }));
  await prisma.$executeRawUnsafe(`
    INSERT INTO "${table}" AS t (wan_link_id, bucket, samples, up_samples, rtt_min_ms, rtt_max_ms, rtt_sum_ms, jitter_min_ms, jitter_max_ms, jitter_sum_ms, loss_min_permille, loss_max_permille, loss_sum_permille)
    SELECT r.* FROM jsonb_to_recordset($1::jsonb) AS r(wan_link_id uuid, bucket timestamptz, samples smallint, up_samples smallint,
      rtt_min_ms real, rtt_max_ms real, rtt_sum_ms real, jitter_min_ms real, jitter_max_ms real, jitter_sum_ms real, loss_min_permille real, loss_max_permille real, loss_sum_permille real)
    WHERE EXISTS (SELECT 1 FROM wan_link l WHERE l.id = r.wan_link_id)
    ON CONFLICT (wan_link_id, bucket) DO UPDATE SET
      samples = LEAST(32767, t.samples + EXCLUDED.samples), up_samples = LEAST(32767, t.up_samples + EXCLUDED.up_samples),
      rtt_min_ms = LEAST(t.rtt_min_ms, EXCLUDED.rtt_min_ms), rtt_max_ms = GREATEST(t.rtt_max_ms, EXCLUDED.rtt_max_ms), rtt_sum_ms = t.rtt_sum_ms + EXCLUDED.rtt_sum_ms,
      jitter_min_ms = LEAST(t.jitter_min_ms, EXCLUDED.jitter_min_ms), jitter_max_ms = GREATEST(t.jitter_max_ms, EXCLUDED.jitter_max_ms), jitter_sum_ms = t.jitter_sum_ms + EXCLUDED.jitter_sum_ms,
      loss_min_permille = LEAST(t.loss_min_permille, EXCLUDED.loss_min_permille), loss_max_permille = GREATEST(t.loss_max_permille, EXCLUDED.loss_max_permille),
      loss_sum_permille = t.loss_sum_permille + EXCLUDED.loss_sum_permille`, JSON.stringify(rows));
}

/**
 * Records closed minutes, and adds them to their hours, in two statements. A link deleted since it
 * was polled is skipped rather than failing the batch.
 */
export async function recordLinkMinutes(prisma: PrismaClient, minutes: readonly LinkBucket[]): Promise<void> {
  if (minutes.length === 0) return;
  await upsert(prisma, tables.minute, minutes);
  await upsert(prisma, tables.hour, hoursOf(minutes));
}

/** Deletes the points older than each resolution keeps; answers how many went. */
export async function pruneLinkMetrics(prisma: PrismaClient, now = Date.now()): Promise<number> {
  let deleted = 0;
  for (const resolution of ['minute', 'hour'] as const) {
    deleted += await prisma.$executeRawUnsafe(`DELETE FROM "${tables[resolution]}" WHERE bucket < $1::timestamptz`, new Date(now - retentionMs[resolution]).toISOString());
  }
  return deleted;
}

/** A link's points from `from` (inclusive) to `to` (exclusive), oldest first. */
export async function linkMetrics(prisma: PrismaClient, input: { wanLinkId: string; from: Date; to: Date; resolution: MetricResolution }): Promise<MetricPoint[]> {
  const where = { wanLinkId: input.wanLinkId, bucket: { gte: input.from, lt: input.to } };
  const omit = { wanLinkId: true } as const;
  const rows = input.resolution === 'minute'
    ? await prisma.wanLinkMinute.findMany({ where, omit, orderBy: { bucket: 'asc' } })
    : await prisma.wanLinkHour.findMany({ where, omit, orderBy: { bucket: 'asc' } });
  return rows.map(metricPoint);
}

/** Each link's newest minute recorded since `since`, by link id: what a link shows before steering has heard of it. */
export async function latestLinkMinutes(prisma: PrismaClient, wanLinkIds: string[], since: Date): Promise<Map<string, MetricPoint>> {
  const rows = await prisma.wanLinkMinute.findMany({
    where: { wanLinkId: { in: wanLinkIds }, bucket: { gte: since } },
    orderBy: [{ wanLinkId: 'asc' }, { bucket: 'desc' }],
    distinct: ['wanLinkId'],
  });
  return new Map(rows.map(({ wanLinkId, ...row }) => [wanLinkId, metricPoint(row)]));
}
