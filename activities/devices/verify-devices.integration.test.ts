// A site's devices verified side by side in one activity (verifyDevices) against simulated boxes:
// all of them holding, or the first that does not hold in time failing the activity for good,
// naming the device and what does not hold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simulatorImage } from '../../simulator/device.ts';
import { fleetActivities, type FleetActivities } from '../../scripts/fleet-activities.ts';
import { failureTypes } from '../../domain/failure-types.ts';
import type { PostCheck } from '../../domain/post-checks.ts';

describe('verifyDevices', { timeout: 120_000 }, () => {
  let lab: FleetActivities;
  const up: PostCheck = { kind: 'interface-up', interface: 'ge-0/0/0' };
  const verify = (checks: PostCheck[][]) => new MockActivityEnvironment().run(() => lab.activities.verifyDevices({
    devices: lab.targets.map((target, index) => ({ target, checks: checks[index]! })), waitUpToSeconds: 2,
  }));

  before(async () => {
    lab = await fleetActivities({ devices: 2, baseAddress: '127.76.10.1', snmpPort: 37165, netconfPort: 37834, image: simulatorImage('SRX-SIM-300', '23.2R1'), password: 'verify-test' });
  });
  after(async () => {
    await lab?.stop();
  });

  it('every device holding › verified, all of them', async () => {
    assert.deepEqual(await verify([[up], [up]]), { verified: 2 });
  });

  it('the second device lacking a unit › fails for good, naming that device and the unit', async () => {
    const failure = await verify([[up], [up, { kind: 'interface-up', interface: 'st0.9' }]]).then(
      () => assert.fail('the missing unit should fail the verification'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, failureTypes.verificationFailed);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, new RegExp(`^${lab.targets[1]!.serial}: .*st0\\.9`));
  });
});
