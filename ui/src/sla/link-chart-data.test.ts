import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartColumns, describeColumns, thresholdLines, type MetricPoint } from './link-chart-data.ts';

const point = (at: string, rtt: number | null, loss = 0): MetricPoint => ({
  at, samples: 12, upRatio: rtt === null ? 0 : 1,
  rttMs: rtt === null ? null : { min: rtt - 1, avg: rtt, max: rtt + 5 }, jitterMs: rtt === null ? null : { min: 1, avg: 2, max: 3 },
  lossPermille: { min: loss, avg: loss, max: loss },
});

describe('link charts', () => {
  it('chartColumns › sorts the points by time, in seconds, and leaves a gap where no probe answered', () => {
    const columns = chartColumns([point('2026-12-01T10:01:00Z', 40), point('2026-12-01T10:00:00Z', 20), point('2026-12-01T10:02:00Z', null)], 'rttMs');
    assert.deepEqual(columns[0], [Date.parse('2026-12-01T10:00:00Z') / 1000, Date.parse('2026-12-01T10:01:00Z') / 1000, Date.parse('2026-12-01T10:02:00Z') / 1000]);
    assert.deepEqual(columns[1], [20, 40, null]);
    assert.deepEqual(columns[2], [25, 45, null]);
  });

  it('thresholdLines › one line per distinct threshold, strictest first, naming the policies that hold it', () => {
    const lines = thresholdLines([
      { policy: 'Voice', profile: 'conservative', maxLatencyMs: 100, maxJitterMs: 10, maxLossPermille: 5 },
      { policy: 'Video', profile: 'baseline', maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10 },
      { policy: 'Teams', profile: 'baseline', maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10 },
    ], 'rttMs');
    assert.deepEqual(lines, [{ value: 100, policies: ['Voice'] }, { value: 150, policies: ['Video', 'Teams'] }]);
  });

  it('describeColumns › says the average, the worst and how many points broke the strictest threshold', () => {
    const columns = chartColumns([point('2026-12-01T10:00:00Z', 20), point('2026-12-01T10:01:00Z', 400)], 'rttMs');
    assert.equal(describeColumns(columns, 'rttMs', 150), 'Round trip: average 210 ms, worst 405 ms; 1 of 2 points above the 150 ms threshold.');
    assert.equal(describeColumns(chartColumns([], 'rttMs'), 'rttMs', 150), 'Round trip: no measurement in this period.');
  });
});
