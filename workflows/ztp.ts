// Zero-touch provisioning of one device, in its site's onboarding run or in a run of its own (id
// `ztp/<deviceId>`, an RMA's new box): wait durably, until the deadline, for the box to phone home
// (the API admits it and hands the call to the run); record it; upgrade its firmware first when it
// is below the tenant's target; push stage 1 then stage 2 with confirmed commits and post-checks;
// record the configuration version. A box of another model than planned, as it says when it phones
// home or as it answers once reached, is refused with an alarm before anything meant for the
// planned model reaches it.
import {
  ActivityFailure, ApplicationFailure, condition, log, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity, databaseLocalActivity, deviceWriteActivity, localActivitiesOncePatched } from './activity-options.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import { StepLog } from './steps.ts';
import { searchAttributeKeys } from '../domain/task-queues.ts';
import { type PhoneHome, type ZtpInput, type ZtpResult, phoneHomeSignal, ztpProgressQuery } from './ztp.messages.ts';
import { takePatchBatch } from './patches.ts';

/** A device's provisioning steps, as its progress lists them. */
export const ztpSteps = () => new StepLog([
  { name: 'phone-home', label: 'Wait for the box to phone home' },
  { name: 'firmware', label: 'Firmware' },
  { name: 'stage-1', label: 'Management configuration (stage 1)' },
  { name: 'stage-2', label: 'Full configuration (stage 2)' },
]);

/** What a device's provisioning needs of the run it goes on in. */
export interface ProvisioningRun {
  /** The box's call, once it came. */
  phoneHome(): PhoneHome | undefined;
  /** Told the serial of the box admitted. */
  admitted(serial: string): void;
  /** The key a stage's change is recorded under, once: unique to this device and attempt. */
  persist(stage: string): string;
}

/** A ZTP run of its own: the box's call is signalled to it, its progress query answers its steps. */
export async function ztp(input: ZtpInput): Promise<ZtpResult> {
  takePatchBatch();
  const steps = ztpSteps();
  let phoneHome: PhoneHome | undefined;
  let serial = input.admitted?.serial ?? null;
  setHandler(phoneHomeSignal, (call) => {
    phoneHome ??= call; // boxes repeat themselves; the first admitted call counts
  });
  setHandler(ztpProgressQuery, () => ({ deviceId: input.deviceId, hostname: input.hostname, serial, steps: steps.steps }));
  const { workflowId, runId } = workflowInfo();
  return provisionDevice(input, steps, {
    phoneHome: () => phoneHome,
    admitted: (admitted) => {
      serial = admitted;
      upsertSearchAttributes([{ key: searchAttributeKeys.deviceSerials, value: [admitted] }]);
    },
    persist: (stage) => `${workflowId}/${runId}/${stage}`,
  });
}

/** One device's provisioning, in a ZTP run of its own or in the site's onboarding run, its steps in `steps`. */
export async function provisionDevice(input: ZtpInput, steps: StepLog, run: ProvisioningRun): Promise<ZtpResult> {
  // Admitting the box, its status and alarms: short, idempotent database steps, as local activities.
  const sites = localActivitiesOncePatched<SiteActivities>('ztp-records-local', databaseActivity, databaseLocalActivity);
  const writes = proxyActivities<DeviceActivities>(deviceWriteActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId } = workflowInfo();

  /** Another model than planned: an alarm, and a failure that says so; nothing was pushed to the box. */
  async function refuseModel(boxSerial: string, reported: string): Promise<never> {
    const message = `${boxSerial} is a ${reported}, but ${input.hostname} is planned as a ${input.model}: its configuration is not pushed to that box.`;
    await sites.raiseAlarm({
      tenantId: input.tenantId, siteId: input.siteId, deviceId: input.deviceId, type: alarmTypes.modelMismatch, severity: 'major',
      message, dedupeKey: `${alarmTypes.modelMismatch}:${input.deviceId}`,
    });
    throw ApplicationFailure.nonRetryable(message, failureTypes.deviceModelMismatch, { deviceId: input.deviceId, serial: boxSerial, reported, planned: input.model });
  }

  const target = await steps.run('phone-home', async () => {
    if (input.admitted) return input.admitted;
    const waitMs = Math.max(0, Date.parse(input.deadline) - Date.now());
    if (!(await condition(() => run.phoneHome() !== undefined, waitMs))) {
      const message = `${input.hostname} did not phone home before ${input.deadline}.`;
      await sites.raiseAlarm({
        tenantId: input.tenantId, siteId: input.siteId, deviceId: input.deviceId, type: alarmTypes.phoneHomeDeadline, severity: 'major',
        message, dedupeKey: `ztp-deadline:${input.deviceId}`,
      });
      throw ApplicationFailure.nonRetryable(message, failureTypes.phoneHomeDeadline, { deviceId: input.deviceId });
    }
    const call = run.phoneHome()!;
    if (call.model !== input.model) await refuseModel(call.serial, call.model);
    return sites.admitDevice({ deviceId: input.deviceId, ...call });
  }, (admitted) => `${admitted.serial} at ${admitted.host}`);
  run.admitted(target.serial);
  log.info('device admitted', { deviceId: input.deviceId, deviceSerial: target.serial });

  if (input.admitOnly) {
    for (const step of ['firmware', 'stage-1', 'stage-2']) steps.mark(step, 'skipped', 'configured once the site takes its turn');
    return { target, softwareVersion: run.phoneHome()?.softwareVersion ?? '', configVersion: 0 };
  }

  return withDeviceLeases([target.serial], `zero-touch provisioning of ${input.hostname}`, '30 minutes', async () => {
    const { version: softwareVersion, upgraded } = await steps.run('firmware', async () => {
      try {
        return await writes.upgradeFirmwareIfOlder({ target, model: input.model, ...(input.targetImage ? { image: input.targetImage } : {}) });
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : undefined;
        if (cause instanceof ApplicationFailure && cause.type === failureTypes.deviceModelMismatch) {
          const [details] = cause.details as [{ reported?: string } | undefined];
          return refuseModel(target.serial, details?.reported ?? 'another model');
        }
        throw error;
      }
    }, (firmware) => firmware.upgraded ? `upgraded to ${firmware.version}` : `running ${firmware.version}`);
    const { stage1 } = input;
    if (stage1 === undefined) {
      steps.mark('stage-1', 'skipped', 'the whole configuration goes in at stage 2');
    } else {
      await steps.run('stage-1', () => pushConfiguration({
        target, config: stage1, mode: 'merge', persist: run.persist('stage-1'), checks: input.stage1Checks, source: 'ztp', workflowId,
      }), (r) => `configuration version ${r.version}`);
    }
    const { version } = await steps.run('stage-2', () => pushConfiguration({
      target, config: input.stage2, mode: 'replace', persist: run.persist('stage-2'), checks: input.stage2Checks, source: 'ztp', workflowId,
    }), (r) => `configuration version ${r.version}`);
    if (upgraded) await sites.setDeviceStatus({ deviceId: input.deviceId, status: 'provisioning', softwareVersion });
    return { target, softwareVersion, configVersion: version };
  });
}
