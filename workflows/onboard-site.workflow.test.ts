// Site onboarding's first steps on the real Temporal server, with the inventory stood in for by
// activities: which site statuses the run takes up (domain/choices.ts, onboardingRunSiteStatuses),
// the progress it answers meanwhile, which must be what the API documents, when it takes a box's
// phone-home, and the durations it is started with: one it cannot read fails the run at once
// (issue 20, hazard 11).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { onboardingRunSiteStatuses, siteStatus } from '../domain/choices.ts';
import type { PlannedDevice } from '../domain/site-plan.ts';
import { onboardingProgressSchema, type OnboardingProgress } from '../domain/progress.ts';
import { searchAttributeKeys, taskQueues } from '../domain/task-queues.ts';
import { connectTestClient, eventually, startStandInWorkers } from '../scripts/testing.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { onboardSite } from './onboard-site.ts';
import { rma } from './rma.ts';
import { boxPhonedHomeUpdate, onboardingProgressQuery } from './onboard-site.messages.ts';
import { ztpWorkflowId } from './ztp.messages.ts';


/** A box that phoned home already (admitted): ZTP goes straight to its firmware and stages. */
function admittedBox(siteId: string): PlannedDevice {
  const deviceId = `${siteId.slice(0, 8)}-box`;
  return {
    id: deviceId, role: 'primary', hostname: 'ghent-store-01', model: 'SRX-SIM-300', platform: 'junos', serial: `SIM-${siteId.slice(0, 8)}`, status: 'provisioning',
    target: { deviceId, serial: `SIM-${siteId.slice(0, 8)}`, platform: 'junos', host: '127.16.0.9', netconfPort: 830, snmpPort: 161 },
    softwareVersion: '22.4R1', wanLinks: [], primaryLinks: [],
  };
}

/** A box planned, not yet come: ZTP waits for it to phone home. */
function plannedBox(siteId: string): PlannedDevice {
  return { ...admittedBox(siteId), status: 'planned', target: null };
}

/** The patches a run's history records, by id. */
async function patchesRecorded(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  const payloads = (events ?? []).flatMap((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch'
    ? event.markerRecordedEventAttributes.details?.['patch-data']?.payloads ?? [] : []);
  return payloads.map((payload) => (JSON.parse(Buffer.from(payload.data!).toString()) as { id: string }).id);
}

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

describe('onboardSite', () => {
  let client: Client;
  let close: () => Promise<void>;
  let workers: { stop(): Promise<void> };
  /** Each site's status as the stand-in inventory holds it, and the statuses the run set, by site id. */
  const statuses = new Map<string, string>();
  const marked = new Map<string, string[]>();
  /** Sites whose plan has one box already admitted, or one still to come, whose allocation succeeds; and the sites whose allocations were released. */
  const withBox = new Set<string>();
  const withBoxToCome = new Set<string>();
  const released: string[] = [];

  before(async () => {
    ({ client, close } = await connectTestClient());
    workers = await startStandInWorkers(client, {
      orchestration: {
        async recordRun() {},
        async loadSitePlan({ siteId }: { siteId: string }) {
          return {
            siteId, tenantId: randomUUID(), name: 'Ghent store', role: 'hub', status: statuses.get(siteId), topology: 'hub_and_spoke',
            devices: withBox.has(siteId) ? [admittedBox(siteId)] : withBoxToCome.has(siteId) ? [plannedBox(siteId)] : [], lanSegments: [], peers: [], policies: { firewall: [], steering: [] }, targetImages: [],
          };
        },
        async setSiteStatus({ siteId, status }: { siteId: string; status: string }) {
          marked.set(siteId, [...(marked.get(siteId) ?? []), status]);
        },
        // The attempt ends here, once the site is validated and marked: what follows needs boxes.
        async allocateSiteAddresses({ siteId }: { siteId: string }) {
          if (!withBox.has(siteId) && !withBoxToCome.has(siteId)) throw ApplicationFailure.nonRetryable('no addresses in this test', 'TestStop');
          return [{ role: 'primary', loopback: '10.255.0.7/32', tunnels: [] }];
        },
        async releaseSiteAddresses({ siteId }: { siteId: string }) {
          released.push(siteId);
        },
        async closeRun() {},
        async admitDevice({ deviceId, serial, address, netconfPort, snmpPort }: { deviceId: string; serial: string; address: string; netconfPort: number; snmpPort: number }) {
          return { deviceId, serial, platform: 'junos', host: address, netconfPort, snmpPort };
        },
      },
      // The box's stage 1 fails after its commit may have applied (a timeout the device answered late).
      devices: {
        async upgradeFirmwareIfOlder() {
          return { version: '22.4R1', upgraded: false };
        },
        async applyConfiguration() {
          throw ApplicationFailure.nonRetryable('the device stopped answering after the commit', 'DeviceTimeout');
        },
      },
    });
  });
  after(async () => {
    await workers.stop();
    await close();
  });

  /** Starts an onboarding of the site, as the stand-in inventory holds it. */
  const startRun = (siteId: string) => client.workflow.start(onboardSite, {
    taskQueue: taskQueues.orchestration, workflowId: `test-onboard/${siteId}`, args: [{ siteId, tenantId: randomUUID() }],
  });

  /** Starts a run for a site in `status` and reads its progress once the attempt has failed; the run, waiting for a decision, is then ended. */
  async function firstAttempt(status: string): Promise<{ progress: OnboardingProgress; marked: string[] }> {
    const siteId = randomUUID();
    statuses.set(siteId, status);
    const handle = await startRun(siteId);
    try {
      const progress = await eventually('the attempt did not fail', () => handle.query(onboardingProgressQuery), (p) => p.state === 'failed', 30_000);
      return { progress, marked: marked.get(siteId) ?? [] };
    } finally {
      await handle.terminate('the test has read what it needs');
    }
  }

  it('takes up exactly the sites onboardingRunSiteStatuses names: one its own earlier attempt left onboarding, as a planned or failed one', async () => {
    for (const status of siteStatus.values) {
      const { progress, marked: set } = await firstAttempt(status);
      if (onboardingRunSiteStatuses.has(status)) {
        assert.equal(progress.failedStep, 'allocate', `a site ${status} passes validation`);
        assert.deepEqual(set, ['onboarding', 'failed'], `a site ${status} is marked onboarding, then failed with the attempt`);
      } else {
        assert.equal(progress.failedStep, 'validate', `a site ${status} is refused`);
        assert.equal(progress.error, `Ghent store is ${status}: only a planned or failed site is onboarded.`);
        assert.ok(!set.includes('onboarding'), `a site ${status} is not marked onboarding`);
      }
    }
  });

  it('keeps the allocations once a device may use them: a ZTP stage that failed after its commit releases nothing', async () => {
    const siteId = randomUUID();
    statuses.set(siteId, 'planned');
    withBox.add(siteId);
    const handle = await startRun(siteId);
    try {
      const progress = await eventually('the attempt did not fail', () => handle.query(onboardingProgressQuery), (p) => p.state === 'failed', 60_000);
      assert.equal(progress.failedStep, 'ztp');
      assert.ok(!released.includes(siteId), 'the site\'s allocations stay held');
      // The run met a dozen patches (its own, its ZTP's, the lease's, the device change's) and
      // recorded one: the batch, asked for as it began (workflows/patches.ts). It provisioned the
      // box itself: no ZTP child was started.
      assert.deepEqual(await patchesRecorded(handle), ['patches-to-2026-12-12']);
      await assert.rejects(client.workflow.getHandle(ztpWorkflowId(admittedBox(siteId).id)).describe(), WorkflowNotFoundError);
      assert.equal(progress.devices[0]?.steps?.find((step) => step.name === 'stage-1')?.status, 'failed', 'the box\'s steps are in the progress');
    } finally {
      await handle.terminate('the test has read what it needs');
    }
  });

  it('takes a box\'s call only while it waits for that box, and provisions the box in the run itself', async () => {
    const siteId = randomUUID();
    statuses.set(siteId, 'planned');
    withBoxToCome.add(siteId);
    const handle = await startRun(siteId);
    const box = plannedBox(siteId);
    const call = { deviceId: box.id, serial: box.serial!, model: box.model, softwareVersion: '22.4R1', address: '127.16.0.9', netconfPort: 830, snmpPort: 161, hostKeySha256: 'sha256' };
    try {
      await eventually('the run did not wait for the box', () => handle.query(onboardingProgressQuery), (p) => p.devices[0]?.steps?.[0]?.status === 'running', 30_000);
      await assert.rejects(handle.executeUpdate(boxPhonedHomeUpdate, { args: [{ ...call, deviceId: 'another-box' }] }), WorkflowUpdateFailedError, 'a box it does not wait for');
      await handle.executeUpdate(boxPhonedHomeUpdate, { args: [call] });
      const failed = await eventually('the attempt did not fail', () => handle.query(onboardingProgressQuery), (p) => p.state === 'failed', 30_000);
      assert.equal(failed.devices[0]?.serial, call.serial);
      assert.deepEqual(failed.devices[0]?.steps?.map((step) => [step.name, step.status]), [['phone-home', 'completed'], ['firmware', 'completed'], ['stage-1', 'failed'], ['stage-2', 'pending']]);
      assert.deepEqual((await handle.describe()).typedSearchAttributes.get(searchAttributeKeys.deviceSerials), [call.serial], 'the run is found by the box admitted');
      // Failed, the run waits for the operator, not for the box: a call now is refused (the box calls again).
      await assert.rejects(handle.executeUpdate(boxPhonedHomeUpdate, { args: [call] }), WorkflowUpdateFailedError, 'a failed run');
    } finally {
      await handle.terminate('the test has read what it needs');
    }
  });

  it('answers its progress as the shared schema says, which the API documents', async () => {
    const { progress } = await firstAttempt('planned');
    assert.deepEqual(onboardingProgressSchema.parse(progress), progress);
    assert.deepEqual(progress.steps.map((step) => [step.name, step.status]).slice(0, 3), [['validate', 'completed'], ['allocate', 'compensated'], ['render', 'pending']]);
  });

  // Started with a duration it cannot read, a run fails at once (a plain error would retry its workflow task for ever).
  it('onboardSite › with a decision wait it cannot read › fails as InvalidRunInput', async () => {
    const siteId = randomUUID();
    statuses.set(siteId, 'active');
    const handle = await client.workflow.start(onboardSite, {
      taskQueue: taskQueues.orchestration, workflowId: `test-durations/${siteId}`, args: [{ siteId, tenantId: randomUUID(), decisionWithin: 'a month' as '30 days' }],
    });
    assert.equal(await failureOf(handle), failureTypes.invalidRunInput);
  });

  it('onboardSite › with a phone-home wait it cannot read › fails as InvalidRunInput', async () => {
    const siteId = randomUUID();
    statuses.set(siteId, 'active');
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
