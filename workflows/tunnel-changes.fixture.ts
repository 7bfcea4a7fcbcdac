// Workflows for the tunnel-change queue's tests: one that holds a device's lease until told to let
// go, and a requester that asks the queue for one edit and answers how it went.
import type { DeviceTarget } from '../domain/site-plan.ts';
import { takePatchBatch } from './patches.ts';
import { describeFailure } from './steps.ts';
import { changeTunnels } from './tunnel-changes.ts';

export { finishSignal, leaseHolder } from './device-lease.fixture.ts';

export async function tunnelChangeRequester(input: { target: DeviceTarget; edit: string }): Promise<{ ok: boolean; errorType?: string }> {
  takePatchBatch();
  try {
    await changeTunnels(input.target, input.edit, `test edit ${input.edit}`, 'onboarding', '1 minute');
    return { ok: true };
  } catch (error) {
    const failure = describeFailure(error);
    return { ok: false, ...(failure.type ? { errorType: failure.type } : {}) };
  }
}
