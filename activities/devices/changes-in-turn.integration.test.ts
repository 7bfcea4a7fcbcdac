// A site's devices changed in turn in one activity (applyConfigurationsInTurn) against simulated
// boxes: a refusal after a change names the change made, for the workflow to record it, and a
// retry goes on from the device that failed, changing nothing twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simulatorImage } from '../../simulator/device.ts';
import { fleetActivities, type FleetActivities } from '../../scripts/fleet-activities.ts';
import type { ChangesMadeBeforeFailure, PushConfigurationInput } from './activities.ts';
import { failureTypes } from '../../domain/failure-types.ts';

describe('applyConfigurationsInTurn', { timeout: 120_000 }, () => {
  let lab: FleetActivities;
  const domain = (name: string) => `<configuration><system><domain-name>${name}</domain-name></system></configuration>`;
  const changes = (name: string): PushConfigurationInput[] => lab.targets.map((target, index) => ({
    target, config: domain(name), mode: 'merge', persist: `test-turn/${name}/${index}`, checks: [], source: 'policy', workflowId: `test-turn/${name}`,
  }));
  const running = (index: number) => lab.fleet.device(lab.targets[index]!.serial)!.store.running.documentElement!.toString();

  before(async () => {
    lab = await fleetActivities({ devices: 2, baseAddress: '127.76.9.1', snmpPort: 37164, netconfPort: 37833, image: simulatorImage('SRX-SIM-300', '23.2R1'), password: 'turn-test' });
  });
  after(async () => {
    await lab?.stop();
  });

  it('when the second device refuses › fails as the refusal, naming the first device\'s change', async () => {
    lab.fleet.device(lab.targets[1]!.serial)!.store.failNextCommit = 'commit check failed: out of policy memory';
    const failure = await new MockActivityEnvironment().run(() => lab.activities.applyConfigurationsInTurn({ changes: changes('refused.example') })).then(
      () => assert.fail('the refusal should fail the activity'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, failureTypes.deviceRejected);
    assert.equal(failure.nonRetryable, true);
    const made = failure.details?.at(-1) as ChangesMadeBeforeFailure;
    assert.deepEqual(made.appliedBefore.map((a) => a.changed), [true]);
    assert.match(running(0), /refused\.example/);
    assert.doesNotMatch(running(1), /refused\.example/);
  });

  it('retried after an attempt that changed the first device › changes only the second, and says the first changed', async () => {
    // The heartbeat of an attempt that changed the first device (here, as it was not, any change of it would show).
    const retry = new MockActivityEnvironment({ heartbeatDetails: { appliedBefore: [{ changed: true }] } satisfies ChangesMadeBeforeFailure });
    const { applied } = await retry.run(() => lab.activities.applyConfigurationsInTurn({ changes: changes('retried.example') })) as Awaited<ReturnType<FleetActivities['activities']['applyConfigurationsInTurn']>>;
    assert.deepEqual(applied.map((a) => a.changed), [true, true]);
    assert.doesNotMatch(running(0), /retried\.example/);
    assert.match(running(1), /retried\.example/);
  });
});
