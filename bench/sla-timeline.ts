// Where the time of an SLA switch goes, from the steering run's history: for detection, the
// impairment → the first probe that met it → the end of that probe's test on the box → the poll
// that first read it → the poll whose smoothed figures broke the SLA → the signal at Temporal →
// the steering's workflow task; for reaction, that task → the lease asked and granted → the device
// activity started → each step of the change on the device (session, lock, load, confirmed commit,
// post-checks, confirm, unlock) → the switch recorded. Milestones are offsets from where each
// figure starts, so they read the same whichever comes first.
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import type { RpmSchedule } from '../simulator/rpm.ts';
import { rpmProbeSchedule } from '../simulator/rpm.ts';
import type { SlaEvaluation } from '../workflows/sla-steering.messages.ts';

const EventType = proto.temporal.api.enums.v1.EventType;
type History = proto.temporal.api.history.v1.IHistory;

export interface SwitchTimeline {
  /** Milliseconds after the impairment. */
  detection: Record<string, number>;
  /** Milliseconds after steering took the signal in (where the reaction starts). */
  reaction: Record<string, number>;
}

/** The activities that change a device, as runs of each era scheduled them (the change alone, or with its record). */
const deviceChanges = new Set(['applyConfigurationsInTurn', 'applyConfiguration']);

/**
 * The timeline of the first switch in `history` (the device change it made), for a link impaired
 * at `impairedAt` whose RPM test runs on `schedule`; undefined when the history holds no switch.
 */
export function switchTimeline(history: History, impairedAt: number, schedule: RpmSchedule): SwitchTimeline | undefined {
  const events = history.events ?? [];
  const applyAt = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && deviceChanges.has(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));
  if (applyAt < 0) return undefined;
  const before = events.slice(0, applyAt);
  const signalAt = before.findLastIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && e.workflowExecutionSignaledEventAttributes?.signalName === 'slaEvaluation');
  if (signalAt < 0) return undefined;
  const signal = events[signalAt]!;
  const evaluation = defaultPayloadConverter.fromPayload<SlaEvaluation>(signal.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!);
  const time = (index: number) => tsToMs(events[index]!.eventTime);
  const after = (from: number, test: (e: (typeof events)[number]) => boolean) => {
    const found = events.findIndex((e, i) => i > from && test(e));
    return found < 0 ? undefined : found;
  };
  const taskStarted = after(signalAt, (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)!;
  const steeringAt = time(taskStarted);
  const { firstProbeAt, testEndsAt } = rpmProbeSchedule(schedule, impairedAt);
  const detection = {
    firstProbe: firstProbeAt - impairedAt,
    testCompleted: testEndsAt - impairedAt,
    pollRead: Date.parse(evaluation.changedAt) - impairedAt,
    smoothed: Date.parse(evaluation.at) - impairedAt,
    signalled: time(signalAt) - impairedAt,
    steeringTask: steeringAt - impairedAt,
  };
  const reaction: Record<string, number> = {};
  const mark = (name: string, index: number | undefined) => {
    if (index !== undefined) reaction[name] = time(index) - steeringAt;
  };
  const activity = (name: string) => after(signalAt, (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
  const completedOf = (scheduled: number | undefined) => scheduled === undefined ? undefined
    : after(scheduled, (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(events[scheduled]!.eventId));
  // A free device is granted in the take's answer (`leaseAnswered`: a local activity's completion,
  // from lease workflows an activity's), a busy one later by signal (`leaseGranted`).
  const takenLocally = localActivityCompletedAt(events.slice(signalAt), 'takeDeviceLeases');
  if (takenLocally !== undefined) reaction['leaseAnswered'] = takenLocally - steeringAt;
  else mark('leaseAnswered', completedOf(activity('takeDeviceLeases')));
  mark('leaseGranted', after(signalAt, (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'leaseGranted'));
  mark('deviceActivityScheduled', applyAt);
  mark('deviceActivityStarted', after(applyAt, (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === String(events[applyAt]!.eventId)));
  const applied = completedOf(applyAt);
  if (applied !== undefined) {
    const result = defaultPayloadConverter.fromPayload<{ steps?: Record<string, number> }>(events[applied]!.activityTaskCompletedEventAttributes!.result!.payloads![0]!);
    for (const [step, at] of Object.entries(result.steps ?? {})) reaction[`device:${step}`] = at - steeringAt;
    mark('deviceActivityCompleted', applied);
  }
  mark('recorded', completedOf(activity('recordLinkSwitches')));
  return { detection, reaction };
}

/** When the first local activity of that type in `events` completed, by the worker's clock (its marker's data). */
function localActivityCompletedAt(events: NonNullable<History['events']>, activityType: string): number | undefined {
  for (const event of events) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') continue;
    const data = marker.details?.['data']?.payloads?.[0];
    if (!data) continue;
    const { activity_type: type, complete_time: completed } = defaultPayloadConverter.fromPayload<{ activity_type: string; complete_time: { seconds: number; nanos: number } | null }>(data);
    if (type === activityType && completed) return completed.seconds * 1000 + Math.floor(completed.nanos / 1e6);
  }
  return undefined;
}

/** p50 and p99 of each milestone over the timelines, in milliseconds, in the order they come at p50. */
export function milestonePercentiles(timelines: readonly Record<string, number>[]): Record<string, { p50: number; p99: number; n: number }> {
  const names = [...new Set(timelines.flatMap((t) => Object.keys(t)))];
  const at = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const rows = names.map((name) => {
    const values = timelines.flatMap((t) => (t[name] === undefined ? [] : [t[name]!])).sort((a, b) => a - b);
    return [name, { p50: Math.round(at(values, 50)), p99: Math.round(at(values, 99)), n: values.length }] as const;
  });
  return Object.fromEntries(rows.sort((a, b) => a[1].p50 - b[1].p50));
}
