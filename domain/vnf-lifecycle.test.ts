import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healAction, nextHealAttempt, operationRefusal } from './vnf-instance.ts';
import { packageChange, vnfHealingPolicy } from './vnf-lifecycle.ts';

describe('VNF lifecycle', () => {
  const policy = vnfHealingPolicy.parse({ cooldownSeconds: 180, maxAttempts: 3 });

  it('heals a new incident by a restart, and one within the cooldown of the last heal by re-creating the VNF', () => {
    assert.equal(nextHealAttempt(policy, { attempts: 0, at: null }, 1_000_000), 1);
    assert.equal(healAction(1), 'restart');
    assert.equal(nextHealAttempt(policy, { attempts: 1, at: 1_000_000 }, 1_000_000 + 60_000), 2);
    assert.equal(healAction(2), 'recreate');
    assert.equal(nextHealAttempt(policy, { attempts: 2, at: 1_000_000 }, 1_000_000 + 181_000), 1, 'past the cooldown: a new incident');
  });

  it('gives up past the limit of attempts within the cooldown', () => {
    assert.equal(nextHealAttempt(policy, { attempts: 3, at: 1_000_000 }, 1_000_000 + 1_000), null);
  });

  it('takes one operation at a time, and retry, rollback or fail only of a failed one', () => {
    const running = { status: 'running' as const, outcome: 'completed' as const, busy: false };
    assert.equal(operationRefusal('scale', running), undefined);
    assert.match(operationRefusal('scale', { ...running, busy: true })!, /one operation at a time/);
    assert.match(operationRefusal('retry', running)!, /no failed operation/);
    assert.equal(operationRefusal('rollback', { ...running, status: 'scaling', outcome: 'failed_temp' }), undefined);
    assert.match(operationRefusal('change_package', { ...running, status: 'scaling', outcome: 'failed_temp' })!, /retry, rollback or fail first/);
    assert.match(operationRefusal('scale', { ...running, status: 'failed', outcome: 'failed' })!, /only a running instance/);
    assert.equal(operationRefusal('heal', { ...running, status: 'failed', outcome: 'failed' }), undefined);
    assert.match(operationRefusal('terminate', { ...running, status: 'terminated' })!, /terminated/);
  });

  describe('packageChange', () => {
    const next = {
      product: 'vsrx', version: '23.4R1', flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }],
      day1Parameters: [{ name: 'hostName', type: 'string' as const, required: true }, { name: 'sessionLimit', type: 'integer' as const, required: false, default: 100 }],
    };

    it("carries the instance's own parameters over where the new package declares them, defaults filling the rest", () => {
      const change = packageChange(next, { flavour: 'small', config: { hostName: 'fw-1', colour: 'red' } });
      assert.deepEqual(change, { parameters: { hostName: 'fw-1', sessionLimit: 100 }, problems: [] });
    });

    it('refuses a package without the flavour the instance runs, or missing a required parameter', () => {
      const change = packageChange(next, { flavour: 'large', config: {} });
      assert.deepEqual(change.problems.map((p) => p.path), ['packageId', 'parameters.hostName']);
    });
  });
});
