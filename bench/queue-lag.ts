// The largest task-queue lag runs met: for each run's history, the time from a workflow task or an
// activity task being scheduled to a worker picking it up (schedule-to-start), the longest of all.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

const millis = (time: proto.google.protobuf.ITimestamp | null | undefined) => Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);

export async function largestQueueLag(client: Client, workflowIds: string[]): Promise<{ workflowTaskSeconds: number; activityTaskSeconds: number }> {
  let workflowTask = 0;
  let activityTask = 0;
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const scheduledAt = new Map<number, number>();
    for (const event of history.events ?? []) {
      const id = Number(event.eventId);
      const at = millis(event.eventTime);
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          scheduledAt.set(id, at);
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          workflowTask = Math.max(workflowTask, at - (scheduledAt.get(Number(event.workflowTaskStartedEventAttributes?.scheduledEventId)) ?? at));
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
          activityTask = Math.max(activityTask, at - (scheduledAt.get(Number(event.activityTaskStartedEventAttributes?.scheduledEventId)) ?? at));
          break;
        default:
      }
    }
  }
  return { workflowTaskSeconds: workflowTask / 1000, activityTaskSeconds: activityTask / 1000 };
}
