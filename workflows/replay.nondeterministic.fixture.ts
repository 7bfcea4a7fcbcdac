// A change that would break runs in flight, for the replay test to catch: the device lease as it
// is, but waiting a second first, which a recorded run never did.
import { sleep } from '@temporalio/workflow';
import { deviceLease as recorded } from './device-lease.ts';

export async function deviceLease(...args: Parameters<typeof recorded>): ReturnType<typeof recorded> {
  await sleep('1 second');
  return recorded(...args);
}
