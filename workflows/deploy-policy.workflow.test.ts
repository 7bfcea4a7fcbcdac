// deployPolicy on the real Temporal server, the inventory and the devices stood in for by
// activities (the device leases real): a dry run deploys nothing; refused commits spend the
// failure budget and halt the deployment with the rest skipped; a paused deployment starts no site
// and, aborted, skips them all; many sites at once in the deployment's run replay; a site whose
// device another change holds waits its turn.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../domain/failure-types.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { connectTestClient, recordHistory, startTestWorker, createTestLeases } from '../scripts/testing.ts';
import { waitFor } from '../scripts/processes.ts';
import { deployPolicy } from './deploy-policy.ts';
import {
  abortPolicyDeploymentUpdate, deployPolicyWorkflowId, pausePolicyDeploymentUpdate, policyDeploymentProgressQuery,
} from './deploy-policy.messages.ts';

const require = createRequire(import.meta.url);

interface Deployment {
  dryRun: boolean; concurrency: number; failureBudgetPct: number; sites: string[]; refusing: Set<string>; statuses: Map<string, string>; closed?: string; pushed: string[];
  /** Each site's devices recorded (by device id); with `pairs`, every site has a secondary device, `<siteId>/secondary`. */
  recorded: string[]; pairs?: boolean;
  /** Holds the reading of the wave's sites: the reading has begun once `reading` is set, and ends when `release` is called. */
  readGate?: { reading: boolean; released: Promise<void>; release: () => void };
}

describe('deployPolicy', () => {
  let client: Client;
  let close: () => Promise<void>;
  const workers: { stop(): Promise<void> }[] = [];
  let leases: Awaited<ReturnType<typeof createTestLeases>>;
  const deployments = new Map<string, Deployment>();
  const ofSite = (deviceId: string) => [...deployments.values()].find((d) => d.sites.includes(deviceId.replace(/\/secondary$/, '')))!;

  /** The site's changes, as loadSitePolicyChanges gives them: its box, and its second where it has a pair. */
  function changesOf({ siteId }: { siteId: string }) {
    const device = (deviceId: string, role: string) => ({
      hostname: deviceId, role, checks: [], config: '<configuration/>', target: { deviceId, serial: `SIM-${deviceId}`, platform: 'junos', host: '127.0.0.1', netconfPort: 830, snmpPort: 161 },
    });
    return { siteName: siteId, devices: [device(siteId, 'primary'), ...(ofSite(siteId).pairs ? [device(`${siteId}/secondary`, 'secondary')] : [])] };
  }

  async function applyOne({ target }: { target: { deviceId: string } }) {
    const deployment = ofSite(target.deviceId);
    if (deployment.refusing.has(target.deviceId)) throw ApplicationFailure.nonRetryable('commit check failed', failureTypes.deviceRejected);
    deployment.pushed.push(target.deviceId);
    return { changed: true };
  }

  before(async () => {
    ({ client, close } = await connectTestClient());
    leases = await createTestLeases(client);
    workers.push(await startTestWorker({
      taskQueue: taskQueues.orchestration, workflowsPath: require.resolve('./index.ts'),
      activities: {
        ...leases.activities,
        async recordRun() {},
        async closeRun() {},
        async loadPolicyDeployment({ deploymentId }: { deploymentId: string }) {
          const d = deployments.get(deploymentId)!;
          return { deploymentId, tenantId: 'tenant', version: d.dryRun ? null : 1, dryRun: d.dryRun, concurrency: d.concurrency, failureBudgetPct: d.failureBudgetPct, waveSizes: [], ticket: null };
        },
        async listSitesToPreview({ deploymentId, after }: { deploymentId: string; after?: string }) {
          return deployments.get(deploymentId)!.sites.filter((s) => after === undefined || s > after);
        },
        async assignPolicyWaves({ deploymentId }: { deploymentId: string }) { return [deployments.get(deploymentId)!.sites.length]; },
        async listPolicyWaveSites({ deploymentId, after }: { deploymentId: string; after?: string }) {
          // As the inventory lists them: the wave's sites still to deploy (nothing recorded of them yet).
          const d = deployments.get(deploymentId)!;
          if (d.readGate) {
            d.readGate.reading = true;
            await d.readGate.released;
          }
          return d.sites.filter((s) => (after === undefined || s > after) && !d.statuses.has(s)).map((s) => ({ deviceId: s, hostname: s, timezone: 'UTC', attempts: 0 }));
        },
        async setPolicyDeploymentStatus({ deploymentId, status }: { deploymentId: string; status: string }) { deployments.get(deploymentId)!.closed = status; },
        async loadSitePolicyChanges(input: { siteId: string }) { return changesOf(input); },
        async beginPolicySite({ siteId, holderWorkflowId }: { siteId: string; holderWorkflowId: string }) {
          ofSite(siteId).statuses.set(siteId, 'deploying');
          const changes = changesOf({ siteId });
          const serials = changes.devices.map((d) => d.target.serial).sort();
          return { ...changes, ...await leases.activities.takeDeviceLeases({ serials, request: { holderWorkflowId, purpose: `Policy deployment to ${siteId}` } }) };
        },
        async endPolicySite({ siteId, status, release }: { siteId: string; status: string; release: { serials: string[]; holderWorkflowId: string } }) {
          ofSite(siteId).statuses.set(siteId, status);
          await leases.activities.releaseDeviceLeases(release);
        },
        async recordPolicySite({ siteId, status }: { siteId: string; status: string }) { ofSite(siteId).statuses.set(siteId, status); },
      },
    }));
    workers.push(await startTestWorker({
      taskQueue: taskQueues.devices, workflowsPath: require.resolve('./index.ts'),
      activities: {
        async previewPolicySites({ siteIds }: { siteIds: string[] }) { return { changed: siteIds.length, unchanged: 0, failed: 0 }; },
        applyConfiguration: applyOne,
        // As the device activity: in turn, a refusal after a change saying which were made.
        async applyConfigurationsInTurn({ changes }: { changes: { target: { deviceId: string } }[] }) {
          const applied: { changed: boolean }[] = [];
          for (const change of changes) {
            try {
              applied.push(await applyOne(change));
            } catch (error) {
              if (applied.length === 0) throw error;
              throw ApplicationFailure.create({ message: (error as Error).message, type: failureTypes.deviceRejected, nonRetryable: true, details: [{ appliedBefore: applied }] });
            }
          }
          return { applied };
        },
        async recordConfiguration() { return { version: 2 }; },
        async recordConfigurations({ records }: { records: { target: { deviceId: string } }[] }) {
          for (const { target } of records) ofSite(target.deviceId).recorded.push(target.deviceId);
          return { versions: records.map(() => 2) };
        },
      },
    }));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await leases.drop();
    await close();
  });

  const start = (options: Partial<Omit<Deployment, 'sites'>> & { sites: number; historyBudget?: number }) => {
    const deploymentId = randomUUID();
    const { historyBudget, ...rest } = options;
    const sites = Array.from({ length: options.sites }, (_, i) => `${deploymentId.slice(0, 8)}-site-${i}`);
    deployments.set(deploymentId, { dryRun: false, concurrency: 1, failureBudgetPct: 100, refusing: new Set(), statuses: new Map(), pushed: [], recorded: [], ...rest, sites });
    return {
      deploymentId, sites,
      handle: client.workflow.start(deployPolicy, { taskQueue: taskQueues.orchestration, workflowId: deployPolicyWorkflowId(deploymentId), args: [{ deploymentId, ...(historyBudget ? { historyBudget } : {}) }] }),
    };
  };

  it('as a dry run, previews every site and pushes to none', async () => {
    const { deploymentId, handle } = start({ sites: 3, dryRun: true });
    const result = await (await handle).result();
    assert.deepEqual([result.state, result.dryRun, deployments.get(deploymentId)!.pushed], ['dry_run', { changed: 3, unchanged: 0, failed: 0 }, []]);
  });

  it('halts once refused commits spend the failure budget, the rest skipped, each refused site rolled back', async () => {
    const { deploymentId, sites, handle } = start({ sites: 5, failureBudgetPct: 30 });
    deployments.get(deploymentId)!.refusing = new Set([sites[1]!]);
    const result = await (await handle).result();
    assert.equal(result.state, 'halted');
    assert.match(result.haltedBecause!, /1 of 2 sites? failed|1 of 2 devices failed/);
    assert.deepEqual(result.failures.map((f) => [f.hostname, f.rolledBack]), [[sites[1], true]]);
    const deployment = deployments.get(deploymentId)!;
    assert.deepEqual([deployment.pushed, deployment.statuses.get(sites[1]!), deployment.closed], [[sites[0]], 'rolled_back', 'halted']);
    await recordHistory(client, deployPolicyWorkflowId(deploymentId), 'deploy-policy-halted');
  });

  it('records the device a site changed before its other device refused, and rolls the site back', async () => {
    const { deploymentId, sites: [site], handle } = start({ sites: 1, pairs: true });
    deployments.get(deploymentId)!.refusing = new Set([`${site}/secondary`]);
    const result = await (await handle).result();
    const deployment = deployments.get(deploymentId)!;
    assert.equal(result.state, 'completed_with_failures');
    assert.deepEqual([deployment.pushed, deployment.recorded, deployment.statuses.get(site!)], [[site], [site], 'rolled_back']);
  });

  it('paused, starts no site; aborted while it reads the wave, ends with none pushed', { timeout: 120_000 }, async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const readGate = { reading: false, released, release };
    const { deploymentId, handle: starting } = start({ sites: 3, readGate });
    const handle = await starting;
    await handle.executeUpdate(pausePolicyDeploymentUpdate);
    for (let i = 0; i < 100 && !readGate.reading; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await handle.query(policyDeploymentProgressQuery)).state, 'paused');
    // The abort lands while the wave's sites are being read: the deployment must still end at once.
    await handle.executeUpdate(abortPolicyDeploymentUpdate, { args: [{ reason: 'change freeze' }] });
    release();
    const result = await handle.result();
    assert.deepEqual([result.state, deployments.get(deploymentId)!.pushed, deployments.get(deploymentId)!.closed], ['aborted', [], 'aborted']);
  });

  it('continues as new between sites past its history budget, keeping progress, failures and each site deployed once', async () => {
    const { deploymentId, sites, handle: starting } = start({ sites: 6, historyBudget: 40 });
    deployments.get(deploymentId)!.refusing = new Set([sites[1]!]);
    const handle = await starting;
    const result = await handle.result();
    const deployment = deployments.get(deploymentId)!;
    assert.equal(result.state, 'completed_with_failures');
    assert.deepEqual(result.dryRun, { changed: 6, unchanged: 0, failed: 0 }, 'the dry run counted once, carried over');
    assert.deepEqual(result.waves.map((w) => [w.upgraded, w.failed]), [[5, 1]]);
    assert.deepEqual(result.failures.map((f) => [f.hostname, f.rolledBack]), [[sites[1], true]], 'a failure before a continue-as-new is still reported');
    assert.deepEqual([...deployment.pushed].sort(), sites.filter((s) => s !== sites[1]).sort(), 'each site pushed once, none twice');
    assert.notEqual((await client.workflow.getHandle(deployPolicyWorkflowId(deploymentId)).describe()).runId, handle.firstExecutionRunId, 'it continued as new');
    assert.equal(deployment.closed, 'completed_with_failures');
    // The first run, which ends by continuing as new: the replay test proves that path.
    await recordHistory(client, deployPolicyWorkflowId(deploymentId), 'deploy-policy-continued-as-new', handle.firstExecutionRunId);
  });
  it('deploys many sites at once in its own run, and that run replays (their steps are activities)', { timeout: 120_000 }, async () => {
    const { deploymentId, sites, handle: starting } = start({ sites: 40, concurrency: 20, pairs: true });
    const handle = await starting;
    const result = await handle.result();
    assert.deepEqual([result.state, [...deployments.get(deploymentId)!.statuses.values()].filter((s) => s === 'deployed').length], ['completed', sites.length]);
    assert.equal(await leases.prisma.deviceLease.count({ where: { holderWorkflowId: handle.workflowId } }), 0, 'every lease given back');
    // Sites' local activities out together were recorded in an order a replay did not keep.
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowsPath: require.resolve('./index.ts') }, history, handle.workflowId);
    await recordHistory(client, deployPolicyWorkflowId(deploymentId), 'deploy-policy-sites-at-once');
  });

  it('waits its turn for a device another change holds, then deploys it', async () => {
    const { deploymentId, sites, handle: starting } = start({ sites: 2, concurrency: 2 });
    const busy = `SIM-${sites[1]}`;
    // Another change under way (a run no worker takes up: it holds the device until it lets go).
    const another = await client.workflow.start('anotherChange', { taskQueue: `no-worker-${deploymentId}`, workflowId: `another-change/${deploymentId}` });
    const other = { holderWorkflowId: another.workflowId, purpose: 'another change' };
    assert.deepEqual(await leases.activities.takeDeviceLeases({ serials: [busy], request: other }), { granted: [busy] });
    const handle = await starting;
    // The site asked for its device in its first step: queued behind the other change, while the other site went ahead.
    await waitFor('the busy device queued and the free site deployed', async () => deployments.get(deploymentId)!.statuses.get(sites[0]!) === 'deployed'
      && (await leases.activities.describeDeviceLease({ serial: busy })).waiting.some((w) => w.holderWorkflowId === handle.workflowId), { timeoutMs: 30_000 });
    assert.deepEqual(deployments.get(deploymentId)!.pushed, [sites[0]], 'nothing pushed to the busy device');
    await leases.activities.releaseDeviceLeases({ serials: [busy], holderWorkflowId: other.holderWorkflowId });
    await another.terminate('it let go');
    const result = await handle.result();
    assert.deepEqual([result.state, deployments.get(deploymentId)!.pushed.sort()], ['completed', [...sites].sort()]);
    assert.equal(await leases.prisma.deviceLease.count({ where: { holderWorkflowId: handle.workflowId } }), 0, 'every lease given back');
    await recordHistory(client, handle.workflowId, 'deploy-policy-site-waits-its-turn');
  });
});
