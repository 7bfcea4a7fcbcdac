// What every run driven by the campaign dispatcher (campaign-dispatch.ts) does alike: the operator's
// pause, resume and abort as validated updates, and the phases dispatched one after the other —
// each item of a phase started as the dispatcher allows, the phase drained before the next one.
// Upgrade campaigns, policy deployments and network-service campaigns differ only in what they read
// and start, and in what they record.
import type { UpdateDefinition } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import { patched } from './patches.ts';
import type { CampaignCandidate } from '../activities/campaigns.ts';
import type { CampaignDispatch, DeviceUpgrade } from './campaign-dispatch.ts';

/** Pause, resume and abort, each checked by the dispatcher first; pause and resume recorded as the campaign's status. */
export function handleCampaignUpdates<P>(
  dispatch: CampaignDispatch,
  updates: { pause: UpdateDefinition<P, []>; resume: UpdateDefinition<P, []>; abort: UpdateDefinition<P, [{ reason?: string }]> },
  setStatus: (status: 'paused' | 'running') => Promise<void>,
  progress: () => P,
): void {
  setHandler(updates.pause, async () => {
    dispatch.pause();
    await setStatus('paused');
    return progress();
  }, { validator: () => dispatch.checkPause() });
  setHandler(updates.resume, async () => {
    dispatch.resume();
    await setStatus('running');
    return progress();
  }, { validator: () => dispatch.checkResume() });
  setHandler(updates.abort, (request: { reason?: string }) => {
    dispatch.abort(request.reason);
    return progress();
  }, { validator: (_request: { reason?: string }) => dispatch.checkAbort() });
}

/**
 * Dispatches the phases in turn until every one is done, or the campaign halts or is aborted, or
 * `stopBetween` says to stop between two items (to continue as new): then the items under way are
 * drained and it answers `stopped`, the phase not advanced.
 */
export async function dispatchPhases(dispatch: CampaignDispatch, options: {
  read: (page: { phase: number; after?: string; limit: number }) => Promise<CampaignCandidate[]>;
  start: (item: DeviceUpgrade) => Promise<void>;
  stopBetween?: () => boolean;
}): Promise<'finished' | 'stopped'> {
  const running: Promise<void>[] = [];
  let stopped = false;
  while (dispatch.phase && !dispatch.finished && !stopped) {
    dispatch.startPhase();
    for (;;) {
      if (dispatch.finished) break;
      if (options.stopBetween?.()) {
        stopped = true;
        break;
      }
      const page = dispatch.pageWanted();
      if (page) {
        dispatch.read(await options.read(page));
        // Aborted or halted while the page was read: waiting for a change now would wait for one
        // that has come already (a day). Runs that waited so replay as they were.
        if (dispatch.finished && patched('dispatch-ends-when-finished-during-a-read')) break;
      }
      const next = dispatch.next(Date.now());
      if (next.kind === 'done') break;
      if (next.kind === 'deferred') continue;
      if (next.kind === 'wait') {
        const seen = dispatch.changes;
        await condition(() => dispatch.changes !== seen, next.wakeInMs ?? '1 day');
        continue;
      }
      running.push(options.start(dispatch.start(next.device)));
    }
    await condition(() => dispatch.idle);
    await Promise.all(running.splice(0));
    if (!dispatch.finished && !stopped) dispatch.nextPhase();
  }
  return stopped ? 'stopped' : 'finished';
}
