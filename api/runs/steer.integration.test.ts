// A decision on a run that closes between the API's look and the decision itself (a termination's
// last steps) is refused as for a closed run, never answered as a run not found.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectTestClient } from '../../scripts/testing.ts';
import { problems, type HttpProblem } from '../problems.ts';
import { decide } from './steer.ts';
import type { Origin, RunDependencies } from './launch.ts';

describe('a decision on a run', () => {
  let temporal: Awaited<ReturnType<typeof connectTestClient>>;

  before(async () => {
    temporal = await connectTestClient();
  });

  after(async () => {
    await temporal.close();
  });

  it('that closes before the decision reaches it is refused as closed, with nothing recorded', async () => {
    // No worker serves this task queue: the run stays open until it is terminated.
    const workflowId = `steer-test/${randomUUID()}`;
    await temporal.client.workflow.start('unservedWorkflow', { workflowId, taskQueue: `steer-test-${randomUUID()}` });
    const refusals: (string | undefined)[] = [];
    // The audit is never reached: the database is not there to record it.
    const deps = { temporal: temporal.client } as unknown as RunDependencies;
    const decision = decide(deps, {} as Origin, {
      workflowId,
      refusal: (execution): HttpProblem => {
        refusals.push(execution);
        return problems.conflict(`The run is ${execution}: it takes no heal.`);
      },
      audit: { action: 'test.heal', objectType: 'test', objectId: workflowId, after: () => ({}) },
    }, async (run) => {
      await run.terminate('closed between the look and the decision');
      return run.executeUpdate<string, []>('heal');
    });
    await assert.rejects(decision, (error: HttpProblem) => error.status === 409 && /TERMINATED/.test(error.detail ?? ''));
    assert.deepEqual(refusals, ['TERMINATED']);
  });
});
