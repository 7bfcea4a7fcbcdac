import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeStartedAt, evaluateLinks, evaluationDigest, evaluationKey, healthyEvaluation, latestViolates, shardOf, smooth, withSample, type ProbeSample } from './link-telemetry.ts';
import { slaPresets } from './sla.ts';

const sample = (at: number, rttMs: number, extra: Partial<ProbeSample> = {}): ProbeSample => ({ at, up: true, rttMs, jitterMs: 2, lossPermille: 0, ...extra });
const down = (at: number) => sample(at, 0, { up: false, lossPermille: 1000 });
const apps = { 'junos:SIP': slaPresets.conservative, 'junos:HTTP': slaPresets.liberal };
const windowsOf = (entries: Record<string, ProbeSample[]>) => new Map(Object.entries(entries));

describe('smooth', () => {
  it('keeps the last K samples, newest last', () => {
    let window: ProbeSample[] = [];
    for (let i = 0; i < 5; i++) window = withSample(window, sample(i, i), 3);
    assert.deepEqual(window.map((s) => s.at), [2, 3, 4]);
  });

  it('measures nothing until the window is full', () => {
    assert.deepEqual(smooth('wan0', [sample(0, 20), sample(1, 20)], 3), { link: 'wan0', up: true });
  });

  it('takes the mean of the answered samples, an unanswered one counting as all lost', () => {
    assert.deepEqual(smooth('wan0', [sample(0, 20), down(1), sample(2, 40, { lossPermille: 30 })], 3),
      { link: 'wan0', up: true, measured: { rttMs: 30, jitterMs: 2, lossPermille: 343.3 } });
  });

  it('is down only when no sample of the window was answered', () => {
    assert.deepEqual(smooth('wan0', [down(0), down(1), down(2)], 3), { link: 'wan0', up: false });
  });
});

describe('evaluateLinks', () => {
  it('judges nothing until every link has a full window', () => {
    assert.equal(evaluateLinks(windowsOf({ wan0: [sample(0, 20), sample(1, 20), sample(2, 20)], lte: [sample(2, 60)] }), apps, 3), undefined);
  });

  it('lists per application the links breaking its SLA, a down link breaking every one', () => {
    const evaluation = evaluateLinks(windowsOf({
      wan0: [sample(0, 20), sample(1, 300), sample(2, 300)], // mean 206.7 ms: over voice's 100, under web's 300
      wan1: [sample(0, 20), sample(1, 20), sample(2, 20)],
      lte: [down(0), down(1), down(2)],
    }), apps, 3)!;
    assert.deepEqual(evaluation.violations, { 'junos:HTTP': ['lte'], 'junos:SIP': ['lte', 'wan0'] });
    assert.deepEqual(evaluation.links.map((l) => [l.link, l.up]), [['lte', false], ['wan0', true], ['wan1', true]]);
  });
});

describe('change detection', () => {
  const steady = (rtt: number) => [sample(0, rtt), sample(5, rtt), sample(10, rtt)];

  it('does not change with the figures alone, only with a link up or down or a violation set', () => {
    const before = evaluateLinks(windowsOf({ wan0: steady(20), wan1: steady(30) }), apps, 3)!;
    const wobble = evaluateLinks(windowsOf({ wan0: steady(25), wan1: steady(35) }), apps, 3)!;
    const degraded = evaluateLinks(windowsOf({ wan0: steady(250), wan1: steady(30) }), apps, 3)!;
    assert.equal(evaluationKey(wobble), evaluationKey(before));
    assert.notEqual(evaluationKey(degraded), evaluationKey(before));
    assert.equal(evaluationDigest(evaluationKey(wobble)), evaluationDigest(evaluationKey(before)));
    assert.notEqual(evaluationDigest(evaluationKey(degraded)), evaluationDigest(evaluationKey(before)));
  });

  it('starts from every link up and compliant, so a healthy device has nothing to signal', () => {
    const healthy = evaluateLinks(windowsOf({ wan0: steady(20), wan1: steady(30) }), apps, 3)!;
    assert.equal(evaluationKey(healthyEvaluation(['wan1', 'wan0'], apps)), evaluationKey(healthy));
  });

  it('dates a change from the first raw sample showing it', () => {
    const windows = windowsOf({ wan0: [sample(0, 20), sample(5, 300), sample(10, 300)], wan1: steady(30) });
    const next = evaluateLinks(windows, apps, 3)!;
    assert.equal(changeStartedAt(healthyEvaluation(['wan0', 'wan1'], apps), next, windows, apps, 10), 5);
    assert.equal(changeStartedAt(undefined, next, windows, apps, 10), 10, 'nothing known before: the evaluation itself');
  });
});

describe('shardOf', () => {
  it('spreads devices over every shard, the same device always to the same one', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `0190${String(i).padStart(4, '0')}-0000-7000-8000-000000000000`);
    const counts = [0, 0, 0, 0];
    for (const id of ids) counts[shardOf(id, 4)]! += 1;
    assert.ok(counts.every((count) => count > 60), `${counts.join(',')}`);
    assert.equal(shardOf(ids[7]!, 4), shardOf(ids[7]!, 4));
  });
});

describe('latestViolates', () => {
  it('says a link looks out of an SLA by its latest reading alone, before its window does', () => {
    const windows = windowsOf({ wan0: [sample(0, 20), sample(1, 20), sample(2, 250)], wan1: [sample(0, 20), sample(1, 20), sample(2, 20)] });
    assert.equal(latestViolates(windows, apps), true);
    assert.deepEqual(evaluateLinks(windows, apps, 3)?.violations['junos:SIP'], [], 'the mean still complies');
    assert.equal(latestViolates(windowsOf({ wan0: [sample(0, 400), sample(1, 20)] }), apps), false, 'recovered');
    assert.equal(latestViolates(windowsOf({ wan0: [down(0)] }), apps), true, 'down');
  });
});
