// applySlaPolicies on the real Temporal server, the inventory and the devices stood in for by
// activities: what a preview loads on each device, that it records no run and takes no lease, and
// that a site with no provisioned device is refused for good.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { taskQueues } from '../domain/task-queues.ts';
import type { SitePlan } from '../domain/site-plan.ts';
import { connectTestClient, recordHistory, startTestWorker } from '../scripts/testing.ts';
import { applySlaPolicies } from './apply-sla-policies.ts';

const require = createRequire(import.meta.url);
const target = { deviceId: 'device-1', serial: 'BLS0000001', platform: 'junos', host: '127.0.0.1', netconfPort: 830, snmpPort: 161 };

function plan(provisioned: boolean): SitePlan {
  return {
    siteId: 'site', tenantId: 'tenant', name: 'Ghent store', role: 'spoke', status: 'active', topology: 'full_mesh', lanSegments: [], peers: [], targetImages: [],
    devices: [{
      id: 'device-1', role: 'primary', hostname: 'ghent-01', model: 'SRX-SIM-300', platform: 'junos', serial: 'BLS0000001', status: 'online', softwareVersion: '22.4R1',
      target: provisioned ? target : null, primaryLinks: ['mpls'],
      wanLinks: [{ name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30', gateway: '192.0.2.9' }, { name: 'internet', interfaceName: 'ge-0/0/1', address: 'dhcp' }],
    }],
    policies: {
      firewall: [],
      steering: [{ name: 'voice', applications: ['junos:SIP'], preferredLinks: ['mpls', 'internet'], maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'local' }],
    },
  };
}

describe('applySlaPolicies', () => {
  let client: Client;
  let close: () => Promise<void>;
  const workers: { stop(): Promise<void> }[] = [];
  const calls: string[] = [];
  const loaded: string[] = [];
  const plans = new Map<string, SitePlan>();

  before(async () => {
    ({ client, close } = await connectTestClient());
    workers.push(await startTestWorker({
      taskQueue: taskQueues.orchestration, workflowsPath: require.resolve('./index.ts'),
      activities: {
        async recordRun() { calls.push('recordRun'); },
        async closeRun() { calls.push('closeRun'); },
        async loadSitePlan({ siteId }: { siteId: string }) { return plans.get(siteId); },
      },
    }));
    workers.push(await startTestWorker({
      taskQueue: taskQueues.devices, workflowsPath: require.resolve('./index.ts'),
      activities: {
        async previewConfiguration({ config }: { config: string }) {
          loaded.push(config);
          return { diff: '+ <rule>voice-mpls</rule>' };
        },
      },
    }));
  });
  after(async () => {
    for (const worker of workers) await worker.stop();
    await close();
  });

  const run = (siteId: string, dryRun: boolean) => client.workflow.execute(applySlaPolicies, {
    taskQueue: taskQueues.orchestration, workflowId: `test-sla/${siteId}`, args: [{ siteId, tenantId: 'tenant', dryRun }],
  });

  it('previews: loads the policies with the thresholds on the probed links, answers the device diff, records no run and takes no lease', async () => {
    const siteId = randomUUID();
    plans.set(siteId, plan(true));
    calls.length = 0;
    const result = await run(siteId, true);
    assert.deepEqual(result.devices, [{ deviceId: 'device-1', hostname: 'ghent-01', serial: 'BLS0000001', changed: true, diff: '+ <rule>voice-mpls</rule>' }]);
    assert.deepEqual(calls, []);
    assert.match(loaded.at(-1)!, /<probe><name>mpls<\/name><test><name>sla<\/name><thresholds nc:operation="replace">/, 'the static link is probed');
    assert.doesNotMatch(loaded.at(-1)!, /<probe><name>internet<\/name>/, 'a DHCP link with no tunnel nor DNS has no probe to set');
    await recordHistory(client, `test-sla/${siteId}`, 'apply-sla-policies-preview');
  });

  it('refuses for good a site with no provisioned device, its run closed as failed', async () => {
    const siteId = randomUUID();
    plans.set(siteId, plan(false));
    calls.length = 0;
    await assert.rejects(run(siteId, false), (error: unknown) => error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure && error.cause.type === 'SiteNotReady');
    assert.deepEqual(calls, ['recordRun', 'closeRun']);
  });
});
