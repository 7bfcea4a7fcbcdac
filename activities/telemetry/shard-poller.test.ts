import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slaPresets } from '../../domain/sla.ts';
import type { PolledDevice } from '../../inventory/telemetry-targets.ts';
import type { SlaEvaluation } from '../../workflows/sla-steering.messages.ts';
import type { ProbeResult } from '../devices/drivers/contract.ts';
import { emptyProgress, ShardPoller, tickAt, type ShardProgress } from './shard-poller.ts';

const device: PolledDevice = {
  deviceId: 'd1', serial: 'BLS0000001', siteId: 's1', platform: 'junos', host: '127.0.0.1', snmpPort: 161, netconfPort: 830,
  links: [{ name: 'wan0', wanLinkId: 'l0' }, { name: 'wan1', wanLinkId: 'l1' }], applications: { 'junos:SIP': slaPresets.baseline },
};
const healthy: ProbeResult[] = [
  { link: 'wan0', latencyMs: 20, jitterMs: 2, lossPermille: 0, up: true },
  { link: 'wan1', latencyMs: 30, jitterMs: 3, lossPermille: 0, up: true },
];
const degraded: ProbeResult[] = [{ ...healthy[0]!, latencyMs: 400 }, healthy[1]!];

function poller(progress: ShardProgress, answers: { results: ProbeResult[]; delivered: boolean }) {
  const signals: SlaEvaluation[] = [];
  let now = 0;
  const shard = new ShardPoller(progress, 3, {
    readProbes: async () => answers.results,
    signal: async (evaluation) => {
      if (!answers.delivered) throw new Error('Temporal unreachable');
      signals.push(evaluation);
    },
    limit: (work) => work(),
    log: { debug: () => undefined, warn: () => undefined },
    now: () => (now += 5_000),
  });
  shard.setDevices([device]);
  return { shard, signals };
}

describe('ShardPoller', () => {
  it('signals a change once, and nothing while it lasts', async () => {
    const answers = { results: healthy, delivered: true };
    const { shard, signals } = poller(emptyProgress(), answers);
    for (let i = 0; i < 3; i++) await shard.pollOnce();
    assert.equal(signals.length, 0, 'healthy: nothing to say');
    answers.results = degraded;
    for (let i = 0; i < 5; i++) await shard.pollOnce();
    assert.deepEqual(signals.map((s) => s.violations), [{ 'junos:SIP': ['wan0'] }]);
    assert.equal(signals[0]!.changedAt, new Date(20_000).toISOString(), 'from the first degraded reading');
    answers.results = healthy;
    for (let i = 0; i < 5; i++) await shard.pollOnce();
    assert.deepEqual(signals.map((s) => s.violations), [{ 'junos:SIP': ['wan0'] }, { 'junos:SIP': [] }]);
  });

  it('resumed from its progress, signals neither the violation it signalled before nor nothing', async () => {
    const first = poller(emptyProgress(), { results: degraded, delivered: true });
    for (let i = 0; i < 3; i++) await first.shard.pollOnce();
    assert.equal(first.signals.length, 1);
    const resumed = poller(structuredClone(first.shard.progress), { results: degraded, delivered: true });
    for (let i = 0; i < 5; i++) await resumed.shard.pollOnce();
    assert.equal(resumed.signals.length, 0);
  });

  it('keeps a change it could not signal, and signals it at the next poll', async () => {
    const answers = { results: degraded, delivered: false };
    const { shard, signals } = poller(emptyProgress(), answers);
    for (let i = 0; i < 3; i++) await shard.pollOnce();
    assert.deepEqual(shard.progress.signalled, {});
    answers.delivered = true;
    await shard.pollOnce();
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.changedAt, new Date(10_000).toISOString(), 'dated from the first degraded reading its window still holds');
  });

  it('spreads a poll\'s reads over the time given, each device read once', async () => {
    const read: string[] = [];
    const waits: number[] = [];
    const shard = new ShardPoller(emptyProgress(), 3, {
      readProbes: async (d) => {
        read.push(d.deviceId);
        return healthy;
      },
      signal: async () => undefined,
      limit: (work) => work(),
      wait: async (ms) => void waits.push(ms),
      log: { debug: () => undefined, warn: () => undefined },
      now: () => 0,
    });
    shard.setDevices(Array.from({ length: 25 }, (_, i) => ({ ...device, deviceId: `d${i}` })));
    await shard.pollOnce(1_000);
    assert.deepEqual(waits, [100, 200, 300, 400, 500, 600, 700, 800, 900], 'a slot every 100 ms after the first');
    assert.deepEqual([...read].sort(), Array.from({ length: 25 }, (_, i) => `d${i}`).sort());
    assert.equal(shard.progress.polls, 1);
  });

  it('reads the other devices on time while one has not answered, which alone misses its turn', async () => {
    let answerSlow: () => void = () => undefined;
    const read: string[] = [];
    const shard = new ShardPoller(emptyProgress(), 3, {
      readProbes: async (d) => {
        read.push(d.deviceId);
        if (d.deviceId === 'slow' && read.length === 1) await new Promise<void>((resolve) => (answerSlow = resolve));
        return healthy;
      },
      signal: async () => undefined,
      limit: (work) => work(),
      log: { debug: () => undefined, warn: () => undefined },
      now: () => 0,
    });
    shard.setDevices([{ ...device, deviceId: 'slow' }, { ...device, deviceId: 'quick' }]);
    const first = shard.pollOnce();
    await new Promise(setImmediate); // the quick device answered
    await shard.pollOnce();
    assert.deepEqual(read, ['slow', 'quick', 'quick'], 'the slow device is not read again while its read is out');
    assert.equal(shard.progress.missedPolls, 1);
    const misses = shard.takeMisses();
    assert.deepEqual([misses.count, misses.queued], [1, 0], 'the read it found out had gone to the device');
    assert.ok(misses.oldestMs >= 0);
    answerSlow();
    await first;
    await shard.pollOnce();
    assert.deepEqual(read, ['slow', 'quick', 'quick', 'slow', 'quick']);
    assert.equal(shard.progress.polls, 3);
    shard.missedTicks(2);
    assert.equal(shard.progress.missedPolls, 5, 'a tick not started at all: every device missed it');
  });

  it('reads a device at its next turn while its signal is still under way, and signals what changed meanwhile after it', async () => {
    const answers = { results: degraded, delivered: true };
    const signals: SlaEvaluation[] = [];
    let answerSignal: () => void = () => undefined;
    const shard = new ShardPoller(emptyProgress(), 1, {
      readProbes: async () => answers.results,
      signal: async (evaluation) => {
        signals.push(evaluation);
        if (signals.length === 1) await new Promise<void>((resolve) => (answerSignal = resolve));
      },
      limit: (work) => work(),
      log: { debug: () => undefined, warn: () => undefined },
      now: () => 0,
    });
    shard.setDevices([device]);
    const first = shard.pollOnce();
    await new Promise(setImmediate);
    answers.results = healthy;
    await shard.pollOnce();
    assert.equal(shard.progress.missedPolls, 0, 'read again while the signal waits');
    assert.equal(signals.length, 1, 'no second signal while the first is under way');
    answerSignal();
    await first;
    await shard.pollOnce();
    assert.deepEqual(signals.map((s) => s.violations), [{ 'junos:SIP': ['wan0'] }, { 'junos:SIP': [] }]);
  });

  it('suspects a device while its latest reading breaks an SLA, before its window does, and clears it once the reading complies', async () => {
    const answers = { results: healthy, delivered: true };
    const events: string[] = [];
    const shard = new ShardPoller(emptyProgress(), 3, {
      readProbes: async () => answers.results,
      signal: async () => void events.push('signal'),
      suspect: () => void events.push('suspect'),
      cleared: () => void events.push('cleared'),
      limit: (work) => work(),
      log: { debug: () => undefined, warn: () => undefined },
      now: () => 0,
    });
    shard.setDevices([device]);
    for (let i = 0; i < 3; i++) await shard.pollOnce();
    answers.results = degraded;
    for (let i = 0; i < 2; i++) await shard.pollOnce();
    answers.results = healthy;
    await shard.pollOnce();
    assert.deepEqual(events, ['cleared', 'cleared', 'cleared', 'suspect', 'suspect', 'signal', 'cleared']);
  });

  it('puts every reading in its link\'s minute', async () => {
    const { shard } = poller(emptyProgress(), { results: healthy, delivered: true });
    for (let i = 0; i < 13; i++) await shard.pollOnce(); // 5 s to 65 s
    const closed = shard.takeClosedMinutes();
    assert.deepEqual(closed.map((b) => [b.wanLinkId, b.bucket, b.samples]), [['l0', 0, 11], ['l1', 0, 11]]);
    assert.deepEqual(shard.takeClosedMinutes(true).map((b) => [b.wanLinkId, b.bucket, b.samples]), [['l0', 60_000, 2], ['l1', 60_000, 2]]);
  });
});

describe('tickAt', () => {
  it('waits for the next tick after one polled on time, or woken a moment early', () => {
    assert.deepEqual(tickAt(10_000, 10_000, 5000), { overran: 0, next: 15_000 });
    assert.deepEqual(tickAt(10_003, 10_000, 5000), { overran: 0, next: 15_000 });
    assert.deepEqual(tickAt(9_999, 10_000, 5000), { overran: 0, next: 15_000 }, 'a timer a millisecond early polls its tick once, not twice');
  });

  it('counts the ticks a stalled process went past, and waits for the one after', () => {
    assert.deepEqual(tickAt(21_000, 10_000, 5000), { overran: 2, next: 25_000 });
  });
});
