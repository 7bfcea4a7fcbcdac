import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { impairedQuality, impairmentShape, withNoise, type Impairment } from './impairments.ts';

const base = { latencyMs: 20, jitterMs: 2, lossPermille: 0 };
const at = (shape: unknown, startedAt = 1_000): Impairment => ({ ...impairmentShape.parse(shape), startedAt });

describe('link impairments', () => {
  it('step: the link takes the new quality at once and keeps it until cleared or its duration is over', () => {
    const step = at({ shape: 'step', to: { latencyMs: 180, lossPermille: 40 } });
    assert.deepEqual(impairedQuality(base, step, 999), base, 'nothing before it starts');
    assert.deepEqual(impairedQuality(base, step, 1_000), { latencyMs: 180, jitterMs: 2, lossPermille: 40 });
    assert.deepEqual(impairedQuality(base, step, 1_000_000), { latencyMs: 180, jitterMs: 2, lossPermille: 40 });
    assert.deepEqual(impairedQuality(base, at({ shape: 'step', to: { latencyMs: 180 }, durationMs: 500 }), 1_500), base);
  });

  it('ramp: moves linearly from the base to the new quality, then stays', () => {
    const ramp = at({ shape: 'ramp', to: { latencyMs: 220, jitterMs: 42 }, overMs: 10_000 });
    assert.deepEqual(impairedQuality(base, ramp, 6_000), { latencyMs: 120, jitterMs: 22, lossPermille: 0 });
    assert.deepEqual(impairedQuality(base, ramp, 60_000), { latencyMs: 220, jitterMs: 42, lossPermille: 0 });
  });

  it('oscillation: degraded for its share of each period, the base for the rest', () => {
    const wave = at({ shape: 'oscillation', to: { lossPermille: 100 }, periodMs: 20_000, degradedPct: 25 });
    const lossAt = (t: number) => impairedQuality(base, wave, 1_000 + t).lossPermille;
    assert.deepEqual([0, 4_999, 5_000, 19_999, 20_000, 25_001].map(lossAt), [100, 100, 0, 0, 100, 0]);
  });

  it('brownout: degraded for its duration, then the link recovers by itself', () => {
    const brownout = at({ shape: 'brownout', to: { latencyMs: 400, lossPermille: 80 }, durationMs: 30_000 });
    assert.equal(impairedQuality(base, brownout, 30_999).latencyMs, 400);
    assert.deepEqual(impairedQuality(base, brownout, 31_000), base);
    assert.equal(impairmentShape.safeParse({ shape: 'brownout', to: {} }).success, false, 'a brownout needs its duration');
  });

  it('blackout: nothing passes, whatever the link was', () => {
    assert.equal(impairedQuality(base, at({ shape: 'blackout' }), 5_000).lossPermille, 1000);
  });

  it('refuses a shape it does not know, or a figure out of range', () => {
    assert.equal(impairmentShape.safeParse({ shape: 'sawtooth', to: {} }).success, false);
    assert.equal(impairmentShape.safeParse({ shape: 'step', to: { lossPermille: 1001 } }).success, false);
  });

  describe('probe noise', () => {
    const noise = { latencyMs: 5, jitterMs: 1, lossPermille: 2 };

    it('is the same for the same test and differs between tests', () => {
      assert.deepEqual(withNoise(base, noise, 'BLS1/mpls/sla/7'), withNoise(base, noise, 'BLS1/mpls/sla/7'));
      assert.notDeepEqual(withNoise(base, noise, 'BLS1/mpls/sla/7'), withNoise(base, noise, 'BLS1/mpls/sla/8'));
    });

    it('varies around the quality by about its deviation, and never below zero', () => {
      const samples = Array.from({ length: 2_000 }, (_, i) => withNoise(base, noise, `s/${i}`));
      const mean = samples.reduce((sum, q) => sum + q.latencyMs, 0) / samples.length;
      const deviation = Math.sqrt(samples.reduce((sum, q) => sum + (q.latencyMs - mean) ** 2, 0) / samples.length);
      assert.ok(Math.abs(mean - 20) < 0.5, `mean ${mean}`);
      assert.ok(Math.abs(deviation - 5) < 0.5, `deviation ${deviation}`);
      assert.ok(samples.every((q) => q.lossPermille >= 0 && q.jitterMs >= 0));
    });
  });
});
