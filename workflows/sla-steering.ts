// A site's SLA steering (id `sla/<siteId>`), an entity living as long as the site is in service
// with steered applications. Pollers signal each change of what they evaluate; steering keeps per
// application the link it takes and why, the compliance of every link, flaps and hold-downs
// (domain/sla-steering.ts), and moves applications by one confirmed commit of the site's policies
// under the devices' leases. Evaluations arriving while a commit is made only change the state:
// the next decision reads the latest of it, so a burst of signals makes one switch, not many.
import {
  condition, continueAsNew, log, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { SlaSteeringActivities } from '../activities/sla-steering.ts';
import { databaseActivity } from './activity-options.ts';
import { configurationChanges } from './configuration-change.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { wanLinkChecks } from '../domain/site-plan.ts';
import {
  activeLinksOf, adoptPolicies, applyMoves, decide, emptySteeringState, observe, sustainedViolations,
  type Move, type SteeringPlan, type SteeringState, type SwitchRecord,
} from '../domain/sla-steering.ts';
import { searchAttributeKeys } from '../domain/task-queues.ts';
import { policyEdit } from './apply-sla-policies.ts';
import { withDeviceLeases } from './lease.ts';
import {
  slaEvaluationSignal, slaPoliciesChangedSignal, slaSteeringStateQuery, stopSlaSteeringSignal, type SlaSteeringInput, type SlaSteeringView,
} from './sla-steering.messages.ts';
import { describeFailure } from './steps.ts';

/** A switch that failed (device unreachable, busy past the wait) is tried again after this. */
const retryAfterMs = 30_000;

function view(siteId: string, state: SteeringState, now: number, extra: Pick<SlaSteeringView, 'switching' | 'lastError'>): SlaSteeringView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    siteId,
    links: Object.entries(state.links).map(([link, seen]) => ({ link, up: seen.up, measured: seen.measured ?? null, at: seen.at })),
    applications: Object.values(state.applications).map((app) => ({
      application: app.application, policy: app.policy, link: app.link, reason: app.reason, since: iso(app.since),
      violations: app.violations, recoveries: app.recoveries, violatingSince: app.violatingSince === null ? null : iso(app.violatingSince),
      heldDown: Object.entries(app.links).filter(([, l]) => l.heldDownUntil !== null && l.heldDownUntil > now).map(([link, l]) => ({ link, until: iso(l.heldDownUntil!) })),
    })),
    alarmed: state.alarmed,
    ...extra,
  };
}

export async function slaSteering(input: SlaSteeringInput): Promise<void> {
  takePatchBatch();
  const steering = proxyActivities<SlaSteeringActivities>(databaseActivity);
  const change = configurationChanges();
  const { workflowId } = workflowInfo();
  const state = input.state ?? emptySteeringState();
  let changed = true;
  let reload = false;
  let stopped = false;
  let switching = false;
  let lastError: string | null = null;
  let retryAt: number | null = null;

  const load = async (): Promise<SteeringPlan | null> => {
    try {
      return await steering.loadSteeringPlan({ siteId: input.siteId });
    } catch (error) {
      const failure = describeFailure(error);
      if (failure.type !== failureTypes.siteNotFound && failure.type !== failureTypes.siteNotReady) throw error;
      log.info('SLA steering ends: the site is gone or has no device', { siteId: input.siteId, reason: failure.message });
      return null;
    }
  };
  let site = await load();
  if (!site) return;
  // A new run takes the applications where the last push put them; a continued one knows better.
  adoptPolicies(state, site.policies, Date.now(), !input.state);
  upsertSearchAttributes([{ key: searchAttributeKeys.tenant, value: site.plan.tenantId }, { key: searchAttributeKeys.site, value: input.siteId }]);

  // Runs started before a link's first fall counted as a flap replay as they ran.
  const unseenLinksComply = patched('first-fall-is-a-flap');
  setHandler(slaEvaluationSignal, (evaluation) => {
    observe(state, site!.policies, evaluation, Date.now(), { unseenLinksComply });
    changed = true;
  });
  setHandler(slaPoliciesChangedSignal, () => {
    reload = true;
  });
  setHandler(stopSlaSteeringSignal, () => {
    stopped = true;
  });
  setHandler(slaSteeringStateQuery, () => view(input.siteId, state, Date.now(), { switching, lastError }));

  /** Moves the applications by one confirmed commit on each device; false when it failed (tried again later). */
  async function switchLinks(plan: SteeringPlan, moves: Move[]): Promise<boolean> {
    const commit = (state.commits += 1);
    const after: SteeringState = { ...state, applications: Object.fromEntries(Object.entries(state.applications).map(([a, app]) => [a, { ...app }])) };
    applyMoves(after, moves, Date.now());
    const chosen = new Set(moves.map((m) => m.to));
    const devices = plan.plan.devices.filter((device) => device.target);
    switching = true;
    let applied: number[];
    try {
      const changes = await withDeviceLeases(devices.map((d) => d.target!.serial), `SLA steering of ${plan.plan.name}`, '10 minutes', () => Promise.all(devices.map((device) => change({
        target: device.target!,
        config: policyEdit(plan.plan, device, (policy) => activeLinksOf(after, policy)),
        mode: 'merge',
        // Named by the site's commit count, carried over continue-as-new: a retry finishes this commit.
        persist: `${workflowId}/switch-${commit}/${device.role}`,
        // The links the applications move to must be up before the commit is confirmed.
        checks: wanLinkChecks(device.wanLinks.filter((link) => chosen.has(link.name))),
        source: 'policy',
        workflowId,
      }))));
      applied = changes.map((made) => made.committedAt);
    } catch (error) {
      lastError = describeFailure(error).message;
      retryAt = Date.now() + retryAfterMs;
      log.warn('an SLA switch failed; it is tried again', { siteId: input.siteId, workflowId, error: lastError });
      return false;
    } finally {
      switching = false;
    }
    // Reaction ends when the last device's confirmed commit answered: its traffic took the new
    // links then. The post-checks and the confirm that follow make the change permanent (else the
    // device reverts it by itself); recording it comes after.
    const committed = applied.length > 0 ? Math.max(...applied) : Date.now();
    applyMoves(state, moves, committed);
    lastError = null;
    retryAt = null;
    const measurements = Object.fromEntries(Object.entries(state.links).filter(([link]) => moves.some((m) => m.from === link || m.to === link))
      .map(([link, seen]) => [link, { up: seen.up, ...seen.measured }]));
    const switches: SwitchRecord[] = moves.map((move) => ({
      key: `${workflowId}/switch-${commit}/${move.application}`, policy: move.policy, application: move.application, from: move.from, to: move.to, reason: move.reason,
      measurements, detectionMs: move.detectionMs, reactionMs: Math.max(0, committed - move.dueAt), at: new Date(committed).toISOString(),
    }));
    await steering.recordLinkSwitches({ tenantId: plan.plan.tenantId, siteId: input.siteId, switches });
    log.info('SLA switch committed', { siteId: input.siteId, workflowId, moves: moves.map((m) => `${m.application}: ${m.from} → ${m.to} (${m.reason})`) });
    return true;
  }

  /** One alarm per policy out of its SLA for its smoothing window, cleared once none of its applications is. */
  async function updateAlarms(plan: SteeringPlan, now: number) {
    const sustained = sustainedViolations(state, plan.policies, now);
    for (const policy of sustained.filter((p) => !state.alarmed.includes(p))) {
      const apps = Object.values(state.applications).filter((a) => a.policy === policy && a.violatingSince !== null);
      await steering.raiseSlaAlarm({
        tenantId: plan.plan.tenantId, siteId: input.siteId, policy,
        message: `${plan.plan.name}: ${apps.map((a) => a.application).join(', ')} (${policy}) out of SLA on ${[...new Set(apps.map((a) => a.link))].join(', ')}: no link complies, or none long enough.`,
      });
      state.alarmed.push(policy);
    }
    for (const policy of [...state.alarmed]) {
      if (Object.values(state.applications).some((a) => a.policy === policy && a.violatingSince !== null)) continue;
      await steering.clearSlaAlarm({ tenantId: plan.plan.tenantId, siteId: input.siteId, policy });
      state.alarmed.splice(state.alarmed.indexOf(policy), 1);
    }
  }

  for (;;) {
    if (stopped) return;
    if (reload) {
      reload = false;
      site = await load();
      if (!site) return;
      // A push of the site's policies put every application back where the policies say.
      adoptPolicies(state, site.policies, Date.now(), true);
    }
    if (site.plan.status !== 'active' || site.policies.length === 0) {
      log.info('SLA steering ends: nothing to steer', { siteId: input.siteId, status: site.plan.status });
      return;
    }
    changed = false;
    const now = Date.now();
    const decision = decide(state, site.policies, site.links, now);
    for (const { application, reason } of decision.reasons) state.applications[application]!.reason = reason;
    // Switched: decide again at once, on whatever arrived meanwhile.
    if (decision.moves.length > 0 && (retryAt === null || retryAt <= now) && await switchLinks(site, decision.moves)) changed = true;
    await updateAlarms(site, Date.now());
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof slaSteering>({ siteId: input.siteId, state });
    }
    const wakeAt = [decision.wakeAt, retryAt].filter((t): t is number => t !== null);
    const timeout = wakeAt.length > 0 ? Math.max(1, Math.min(...wakeAt) - Date.now()) : undefined;
    if (timeout === undefined) await condition(() => changed || reload || stopped);
    else await condition(() => changed || reload || stopped, timeout);
  }
}
