// A WAN link's figures as a chart draws them: the rollup points as columns of seconds and values,
// the thresholds the site's policies hold the link to, and the periods an operator picks from
// (within what the rollups keep: minutes for a day, hours for ninety days).
export type Metric = 'rttMs' | 'jitterMs' | 'lossPermille';

interface Spread { min: number; avg: number; max: number }
export interface MetricPoint { at: string; samples: number; upRatio: number; rttMs: Spread | null; jitterMs: Spread | null; lossPermille: Spread }

export interface SiteThreshold { policy: string; profile: string; maxLatencyMs: number; maxJitterMs: number; maxLossPermille: number }

export const metrics: Record<Metric, { label: string; unit: string; threshold: (t: SiteThreshold) => number }> = {
  rttMs: { label: 'Round trip', unit: 'ms', threshold: (t) => t.maxLatencyMs },
  jitterMs: { label: 'Jitter', unit: 'ms', threshold: (t) => t.maxJitterMs },
  lossPermille: { label: 'Loss', unit: '‰', threshold: (t) => t.maxLossPermille },
};

export const periods = [
  { id: '1h', label: 'Last hour', ms: 3_600_000, resolution: 'minute' },
  { id: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000, resolution: 'minute' },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000, resolution: 'minute' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, resolution: 'hour' },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, resolution: 'hour' },
  { id: '90d', label: 'Last 90 days', ms: 90 * 86_400_000, resolution: 'hour' },
] as const;
export type Period = (typeof periods)[number];

/** x in seconds (as uPlot takes time), then the average and the worst of each bucket; a bucket with no answer is a gap. */
export function chartColumns(points: readonly MetricPoint[], metric: Metric): [number[], (number | null)[], (number | null)[]] {
  const sorted = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [
    sorted.map((p) => Date.parse(p.at) / 1000),
    sorted.map((p) => p[metric]?.avg ?? null),
    sorted.map((p) => p[metric]?.max ?? null),
  ];
}

/** The distinct thresholds on one metric, strictest first, each with the policies that hold it. */
export function thresholdLines(thresholds: readonly SiteThreshold[], metric: Metric): { value: number; policies: string[] }[] {
  const byValue = new Map<number, string[]>();
  for (const t of thresholds) {
    const value = metrics[metric].threshold(t);
    byValue.set(value, [...(byValue.get(value) ?? []), t.policy]);
  }
  return [...byValue.entries()].sort(([a], [b]) => a - b).map(([value, policies]) => ({ value, policies }));
}

/** In words, for the chart's text alternative: the average, the worst, and how many buckets went over the strictest threshold. */
export function describeColumns(columns: ReturnType<typeof chartColumns>, metric: Metric, strictest: number | undefined): string {
  const { label, unit } = metrics[metric];
  const averages = columns[1].filter((v): v is number => v !== null);
  if (averages.length === 0) return `${label}: no measurement in this period.`;
  const mean = averages.reduce((sum, v) => sum + v, 0) / averages.length;
  const worst = Math.max(...columns[2].filter((v): v is number => v !== null));
  const over = strictest === undefined ? 0 : averages.filter((v) => v > strictest).length;
  const round = (v: number) => (v < 10 ? v.toFixed(1) : Math.round(v).toString());
  return `${label}: average ${round(mean)} ${unit}, worst ${round(worst)} ${unit}`
    + (strictest === undefined ? '.' : `; ${over} of ${averages.length} points above the ${strictest} ${unit} threshold.`);
}
