import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignCandidate } from '../activities/campaigns.ts';
import { CampaignDispatch, offlineRetryMs, pageSize, type DispatchPlan, type NextStep } from './campaign-dispatch.ts';

const t0 = Date.parse('2026-07-01T00:00:00Z');
const device = (n: number): CampaignCandidate => ({ deviceId: `d${String(n).padStart(4, '0')}`, hostname: `branch-${n}`, timezone: 'Europe/Paris', attempts: 0 });
const devices = (from: number, count: number) => Array.from({ length: count }, (_, i) => device(from + i));

function campaign(plan: Partial<DispatchPlan> = {}, phaseSizes = [10]) {
  const dispatch = new CampaignDispatch('c1');
  dispatch.planned({ concurrency: 2, failureBudgetPct: 50, phaseFailureBudgetPct: null, deadline: null, phaseSizes, ...plan });
  dispatch.startPhase();
  return dispatch;
}

/** The device `next` answers, failing the test when it answers anything else. */
function take(dispatch: CampaignDispatch, now = t0) {
  const next = dispatch.next(now);
  assert.equal(next.kind, 'device', JSON.stringify(next));
  return (next as Extract<NextStep, { kind: 'device' }>).device;
}

describe('campaign dispatch', () => {
  describe('reading the phase', () => {
    it('asks for the first page, then the next one after the last device read, until a page comes back short', () => {
      const dispatch = campaign();
      assert.deepEqual(dispatch.pageWanted(), { phase: 0, limit: pageSize });
      dispatch.read(devices(1, pageSize));
      assert.equal(dispatch.pageWanted(), undefined, 'devices are left to take');
      for (let i = 0; i < pageSize; i++) take(dispatch);
      assert.deepEqual(dispatch.pageWanted(), { phase: 0, after: device(pageSize).deviceId, limit: pageSize });
      dispatch.read(devices(pageSize + 1, 3));
      take(dispatch);
      take(dispatch);
      dispatch.read([]);
      assert.equal(dispatch.pageWanted(), undefined, 'the list is exhausted');
    });

    it('is done only once every device read has ended and nothing waits', () => {
      const dispatch = campaign();
      dispatch.read([device(1)]);
      const upgrade = dispatch.start(take(dispatch));
      assert.deepEqual(dispatch.next(t0), { kind: 'wait' }, 'its child still runs');
      dispatch.upgraded(upgrade, { alreadyOn: false });
      assert.equal(dispatch.idle, false, 'its outcome is not recorded yet');
      dispatch.settled(upgrade);
      assert.equal(dispatch.idle, true);
      assert.deepEqual(dispatch.next(t0), { kind: 'done' });
      assert.deepEqual(dispatch.phase, { phase: 0, size: 10, upgraded: 1, skipped: 0, failed: 0 });
    });
  });

  describe('slots', () => {
    it('starts at most `concurrency` devices, and gives the slot to the next one as soon as a child ends', () => {
      const dispatch = campaign({ concurrency: 2 });
      dispatch.read(devices(1, 5));
      const first = dispatch.start(take(dispatch));
      dispatch.start(take(dispatch));
      assert.deepEqual(dispatch.next(t0), { kind: 'wait' });
      assert.equal(dispatch.progress().inFlight, 2);

      const seen = dispatch.changes;
      dispatch.upgraded(first, { alreadyOn: true });
      assert.notEqual(dispatch.changes, seen, 'a dispatcher waiting for a slot wakes');
      assert.equal(take(dispatch).deviceId, device(3).deviceId, 'before the outcome is recorded');
      dispatch.settled(first);
      assert.equal(dispatch.phase!.skipped, 1, 'a device on the version already counts as skipped');
    });

    it('starts nothing while paused, and takes up again on resume', () => {
      const dispatch = campaign();
      dispatch.read(devices(1, 3));
      dispatch.pause();
      assert.deepEqual(dispatch.next(t0), { kind: 'wait' });
      assert.equal(dispatch.progress().state, 'paused');
      assert.throws(() => dispatch.checkPause(), /The campaign is paused: it cannot be paused/);
      dispatch.checkResume();
      dispatch.resume();
      assert.equal(take(dispatch).deviceId, device(1).deviceId);
    });
  });

  describe('a device that does not answer', () => {
    it('is tried again five minutes later, keeping its slot until that is recorded', () => {
      const dispatch = campaign({ concurrency: 1 });
      dispatch.read([device(1), device(2)]);
      const upgrade = dispatch.start(take(dispatch));
      assert.equal(dispatch.failed(upgrade, { type: 'DeviceUnreachable', error: 'no route', rolledBack: false }, t0), 'retry-later');
      assert.deepEqual(dispatch.next(t0), { kind: 'wait' }, 'its slot is still held');
      dispatch.settled(upgrade);
      dispatch.start(take(dispatch));
      assert.deepEqual(dispatch.next(t0), { kind: 'wait' }, 'the one slot is taken: no wake-up for a device due later');
      assert.equal(dispatch.progress().waiting, 1);
      assert.deepEqual(dispatch.state.retryAt, { [device(1).deviceId]: t0 + offlineRetryMs });
      assert.deepEqual(dispatch.phase, { phase: 0, size: 10, upgraded: 0, skipped: 0, failed: 0 }, 'not counted against the budget');
    });

    it('wakes the dispatcher when its retry comes due, and is taken before the next device', () => {
      const dispatch = campaign({ concurrency: 2 });
      dispatch.read([device(1), device(2)]);
      const upgrade = dispatch.start(take(dispatch));
      dispatch.failed(upgrade, { type: 'DeviceTimeout', error: 'timed out', rolledBack: false }, t0);
      dispatch.settled(upgrade);
      dispatch.start(take(dispatch));
      assert.deepEqual(dispatch.next(t0 + 1_000), { kind: 'wait', wakeInMs: offlineRetryMs - 1_000 });
      assert.equal(take(dispatch, t0 + offlineRetryMs).deviceId, device(1).deviceId);
    });

    it('after a continue-as-new, waits out the retry it had before being started again', () => {
      const before = campaign();
      before.read([device(1)]);
      const upgrade = before.start(take(before));
      before.failed(upgrade, { type: 'DeviceUnreachable', error: 'no route', rolledBack: false }, t0);
      before.settled(upgrade);

      const after = new CampaignDispatch('c1', structuredClone(before.state));
      after.planned({ concurrency: 2, failureBudgetPct: 50, phaseFailureBudgetPct: null, deadline: null, phaseSizes: [10] });
      after.startPhase();
      after.read([device(1)]);
      assert.deepEqual(after.next(t0 + 60_000), { kind: 'deferred' });
      assert.deepEqual(after.next(t0 + 60_000), { kind: 'wait', wakeInMs: offlineRetryMs - 60_000 });
      assert.equal(take(after, t0 + offlineRetryMs).deviceId, device(1).deviceId);
      after.start(device(1));
      assert.deepEqual(after.state.retryAt, {}, 'started: no retry pending');
    });

    it('counts as failed once a retry would come after the deadline', () => {
      const dispatch = campaign({ deadline: new Date(t0 + offlineRetryMs - 1).toISOString() });
      dispatch.read([device(1)]);
      const upgrade = dispatch.start(take(dispatch));
      assert.equal(dispatch.failed(upgrade, { type: 'DeviceUnreachable', error: 'no route', rolledBack: false }, t0), 'failed');
      assert.equal(dispatch.phase!.failed, 1);
    });
  });

  describe('maintenance windows', () => {
    it("wakes the dispatcher when a waiting device's window opens, a second later at the soonest", () => {
      const dispatch = campaign();
      dispatch.read([device(1)]);
      dispatch.waitForWindow(take(dispatch), t0 + 3_600_000);
      assert.deepEqual(dispatch.next(t0), { kind: 'wait', wakeInMs: 3_600_000 });
      assert.deepEqual(dispatch.next(t0 + 3_600_000 - 10), { kind: 'wait', wakeInMs: 1_000 });
      assert.equal(take(dispatch, t0 + 3_600_000).deviceId, device(1).deviceId);
    });

    it('counts a device passed over (its window opens after the deadline) as skipped', () => {
      const dispatch = campaign();
      dispatch.read([device(1)]);
      take(dispatch);
      dispatch.skip();
      assert.deepEqual(dispatch.next(t0), { kind: 'done' });
      assert.equal(dispatch.phase!.skipped, 1);
    });
  });

  describe('the failure budget', () => {
    it('halts the moment the overall failure rate passes the budget: nothing new starts, what runs finishes', () => {
      const dispatch = campaign({ failureBudgetPct: 40, concurrency: 3 });
      dispatch.read(devices(1, 10));
      const [a, b, c] = [1, 2, 3].map(() => dispatch.start(take(dispatch)));
      dispatch.upgraded(a!, { alreadyOn: false });
      assert.equal(dispatch.failed(b!, { type: 'UpgradeFailed', error: 'interfaces down after the reboot', rolledBack: true }, t0), 'failed');
      assert.equal(dispatch.haltedBecause, '1 of 2 devices failed (50.0 %), over the 40 % budget.');
      assert.deepEqual([dispatch.finished, dispatch.status, dispatch.outcome], [true, 'halted', 'halted']);
      assert.throws(() => dispatch.checkAbort(), /The campaign is halted already/);
      assert.deepEqual(dispatch.state.failures, [{ deviceId: device(2).deviceId, hostname: 'branch-2', phase: 0, error: 'interfaces down after the reboot', rolledBack: true }]);

      dispatch.upgraded(c!, { alreadyOn: false });
      for (const upgrade of [a!, b!, c!]) dispatch.settled(upgrade);
      assert.equal(dispatch.idle, true);
      assert.equal(dispatch.haltedBecause, '1 of 2 devices failed (50.0 %), over the 40 % budget.', 'the first reason stays');
    });

    it("halts when the phase's own budget is spent, though the overall one is not", () => {
      const dispatch = campaign({ failureBudgetPct: 100, phaseFailureBudgetPct: 20, concurrency: 10 });
      const upgrades = devices(1, 6).map((d) => dispatch.start(d));
      for (const upgrade of upgrades.slice(0, 4)) dispatch.upgraded(upgrade, { alreadyOn: false });
      dispatch.failed(upgrades[4]!, { error: 'failed', rolledBack: false }, t0);
      assert.equal(dispatch.haltedBecause, null, '1 of 5 is 20 %, not over it');
      dispatch.failed(upgrades[5]!, { error: 'failed', rolledBack: false }, t0);
      assert.equal(dispatch.haltedBecause, 'phase 1: 2 failed (33.3 %), over its 20 % budget.');
    });

    it('counts every failure and lists the first 500', () => {
      const dispatch = campaign({ failureBudgetPct: 100, concurrency: 1_000 }, [600]);
      for (const d of devices(1, 501)) dispatch.failed(dispatch.start(d), { error: 'failed', rolledBack: false }, t0);
      assert.deepEqual([dispatch.state.failedCount, dispatch.state.failures.length, dispatch.phase!.failed], [501, 500, 501]);
    });
  });

  describe('the operator', () => {
    it('aborts with a reason, after which nothing starts and nothing more can be asked', () => {
      const dispatch = campaign();
      dispatch.read(devices(1, 3));
      dispatch.checkAbort();
      dispatch.abort('wrong image');
      assert.deepEqual([dispatch.finished, dispatch.status, dispatch.outcome, dispatch.haltedBecause], [true, 'aborted', 'aborted', 'aborted: wrong image']);
      assert.throws(() => dispatch.checkPause(), /The campaign is aborted: it cannot be paused/);
      assert.throws(() => dispatch.checkResume(), /only a paused campaign resumes/);
    });

    it('aborts without a reason', () => {
      const dispatch = campaign();
      dispatch.abort();
      assert.deepEqual([dispatch.finished, dispatch.outcome, dispatch.haltedBecause], [true, 'aborted', null]);
    });
  });

  it("sets up a new campaign's phases, and keeps those carried over by a continue-as-new", () => {
    const fresh = campaign({}, [2, 20]);
    assert.deepEqual(fresh.state.phases.map((p) => p.size), [2, 20]);
    fresh.nextPhase();
    assert.equal(fresh.phase!.phase, 1);
    const carried = new CampaignDispatch('c1', structuredClone(fresh.state));
    carried.planned({ concurrency: 2, failureBudgetPct: 50, phaseFailureBudgetPct: null, deadline: null, phaseSizes: [99] });
    assert.deepEqual([carried.state.phases.map((p) => p.size), carried.phase!.phase], [[2, 20], 1]);
    carried.nextPhase();
    assert.equal(carried.phase, undefined, 'no phase left');
  });
});
