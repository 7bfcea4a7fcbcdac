// The few activity presets every workflow picks from (STYLE: named presets, each with a timeout).
import { proxyActivities, proxyLocalActivities, type ActivityInterfaceFor, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { patched } from './patches.ts';
import { taskQueues } from '../domain/task-queues.ts';

/** Database reads and writes: quick, retried until the database is back. */
export const databaseActivity: ActivityOptions = {
  taskQueue: taskQueues.orchestration,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
};

/** Calls to the Temporal service itself (signal-with-start, describe). */
export const temporalActivity: ActivityOptions = {
  taskQueue: taskQueues.orchestration,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};

/**
 * Short, idempotent database steps and calls to the Temporal service as local activities, within
 * the workflow task that asks for them: no round trip through the task queue, their result kept
 * as a marker in the history.
 */
export const databaseLocalActivity: LocalActivityOptions = { startToCloseTimeout: databaseActivity.startToCloseTimeout!, retry: databaseActivity.retry! };
export const temporalLocalActivity: LocalActivityOptions = { startToCloseTimeout: temporalActivity.startToCloseTimeout!, retry: temporalActivity.retry! };

/**
 * `activities` as local activities in a run that has the patch `patchId` (a marker each in the
 * history, no round trip through the task queue, no workflow task to take up each answer), as
 * activities with the `byTask` preset in runs begun before, which replay what they scheduled.
 * Only for short, idempotent steps: a local activity may run again when the worker is lost.
 */
export function localActivitiesOncePatched<A>(patchId: string, byTask: ActivityOptions, local: LocalActivityOptions): ActivityInterfaceFor<A> {
  return patched(patchId) ? proxyLocalActivities<A>(local) : proxyActivities<A>(byTask);
}

/** Reading a device: bounded so a dead box costs little; retried with backoff. */
export const deviceReadActivity: ActivityOptions = {
  taskQueue: taskQueues.devices,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
};

/** Changing a device: long steps heartbeat, so a lost worker is noticed within the heartbeat timeout. */
export const deviceWriteActivity: ActivityOptions = {
  taskQueue: taskQueues.devices,
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 5 },
};

/**
 * A telemetry shard: polls for its lease, heart-beating; a worker gone is noticed within the
 * heartbeat timeout and the shard runs again elsewhere, for ever (the caller sets the start-to-close
 * timeout from the lease).
 */
export const telemetryShardActivity: ActivityOptions = {
  taskQueue: taskQueues.telemetry,
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
};

/**
 * Recording what a device runs once a change is done: reads the device, writes the database.
 * Retried until both answer (the database is back): the change it records has happened, and
 * failing the run for want of its record would undo what the device runs.
 */
export const deviceRecordActivity: ActivityOptions = {
  taskQueue: taskQueues.devices,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};

/**
 * Waiting on the database for another run to get somewhere (a VNF instance up or down): heart-beating
 * while it waits, so a lost worker is noticed, for as long as a VNF may take to boot or stop.
 */
export const waitingActivity: ActivityOptions = {
  taskQueue: taskQueues.orchestration,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};
