// Workflows for the device-lease tests: a run that holds devices until told to let go.
import { ApplicationFailure, condition, defineSignal, setHandler } from '@temporalio/workflow';
import { withDeviceLeases } from './lease.ts';
import { takePatchBatch } from './patches.ts';

export { deviceLease } from './device-lease.ts';

export const finishSignal = defineSignal('finish');

export async function leaseHolder(input: { serials: string[]; waitUpTo: string }): Promise<{ heldAt: number }> {
  takePatchBatch();
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  return withDeviceLeases(input.serials, `test change by ${input.serials.join(',')}`, input.waitUpTo, async () => {
    const heldAt = Date.now();
    await condition(() => finished);
    return { heldAt };
  });
}

export const tryAgainSignal = defineSignal('tryAgain');

/** Tries to change the devices twice, each time waiting `waitUpTo` for them; says how each try went. */
export async function leaseRetrier(input: { serials: string[]; waitUpTo: string }): Promise<string[]> {
  takePatchBatch();
  let again = false;
  setHandler(tryAgainSignal, () => {
    again = true;
  });
  const outcomes: string[] = [];
  const attempt = () => withDeviceLeases(input.serials, 'test change, tried twice', input.waitUpTo, async () => 'changed')
    .catch((error: unknown) => {
      if (error instanceof ApplicationFailure && error.type === 'DeviceBusy') return 'busy';
      throw error;
    });
  outcomes.push(await attempt());
  await condition(() => again);
  outcomes.push(await attempt());
  return outcomes;
}
