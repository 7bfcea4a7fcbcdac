// Decommissioning on the real Temporal server, the inventory and the boxes stood in for by
// activities: a run cancelled while it resets a device still closes its summary, as cancelled.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { DecommissionPlan } from '../domain/site-plan.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { connectTestClient, eventually, recordHistory, startStandInWorkers, untilCancelled } from '../scripts/testing.ts';
import { decommissionSite } from './decommission-site.ts';

describe('decommissionSite', () => {
  let client: Client;
  let close: () => Promise<void>;
  let workers: { stop(): Promise<void> };
  const runs = new Map<string, string>();
  const resetting = new Set<string>();

  before(async () => {
    ({ client, close } = await connectTestClient());
    workers = await startStandInWorkers(client, {
      orchestration: {
        async recordRun() {},
        async loadDecommissionPlan({ siteId }: { siteId: string }): Promise<DecommissionPlan> {
          const deviceId = randomUUID();
          return {
            siteId, tenantId: randomUUID(), name: 'Ghent store', status: 'active', peers: [],
            devices: [{ id: deviceId, hostname: 'ghent-store-01', target: { deviceId, serial: `SIM-${siteId.slice(0, 8)}`, platform: 'junos', host: '127.16.0.9', netconfPort: 830, snmpPort: 161 } }],
          };
        },
        async setSiteStatus() {},
        async closeRun({ workflowId, status }: { workflowId: string; status: string }) {
          runs.set(workflowId, status);
        },
      },
      devices: {
        // The reset takes as long as the test wants: until the run is cancelled.
        async applyConfiguration({ workflowId }: { workflowId: string }) {
          resetting.add(workflowId);
          await untilCancelled();
          return { changed: true };
        },
      },
    });
  });
  after(async () => {
    await workers.stop();
    await close();
  });

  it('cancelled while it resets a device, closes its run summary as cancelled', async () => {
    const siteId = randomUUID();
    const workflowId = `test-decommission/${siteId}`;
    const handle = await client.workflow.start(decommissionSite, { taskQueue: taskQueues.orchestration, workflowId, args: [{ siteId, tenantId: randomUUID() }] });
    await eventually('the reset began', async () => resetting.has(workflowId), (began) => began, 30_000);
    await handle.cancel();
    const error = await handle.result().then(() => assert.fail('the run should have been cancelled'), (e: unknown) => e);
    assert.ok(error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure, String(error));
    assert.equal(runs.get(workflowId), 'cancelled');
    await recordHistory(client, workflowId, 'decommission-site-cancelled');
  });
});
