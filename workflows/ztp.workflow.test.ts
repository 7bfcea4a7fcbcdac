// Zero-touch provisioning on the real Temporal server, with the inventory and the box stood in
// for by activities that record what they were asked: which box is admitted, and what is pushed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { connectTestClient, startTestWorker, withChangesInTurn, createTestLeases } from '../scripts/testing.ts';
import type { DeviceTarget } from '../domain/site-plan.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { ztp } from './ztp.ts';
import { phoneHomeSignal, type PhoneHome, type ZtpInput } from './ztp.messages.ts';

const require = createRequire(import.meta.url);

describe('ztp', () => {
  let client: Client;
  let close: () => Promise<void>;
  const workers: { stop(): Promise<void> }[] = [];
  let leases: Awaited<ReturnType<typeof createTestLeases>>;
  /** What each device's run asked of the inventory and of the box, by device id. */
  const calls = new Map<string, { activity: string; input: Record<string, unknown> }[]>();
  /** The model each box answers with once it is reached over NETCONF. */
  const reportedModels = new Map<string, string>();
  const record = (activity: string) => async (input: { deviceId?: string; target?: DeviceTarget }) => {
    const deviceId = input.deviceId ?? input.target!.deviceId;
    calls.set(deviceId, [...(calls.get(deviceId) ?? []), { activity, input: input as Record<string, unknown> }]);
  };
  const asked = (deviceId: string) => (calls.get(deviceId) ?? []).map((call) => call.activity);

  before(async () => {
    ({ client, close } = await connectTestClient());
    leases = await createTestLeases(client);
    workers.push(await startTestWorker({
      taskQueue: taskQueues.orchestration,
      workflowsPath: require.resolve('./index.ts'),
      activities: {
        ...leases.activities,
        raiseAlarm: record('raiseAlarm'),
        setDeviceStatus: record('setDeviceStatus'),
        async admitDevice(input: PhoneHome & { deviceId: string }): Promise<DeviceTarget> {
          await record('admitDevice')(input);
          return { deviceId: input.deviceId, serial: input.serial, platform: 'junos', host: input.address, netconfPort: input.netconfPort, snmpPort: input.snmpPort };
        },
      },
    }));
    workers.push(await startTestWorker({
      taskQueue: taskQueues.devices,
      activities: withChangesInTurn({
        async upgradeFirmwareIfOlder(input: { target: DeviceTarget; model?: string }) {
          await record('upgradeFirmwareIfOlder')(input);
          const reported = reportedModels.get(input.target.serial) ?? 'SRX-SIM-300';
          if (input.model !== undefined && reported !== input.model) {
            throw ApplicationFailure.nonRetryable(`${input.target.serial} reports that it is a ${reported}`, 'DeviceModelMismatch', { reported, planned: input.model });
          }
          return { version: '22.4R1', upgraded: false };
        },
        async applyConfiguration(input: { target: DeviceTarget }) {
          await record('applyConfiguration')(input);
          return { changed: true };
        },
        async recordConfiguration(input: { target: DeviceTarget }) {
          await record('recordConfiguration')(input);
          return { version: 1 };
        },
      }),
    }));
  });
  after(async () => {
    for (const worker of workers) await worker.stop();
    await leases.drop();
    await close();
  });

  const start = (deviceId: string, overrides: Partial<ZtpInput> = {}) => {
    const input: ZtpInput = {
      deviceId, siteId: randomUUID(), tenantId: randomUUID(), hostname: 'leuven-depot-01', model: 'SRX-SIM-300',
      deadline: new Date(Date.now() + 60_000).toISOString(), stage1: '<configuration/>', stage2: '<configuration/>', stage1Checks: [], stage2Checks: [],
      ...overrides,
    };
    return client.workflow.start(ztp, { taskQueue: taskQueues.orchestration, workflowId: `test-ztp/${deviceId}`, args: [input] });
  };
  const box = (serial: string, model: string): PhoneHome => ({ serial, model, softwareVersion: '22.4R1', address: '127.16.0.9', netconfPort: 830, snmpPort: 161, hostKeySha256: 'A'.repeat(43) });

  async function failure(result: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await result.then(() => assert.fail('the run should have failed'), (e: unknown) => e);
    assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure, String(error));
    return error.cause;
  }

  it('provisions a box of the model planned: admitted, its firmware step told the model, both stages pushed', async () => {
    const deviceId = randomUUID();
    const handle = await start(deviceId);
    await handle.signal(phoneHomeSignal, box(`SIM-${deviceId.slice(0, 8)}`, 'SRX-SIM-300'));
    await handle.result();
    assert.deepEqual(asked(deviceId), ['admitDevice', 'upgradeFirmwareIfOlder', 'applyConfiguration', 'recordConfiguration', 'applyConfiguration', 'recordConfiguration']);
    assert.equal(calls.get(deviceId)![1]!.input['model'], 'SRX-SIM-300');
  });

  it('refuses a box that phones home as another model: an alarm, a typed failure, and nothing admitted or pushed', async () => {
    const deviceId = randomUUID();
    const handle = await start(deviceId);
    await handle.signal(phoneHomeSignal, box('BLS0000077', 'SRX-SIM-100'));
    const refused = await failure(handle.result());
    assert.equal(refused.type, 'DeviceModelMismatch');
    assert.equal(refused.message, 'BLS0000077 is a SRX-SIM-100, but leuven-depot-01 is planned as a SRX-SIM-300: its configuration is not pushed to that box.');
    assert.deepEqual(asked(deviceId), ['raiseAlarm']);
    const { type, severity, message, dedupeKey } = calls.get(deviceId)![0]!.input;
    assert.deepEqual({ type, severity, message, dedupeKey }, { type: 'ztp.model-mismatch', severity: 'major', message: refused.message, dedupeKey: `ztp.model-mismatch:${deviceId}` });
  });

  it('refuses a box that answers as another model once reached, before any firmware or configuration', async () => {
    const deviceId = randomUUID();
    const serial = `SIM-${deviceId.slice(0, 8)}`;
    reportedModels.set(serial, 'SRX-SIM-100');
    const handle = await start(deviceId, { admitted: { deviceId, serial, platform: 'junos', host: '127.16.0.9', netconfPort: 830, snmpPort: 161 } });
    const refused = await failure(handle.result());
    assert.equal(refused.type, 'DeviceModelMismatch');
    assert.equal(refused.message, `${serial} is a SRX-SIM-100, but leuven-depot-01 is planned as a SRX-SIM-300: its configuration is not pushed to that box.`);
    assert.deepEqual(asked(deviceId), ['upgradeFirmwareIfOlder', 'raiseAlarm']);
  });
});
