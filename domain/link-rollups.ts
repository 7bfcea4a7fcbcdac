// Per WAN link rollups of probe readings, for charts: what a minute's or an hour's bucket holds
// (counts, minimums, maximums and sums, so two writes of one bucket merge) and what a chart point
// shows of it. Pure; inventory/link-metrics.ts stores them.
import type { ProbeSample } from './link-telemetry.ts';

export const metricResolutions = ['minute', 'hour'] as const;
export type MetricResolution = (typeof metricResolutions)[number];

export const bucketMs: Record<MetricResolution, number> = { minute: 60_000, hour: 3_600_000 };
/** How long each resolution is kept: a day of minutes, ninety days of hours. */
export const retentionMs: Record<MetricResolution, number> = { minute: 86_400_000, hour: 90 * 86_400_000 };

export const bucketStart = (at: number, resolution: MetricResolution) => at - (at % bucketMs[resolution]);

export interface LinkBucket {
  wanLinkId: string;
  /** The bucket's start (epoch milliseconds). */
  bucket: number;
  samples: number;
  upSamples: number;
  rttMinMs: number | null;
  rttMaxMs: number | null;
  rttSumMs: number;
  jitterMinMs: number | null;
  jitterMaxMs: number | null;
  jitterSumMs: number;
  lossMinPermille: number;
  lossMaxPermille: number;
  lossSumPermille: number;
}

const lower = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
const higher = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

/** The bucket with one more reading (a new bucket when there is none). */
export function withReading(bucket: LinkBucket | undefined, wanLinkId: string, start: number, sample: ProbeSample): LinkBucket {
  const b = bucket ?? {
    wanLinkId, bucket: start, samples: 0, upSamples: 0, rttMinMs: null, rttMaxMs: null, rttSumMs: 0, jitterMinMs: null, jitterMaxMs: null, jitterSumMs: 0,
    lossMinPermille: Number.POSITIVE_INFINITY, lossMaxPermille: 0, lossSumPermille: 0,
  };
  const loss = sample.up ? sample.lossPermille : 1000;
  return {
    ...b,
    samples: b.samples + 1,
    lossMinPermille: Math.min(b.lossMinPermille, loss),
    lossMaxPermille: Math.max(b.lossMaxPermille, loss),
    lossSumPermille: b.lossSumPermille + loss,
    ...(sample.up ? {
      upSamples: b.upSamples + 1,
      rttMinMs: lower(b.rttMinMs, sample.rttMs), rttMaxMs: higher(b.rttMaxMs, sample.rttMs), rttSumMs: b.rttSumMs + sample.rttMs,
      jitterMinMs: lower(b.jitterMinMs, sample.jitterMs), jitterMaxMs: higher(b.jitterMaxMs, sample.jitterMs), jitterSumMs: b.jitterSumMs + sample.jitterMs,
    } : {}),
  };
}

export interface MetricPoint {
  at: string;
  samples: number;
  upRatio: number;
  rttMs: { min: number; avg: number; max: number } | null;
  jitterMs: { min: number; avg: number; max: number } | null;
  lossPermille: { min: number; avg: number; max: number };
}

const hundredths = (value: number) => Math.round(value * 100) / 100;
const spread = (min: number | null, sum: number, max: number | null, count: number) =>
  (min === null || max === null || count === 0 ? null : { min: hundredths(min), avg: hundredths(sum / count), max: hundredths(max) });

/** What a chart shows of a bucket: averages over the readings that had them, and the share of readings answered. */
export function metricPoint(bucket: Omit<LinkBucket, 'wanLinkId' | 'bucket'> & { bucket: Date }): MetricPoint {
  return {
    at: bucket.bucket.toISOString(),
    samples: bucket.samples,
    upRatio: bucket.samples === 0 ? 0 : hundredths(bucket.upSamples / bucket.samples),
    rttMs: spread(bucket.rttMinMs, bucket.rttSumMs, bucket.rttMaxMs, bucket.upSamples),
    jitterMs: spread(bucket.jitterMinMs, bucket.jitterSumMs, bucket.jitterMaxMs, bucket.upSamples),
    lossPermille: spread(bucket.lossMinPermille, bucket.lossSumPermille, bucket.lossMaxPermille, bucket.samples) ?? { min: 0, avg: 0, max: 0 },
  };
}
