// The Temporal Schedule that runs drift reconciliation (workflows/reconcile-drift.ts) every
// interval. Created by whichever worker comes up first; one that finds it made already sets its
// interval to the deployment's (DRIFT_RECONCILE_INTERVAL_SECONDS), so a change of it takes effect
// at the next start. A round still running when the next is due makes that one skip.
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import { taskQueues } from '../domain/task-queues.ts';
import { driftScheduleId, driftWorkflowIdPrefix } from '../workflows/reconcile-drift.messages.ts';
import type { reconcileDrift } from '../workflows/reconcile-drift.ts';

export async function ensureDriftSchedule(client: Client, intervalSeconds: number): Promise<{ created: boolean }> {
  const spec = { intervals: [{ every: `${intervalSeconds} seconds` }] };
  try {
    await client.schedule.create<typeof reconcileDrift>({
      scheduleId: driftScheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: 'reconcileDrift', workflowId: driftWorkflowIdPrefix, taskQueue: taskQueues.orchestration, args: [{}] },
      policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    });
    return { created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(driftScheduleId).update((previous) => ({ ...previous, spec }));
    return { created: false };
  }
}
