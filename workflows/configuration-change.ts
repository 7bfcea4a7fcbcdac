// A configuration change and its record: the change on the device (a device write, idempotent by
// its persist token) and the record of what the device then runs (idempotent by the device's newest
// commit or the running configuration's sha256), both made by one activity, the record by a second
// one, retried until the database is back, when the first could not make it. A database outage
// after the change delays the run; it never fails it after the device changed, nor changes twice.
import { ActivityFailure, ApplicationFailure, CancellationScope, proxyActivities } from '@temporalio/workflow';
import { patched } from './patches.ts';
import type { ChangesMadeBeforeFailure, ConfigurationApplied, DeviceActivities, PushConfigurationInput, RecordConfigurationInput } from '../activities/devices/activities.ts';
import { deviceRecordActivity, deviceWriteActivity } from './activity-options.ts';

/**
 * A change made: whether the device changed, the version recorded, when the device had it
 * confirmed (workflow time), and when its confirmed commit answered (the device's traffic took it
 * then; the worker's clock, `appliedAt` when the activity did not say).
 */
export interface ConfigurationChanged { changed: boolean; version: number; appliedAt: number; committedAt: number }

/**
 * What a change's record is given. A merge's record may be an increment over the version before it
 * (the activity's choice): it is given the change, never the device's configuration, which stays
 * out of histories.
 */
function recordOf(input: PushConfigurationInput): RecordConfigurationInput {
  const change = input.mode === 'merge' ? { change: { config: input.config, mode: input.mode, persist: input.persist } } : {};
  return { target: input.target, source: input.source, workflowId: input.workflowId, ...change };
}

export function configurationChanges(): (input: PushConfigurationInput) => Promise<ConfigurationChanged> {
  const writes = proxyActivities<DeviceActivities>(deviceWriteActivity);
  const records = proxyActivities<DeviceActivities>(deviceRecordActivity);
  return async (input) => {
    // Recorded by the activity that made the change (apart only when the database is away): an
    // activity and its workflow task fewer per change. Runs begun before replay the record apart,
    // and those begun before that the change and its record in the one activity of the time.
    if (patched('change-and-record-in-one-activity')) return (await changesInTurn([input], { together: true, recordedWhereMade: true }))[0]!;
    if (!patched('device-change-apart-from-record')) {
      const { changed, version } = await writes.pushConfiguration(input);
      return { changed, version, appliedAt: Date.now(), committedAt: Date.now() };
    }
    const { changed, committedAt } = await writes.applyConfiguration(input);
    const appliedAt = Date.now();
    const { version } = await records.recordConfiguration(recordOf(input));
    return { changed, version, appliedAt, committedAt: committedAt ?? appliedAt };
  };
}

/**
 * Changes made one device after the other (in one activity), stopping at the first that fails,
 * and recorded by that activity too (else in one activity after it): fewer round trips than an
 * activity per change and per record. The devices changed before one that failed are recorded all
 * the same before the failure goes on.
 */
export async function configurationChangesInTurn(inputs: PushConfigurationInput[]): Promise<ConfigurationChanged[]> {
  // The devices changed in one activity: one round trip through the task queue for them all,
  // their records made by it too (recordConfigurations only when it could not). Runs begun before
  // replay an activity per device, or the records apart.
  const together = patched('devices-changed-in-one-activity');
  return changesInTurn(inputs, { together, recordedWhereMade: together && patched('changes-recorded-where-made') });
}

/** configurationChangesInTurn as the run's era makes the changes: together in one activity or one by one, recorded there or apart. */
async function changesInTurn(inputs: PushConfigurationInput[], era: { together: boolean; recordedWhereMade: boolean }): Promise<ConfigurationChanged[]> {
  const writes = proxyActivities<DeviceActivities>(deviceWriteActivity);
  const records = proxyActivities<DeviceActivities>(deviceRecordActivity);
  const applied: (Omit<ConfigurationChanged, 'version'> & { input: PushConfigurationInput })[] = [];
  const recordApplied = async () => (applied.length === 0 ? [] : (await records.recordConfigurations({
    records: applied.map(({ input }) => recordOf(input)),
  })).versions);
  const applying = (input: PushConfigurationInput, { changed, committedAt }: ConfigurationApplied) => {
    const appliedAt = Date.now();
    applied.push({ input, changed, appliedAt, committedAt: committedAt ?? appliedAt });
  };
  const { together } = era;
  let recorded: number[] | undefined;
  try {
    if (together) {
      const records = era.recordedWhereMade ? { records: inputs.map(recordOf) } : {};
      const { applied: changes, versions } = await writes.applyConfigurationsInTurn({ changes: inputs, ...records });
      changes.forEach((change, index) => applying(inputs[index]!, change));
      recorded = versions;
    } else {
      for (const input of inputs) applying(input, await writes.applyConfiguration(input));
    }
  } catch (error) {
    if (together) changesMadeBefore(error).forEach((change, index) => applying(inputs[index]!, change));
    await CancellationScope.nonCancellable(recordApplied);
    throw error;
  }
  const versions = recorded ?? await recordApplied();
  return applied.map(({ changed, appliedAt, committedAt }, index) => ({ changed, version: versions[index]!, appliedAt, committedAt }));
}

/** The changes applyConfigurationsInTurn made before the device whose failure this is. */
function changesMadeBefore(error: unknown): ConfigurationApplied[] {
  const failure = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
  return (failure?.details?.at(-1) as Partial<ChangesMadeBeforeFailure> | undefined)?.appliedBefore ?? [];
}
