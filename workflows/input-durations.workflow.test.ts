// A run started with a duration its workflow cannot read fails at once, typed and non-retryable,
// rather than retrying its workflow task for ever (issue 20, hazard 11).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { failureTypes } from '../domain/failure-types.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { connectTestClient, startStandInWorkers } from '../scripts/testing.ts';
import { onboardSite } from './onboard-site.ts';
import { rma } from './rma.ts';

/** The run's failure type, or 'still running' when it has not ended within 30 s. */
async function failureOf(handle: WorkflowHandle): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handle.result().then(() => 'completed', (error: unknown) => {
        const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
        return cause instanceof ApplicationFailure ? `${cause.type ?? ''}${cause.nonRetryable ? '' : ' (retryable)'}` : String(error);
      }),
      new Promise<string>((resolve) => { timer = setTimeout(() => resolve('still running'), 30_000); }),
    ]);
  } finally {
    clearTimeout(timer);
    await handle.terminate('the test has read what it needs').catch(() => undefined);
  }
}

describe('durations a run is started with', () => {
  let client: Client;
  let close: () => Promise<void>;
  let workers: { stop(): Promise<void> };

  before(async () => {
    ({ client, close } = await connectTestClient());
    workers = await startStandInWorkers(client, {
      orchestration: {
        async recordRun() {},
        // A site onboarding does not take up: the run waits for the operator's decision.
        async loadSitePlan({ siteId }: { siteId: string }) {
          return {
            siteId, tenantId: randomUUID(), name: 'Ghent store', role: 'hub', status: 'active', topology: 'hub_and_spoke',
            devices: [], lanSegments: [], peers: [], policies: { firewall: [], steering: [] }, targetImages: [],
          };
        },
        async setSiteStatus() {},
        async closeRun() {},
      },
      // None of these runs reaches a device.
      devices: { async readDeviceState() { throw new Error('no device in this test'); } },
    });
  });
  after(async () => {
    await workers.stop();
    await close();
  });

  it('onboardSite › with a decision wait it cannot read › fails as InvalidRunInput', async () => {
    const siteId = randomUUID();
    const handle = await client.workflow.start(onboardSite, {
      taskQueue: taskQueues.orchestration, workflowId: `test-durations/${siteId}`, args: [{ siteId, tenantId: randomUUID(), decisionWithin: 'a month' as '30 days' }],
    });
    assert.equal(await failureOf(handle), failureTypes.invalidRunInput);
  });

  it('onboardSite › with a phone-home wait it cannot read › fails as InvalidRunInput', async () => {
    const siteId = randomUUID();
    const handle = await client.workflow.start(onboardSite, {
      taskQueue: taskQueues.orchestration, workflowId: `test-durations/${siteId}`, args: [{ siteId, tenantId: randomUUID(), phoneHomeWithin: '7 dayz' as '7 days' }],
    });
    assert.equal(await failureOf(handle), failureTypes.invalidRunInput);
  });

  it('rma › with a phone-home wait it cannot read › fails as InvalidRunInput', async () => {
    const deviceId = randomUUID();
    const handle = await client.workflow.start(rma, {
      taskQueue: taskQueues.orchestration, workflowId: `test-durations/rma/${deviceId}`,
      args: [{ rmaId: randomUUID(), deviceId, newSerial: 'SIM-NEW', activationCodeHash: 'x', phoneHomeWithin: 'soon' as '7 days' }],
    });
    assert.equal(await failureOf(handle), failureTypes.invalidRunInput);
  });
});
