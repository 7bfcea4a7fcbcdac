// Workflows for the device-lease tests: a run that holds devices until told to let go.
import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import { withDeviceLeases } from './lease.ts';

export { deviceLease } from './device-lease.ts';

export const finishSignal = defineSignal('finish');

export async function leaseHolder(input: { serials: string[]; waitUpTo: string }): Promise<{ heldAt: number }> {
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
