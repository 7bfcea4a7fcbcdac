// A device upgrade on the real Temporal server, the inventory and the box stood in for by
// activities that keep the box's software as a Junos box does (running, staged for the next boot,
// the one before): what a failed or cancelled upgrade leaves on the box and in the inventory.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { connectTestClient, eventually, startStandInWorkers, untilCancelled } from '../scripts/testing.ts';
import { upgradeDevice } from './upgrade-device.ts';

/** One stand-in box: what it runs, what boots next, and how the test wants its steps to go. */
interface Box {
  running: string;
  previous: string | null;
  /** Staged (installed, active at the next boot). */
  pending: string | null;
  reboots: number;
  stage: 'ok' | 'fails-after-adding';
  reboot: 'ok' | 'fails';
  /** The wait for this software never ends (the box hangs booting it), until cancelled. */
  hangsBooting?: string;
}

describe('upgradeDevice', () => {
  let client: Client;
  let close: () => Promise<void>;
  let workers: { stop(): Promise<void> };
  const boxes = new Map<string, Box>();
  const statuses = new Map<string, string[]>();
  const runs = new Map<string, string>();
  const box = (target: DeviceTarget) => boxes.get(target.deviceId)!;
  const boot = (b: Box) => {
    b.reboots += 1;
    if (b.pending && b.pending !== b.running) [b.previous, b.running] = [b.running, b.pending];
    b.pending = null;
  };

  before(async () => {
    ({ client, close } = await connectTestClient());
    workers = await startStandInWorkers(client, {
      orchestration: {
        async loadDeviceTarget({ deviceId }: { deviceId: string }) {
          const target: DeviceTarget = { deviceId, serial: `SIM-${deviceId.slice(0, 8)}`, platform: 'junos', host: '127.16.0.9', netconfPort: 830, snmpPort: 161 };
          return { hostname: 'ghent-depot-01', siteId: randomUUID(), tenantId: randomUUID(), model: 'SRX-SIM-300', target };
        },
        async recordRun() {},
        async closeRun({ workflowId, status }: { workflowId: string; status: string }) {
          runs.set(workflowId, status);
        },
        async assertSiteIdle() {},
        async setDeviceStatus({ deviceId, status }: { deviceId: string; status: string }) {
          statuses.set(deviceId, [...(statuses.get(deviceId) ?? []), status]);
        },
      },
      devices: {
        async readUpgradeBaseline({ target }: { target: DeviceTarget }) {
          return { version: box(target).running, storageFreeBytes: null, up: [] };
        },
        async stageImage({ target, image }: { target: DeviceTarget; image: { version: string } }) {
          const b = box(target);
          b.pending = image.version;
          if (b.stage === 'fails-after-adding') throw ApplicationFailure.nonRetryable('the package was added, then the device stopped answering', 'DeviceTimeout');
          return { version: image.version };
        },
        async readBootTime() {
          return { bootedAt: new Date().toISOString() };
        },
        async rebootDevice({ target }: { target: DeviceTarget }) {
          if (box(target).reboot === 'fails') throw ApplicationFailure.nonRetryable('the reboot was refused', 'DeviceUnreachable');
          boot(box(target));
        },
        async waitUntilBack({ target, version }: { target: DeviceTarget; version: string }) {
          const b = box(target);
          if (version === b.hangsBooting) await untilCancelled();
          return { version: b.running, uptimeSeconds: 1 };
        },
        async verifyDevice() {
          return { verified: true };
        },
        // Junos's software rollback without a reboot: a pending install withdrawn, else the previous software staged.
        async setNextBootSoftware({ target, version }: { target: DeviceTarget; version: string }) {
          const b = box(target);
          if (b.pending && b.pending !== b.running) b.pending = null;
          if (version !== b.running) b.pending = version;
          return { version };
        },
        async rollBackImage({ target }: { target: DeviceTarget }) {
          const b = box(target);
          if (b.pending && b.pending !== b.running) b.pending = null;
          else b.pending = b.previous;
          boot(b);
          return { version: b.running };
        },
      },
    });
  });
  after(async () => {
    await workers.stop();
    await close();
  });

  const start = (deviceId: string, fields: Partial<Box>) => {
    boxes.set(deviceId, { running: '22.4R1', previous: null, pending: null, reboots: 0, stage: 'ok', reboot: 'ok', ...fields });
    return client.workflow.start(upgradeDevice, {
      taskQueue: taskQueues.orchestration, workflowId: `test-upgrade/${deviceId}`,
      args: [{ deviceId, image: { model: 'SRX-SIM-300', version: '23.2R1', sha256: 'a'.repeat(64), sizeBytes: 100 } }],
    });
  };
  const failed = (result: Promise<unknown>) => result.then(() => assert.fail('the upgrade should have failed'), (error: unknown) => error);

  it('when staging fails after the package was added, withdraws it: nothing new boots at the next reboot', async () => {
    const deviceId = randomUUID();
    await failed(start(deviceId, { stage: 'fails-after-adding' }).then((handle) => handle.result()));
    const b = boxes.get(deviceId)!;
    assert.deepEqual([b.running, b.pending, b.reboots], ['22.4R1', null, 0]);
    assert.deepEqual(statuses.get(deviceId), ['upgrading', 'online']);
  });

  it('when the reboot fails, withdraws the staged software from the box still on the old one', async () => {
    const deviceId = randomUUID();
    await failed(start(deviceId, { reboot: 'fails' }).then((handle) => handle.result()));
    const b = boxes.get(deviceId)!;
    assert.deepEqual([b.running, b.pending], ['22.4R1', null]);
  });

  it('cancelled mid-way, still rolls the box back, marks it online and closes the run as cancelled', async () => {
    const deviceId = randomUUID();
    const handle = await start(deviceId, { hangsBooting: '23.2R1' });
    await eventually('the box rebooted into the new software', async () => boxes.get(deviceId)!.running, (running) => running === '23.2R1', 30_000);
    await handle.cancel();
    const error = await failed(handle.result());
    assert.ok(error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure, String(error));
    const b = boxes.get(deviceId)!;
    assert.deepEqual([b.running, b.pending], ['22.4R1', null], 'rolled back');
    assert.deepEqual(statuses.get(deviceId), ['upgrading', 'online']);
    assert.equal(runs.get(`test-upgrade/${deviceId}`), 'cancelled');
  });
});
