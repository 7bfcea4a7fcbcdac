import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { stepSchema } from '../domain/progress.ts';
import { StepLog } from './steps.ts';

/** The steps as the progress query sends them: JSON, in which an unset time is no member at all. */
const sent = (log: StepLog) => JSON.parse(JSON.stringify(log.steps)) as unknown;

describe('StepLog', () => {
  it('records, through a run, a failure, its undoing and a retry, only steps the shared Step schema (the API\'s) takes', async () => {
    const log = new StepLog([{ name: 'validate', label: 'Validate' }, { name: 'push', label: 'Push' }]);
    const steps = z.array(stepSchema);
    steps.parse(sent(log));
    await log.run('validate', async () => 2, (count) => `${count} device(s)`);
    log.add({ name: 'device-1', label: 'Device 1' }, 'validate');
    await assert.rejects(log.run('push', () => Promise.reject(new Error('timed out'))));
    steps.parse(sent(log));
    log.mark('validate', 'compensating');
    log.mark('validate', 'compensated');
    log.mark('device-1', 'skipped', 'not reached');
    steps.parse(sent(log));
    log.resetFrom('push');
    assert.deepEqual(steps.parse(sent(log)), [
      { name: 'validate', label: 'Validate', status: 'compensated', startedAt: log.get('validate').startedAt, endedAt: log.get('validate').endedAt, detail: '2 device(s)' },
      { name: 'device-1', label: 'Device 1', status: 'skipped', endedAt: log.get('device-1').endedAt, detail: 'not reached' },
      { name: 'push', label: 'Push', status: 'pending' },
    ]);
  });
});
