// The state machine of a site's SLA steering, pure so that the steering workflow can run it and
// tests can drive it by hand: what each evaluation a poller sends changes (each link's compliance
// per application, flaps, hold-downs), and which applications should move where now. The workflow
// owns the I/O: the commit that moves them, the records, the alarms.
import type { SitePlan } from './site-plan.ts';
import { chooseLink, type CandidateLink, type LinkMeasurement, type SteeringRule } from './sla.ts';

/**
 * Dampening and smoothing, per policy (Versa's defaults): a link that falls out of an
 * application's SLA `flapThreshold` times within `flapWindowMs` is held down for `holdDownMs`;
 * an application goes back to a better link only once it has complied for `smoothingWindowMs`,
 * and a violation that lasts as long is sustained (an alarm).
 */
export interface DampeningSettings {
  flapThreshold: number;
  flapWindowMs: number;
  holdDownMs: number;
  smoothingWindowMs: number;
}

export const defaultDampening: DampeningSettings = { flapThreshold: 2, flapWindowMs: 300_000, holdDownMs: 900_000, smoothingWindowMs: 60_000 };

/** One steering policy of the site as the device carries it, with its rule. */
export interface SteeredPolicy {
  /** Its name in the configuration (the APBR rules' prefix). */
  name: string;
  /** AppID signatures it steers (an application two policies name belongs to the first only). */
  applications: string[];
  rule: SteeringRule;
  dampening: DampeningSettings;
  /** Where each application is now, as the last push of the site's policies put it. */
  initialLinks: Record<string, string>;
  /** The links (and hub paths, for central breakout) its applications may take; absent: every link of the site. */
  links?: string[];
}

/** The type of a path to a hub over the overlay, as steering ranks it (central breakout puts it first). */
export const hubPathType = 'hub';

export interface SteeredLink {
  name: string;
  type: string;
  monthlyCost: number;
}

/** The site as steering needs it, read at its start and whenever its policies change. */
export interface SteeringPlan {
  /** What the site's policies are rendered from, per device. */
  plan: SitePlan;
  /** The site's WAN links, and its primary device's paths to its hubs (no id: not a WAN link of the inventory). */
  links: (SteeredLink & { id: string | null })[];
  policies: SteeredPolicy[];
}

/** A switch as it is recorded (a LinkSwitchEvent) and published. */
export interface SwitchRecord {
  /** The steering run's name for it: recorded once however often the write is retried. */
  key: string;
  policy: string;
  application: string;
  from: string | null;
  to: string;
  reason: SteeringReason;
  /** Each link's figures (or down) when the switch was decided, by link name. */
  measurements: Record<string, { up: boolean; rttMs?: number; jitterMs?: number; lossPermille?: number }>;
  detectionMs: number | null;
  reactionMs: number;
  /** When the commit was confirmed (ISO 8601). */
  at: string;
}

/** What steering reads of a poller's evaluation (workflows/sla-steering.messages.ts SlaEvaluation). */
export interface Observation {
  links: { link: string; up: boolean; measured?: LinkMeasurement }[];
  violations: Record<string, string[]>;
  at: string;
  changedAt: string;
}

/**
 * Why an application takes the link it takes: as the last push put it; its link fell out of the
 * SLA or went down; a better link complied for the smoothing window (preferred, or cheaper when
 * bandwidth-optimised); no link complies and the fallback chose; no link is up at all.
 */
export const steeringReasons = ['initial', 'violation', 'link_down', 'recovered', 'cheaper', 'fallback_best_path', 'fallback_strict', 'no_link_up'] as const;
export type SteeringReason = (typeof steeringReasons)[number];

/** One link as one application sees it. */
export interface LinkCompliance {
  /** Up and within the application's SLA, by the last evaluation. */
  compliant: boolean;
  /** Since when it is (or is not) compliant, workflow time in ms. */
  since: number;
  /** The poller's detection time of that change (at − changedAt). */
  detectionMs: number | null;
  /** When it fell out of the SLA within the flap window. */
  flaps: number[];
  heldDownUntil: number | null;
}

export interface ApplicationSteering {
  application: string;
  policy: string;
  link: string | null;
  reason: SteeringReason;
  since: number;
  /** Times its link fell out of the SLA while it took it; times its link (or a better one) came back. */
  violations: number;
  recoveries: number;
  /** Since when the link it takes is out of the SLA (null: it complies). */
  violatingSince: number | null;
  links: Record<string, LinkCompliance>;
}

export interface SteeringState {
  applications: Record<string, ApplicationSteering>;
  /** Each link as last reported, with when. */
  links: Record<string, { up: boolean; measured?: LinkMeasurement; at: string }>;
  /** Switch commits made so far: names each commit, so a retry repeats it rather than making another. */
  commits: number;
  /** Policies whose sustained-violation alarm is raised. */
  alarmed: string[];
}

export const emptySteeringState = (): SteeringState => ({ applications: {}, links: {}, commits: 0, alarmed: [] });

/**
 * Takes the site's policies as they are now: applications new to steering start where the push
 * put them (all of them, after a push: `pushed`); those no policy steers any more are forgotten;
 * what is known of each link's compliance is kept.
 */
export function adoptPolicies(state: SteeringState, policies: SteeredPolicy[], now: number, pushed: boolean): void {
  const steered = new Set<string>();
  for (const policy of policies) {
    for (const application of policy.applications) {
      if (steered.has(application)) continue;
      steered.add(application);
      const known = state.applications[application];
      if (known && known.policy === policy.name && !pushed) continue;
      const link = policy.initialLinks[application] ?? null;
      const seen = link === null ? undefined : known?.links[link];
      state.applications[application] = {
        application, policy: policy.name, link, reason: 'initial', since: now,
        violations: known?.violations ?? 0, recoveries: known?.recoveries ?? 0, violatingSince: seen && !seen.compliant ? now : null, links: known?.links ?? {},
      };
    }
  }
  for (const application of Object.keys(state.applications)) if (!steered.has(application)) delete state.applications[application];
  state.alarmed = state.alarmed.filter((name) => policies.some((p) => p.name === name));
}

const policyOf = (policies: SteeredPolicy[], app: ApplicationSteering) => policies.find((p) => p.name === app.policy);

/**
 * An evaluation arrives: each link's compliance per application, and for a link falling out of
 * the SLA a flap (enough of them in the window hold it down). Pollers signal changes only, so a
 * link no evaluation has named yet has been complying: its first fall is a flap too
 * (`unseenLinksComply`; runs started before it counted from the second fall).
 */
export function observe(state: SteeringState, policies: SteeredPolicy[], evaluation: Observation, now: number, options = { unseenLinksComply: true }): void {
  const detectionMs = Math.max(0, Date.parse(evaluation.at) - Date.parse(evaluation.changedAt));
  for (const link of evaluation.links) state.links[link.link] = { up: link.up, ...(link.measured ? { measured: link.measured } : {}), at: evaluation.at };
  for (const app of Object.values(state.applications)) {
    const dampening = policyOf(policies, app)?.dampening ?? defaultDampening;
    const violating = new Set(evaluation.violations[app.application] ?? []);
    for (const link of evaluation.links) {
      const compliant = link.up && !violating.has(link.link);
      const known = app.links[link.link];
      if (known && known.compliant === compliant) continue;
      const flaps = (known?.flaps ?? []).filter((t) => t > now - dampening.flapWindowMs);
      let heldDownUntil = known?.heldDownUntil ?? null;
      const wasCompliant = known ? known.compliant : options.unseenLinksComply;
      if (wasCompliant && !compliant) {
        flaps.push(now);
        if (flaps.length >= dampening.flapThreshold) {
          heldDownUntil = now + dampening.holdDownMs;
          flaps.length = 0;
        }
        if (app.link === link.link) app.violations += 1;
      }
      if (known && !known.compliant && compliant && app.link === link.link) app.recoveries += 1;
      app.links[link.link] = { compliant, since: now, detectionMs, flaps, heldDownUntil };
    }
    const current = app.link === null ? undefined : app.links[app.link];
    app.violatingSince = current && !current.compliant ? (app.violatingSince ?? current.since) : null;
  }
}

const heldDown = (link: LinkCompliance | undefined, now: number) => !!link?.heldDownUntil && link.heldDownUntil > now;

/** A switch steering wants: the application, from where to where, why, and when it became due. */
export interface Move {
  application: string;
  policy: string;
  from: string | null;
  to: string;
  reason: SteeringReason;
  /** Workflow time from which the move was due (the evaluation, the end of smoothing or hold-down). */
  dueAt: number;
  detectionMs: number | null;
}

export interface SteeringDecision {
  moves: Move[];
  /** Reasons that changed without a move (fallback held on the link it takes, no link up). */
  reasons: { application: string; reason: SteeringReason }[];
  /** When the decision may change without a new evaluation (a smoothing window or hold-down ends); null: never. */
  wakeAt: number | null;
}

/**
 * What should change now. An application whose link is out of the SLA (or down, or held down)
 * moves at once to the best compliant link chosen by `chooseLink`; when none complies, to the
 * fallback's choice, once (a fallback is not re-chosen at every wobble of a brownout; it moves
 * when its link goes down or a link complies again). An application whose link complies moves only
 * to a better link (more preferred, or cheaper when bandwidth-optimised) that has complied for
 * the smoothing window and is not held down.
 */
export function decide(state: SteeringState, policies: SteeredPolicy[], links: SteeredLink[], now: number): SteeringDecision {
  const decision: SteeringDecision = { moves: [], reasons: [], wakeAt: null };
  const wake = (at: number) => {
    if (at > now && (decision.wakeAt === null || at < decision.wakeAt)) decision.wakeAt = at;
  };
  for (const app of Object.values(state.applications)) {
    const policy = policyOf(policies, app);
    if (!policy) continue;
    const candidates = policy.links ? links.filter((link) => policy.links!.includes(link.name)) : links;
    const { smoothingWindowMs } = policy.dampening;
    const candidate = (link: SteeredLink): CandidateLink => ({
      name: link.name, type: link.type, monthlyCost: link.monthlyCost, up: state.links[link.name]?.up ?? true,
      ...(state.links[link.name]?.measured ? { measured: state.links[link.name]!.measured! } : {}),
    });
    // The poller's word on compliance decides, not the thresholds again: a link counts as
    // compliant here (no measurement) when it is, and is left out when it is not.
    const usable = (link: SteeredLink) => {
      const seen = app.links[link.name];
      return (seen ? seen.compliant : state.links[link.name]?.up !== false) && !heldDown(seen, now);
    };
    const choose = (eligible: SteeredLink[]) => chooseLink(policy.rule, eligible.map((l) => ({ name: l.name, type: l.type, monthlyCost: l.monthlyCost, up: true })));
    const currentOk = app.link !== null && candidates.some((l) => l.name === app.link && usable(l));
    for (const seen of Object.values(app.links)) if (seen.heldDownUntil) wake(seen.heldDownUntil);
    if (app.violatingSince !== null) wake(app.violatingSince + smoothingWindowMs);

    if (currentOk) {
      // A better link only once it has been seen complying for the smoothing window.
      const settled = candidates.filter((l) => usable(l) && (l.name === app.link || (app.links[l.name]?.since ?? Infinity) + smoothingWindowMs <= now));
      for (const l of candidates) if (usable(l) && l.name !== app.link && app.links[l.name]) wake(app.links[l.name]!.since + smoothingWindowMs);
      const best = choose(settled).link;
      if (best && best !== app.link) {
        const seen = app.links[best];
        const reason: SteeringReason = policy.rule.costMode === 'bandwidth_optimised' ? 'cheaper' : 'recovered';
        decision.moves.push({
          application: app.application, policy: app.policy, from: app.link, to: best, reason,
          dueAt: Math.max((seen?.since ?? now) + smoothingWindowMs, seen?.heldDownUntil ?? 0), detectionMs: seen?.detectionMs ?? null,
        });
      } else if (app.reason === 'fallback_best_path' || app.reason === 'fallback_strict' || app.reason === 'no_link_up') {
        // A fallback whose link complies again: it is where it is because it complies.
        decision.reasons.push({ application: app.application, reason: 'recovered' });
      }
      continue;
    }
    const current = app.link === null ? undefined : app.links[app.link];
    const currentUp = app.link !== null && state.links[app.link]?.up !== false;
    const why: SteeringReason = currentUp ? 'violation' : 'link_down';
    const compliant = choose(candidates.filter(usable));
    const dueAt = current?.since ?? now;
    if (compliant.link) {
      decision.moves.push({ application: app.application, policy: app.policy, from: app.link, to: compliant.link, reason: why, dueAt, detectionMs: current?.detectionMs ?? null });
      continue;
    }
    // Nothing complies: the fallback, ranking the links by their measurements; a link held down
    // or out of the SLA by the poller's word is out of it here, whatever the thresholds say.
    const fallback = chooseLink({ ...policy.rule, thresholds: { rttMs: -1, jitterMs: -1, lossPermille: -1, match: 'any' } }, candidates.map(candidate));
    if (!fallback.link) {
      if (app.reason !== 'no_link_up') decision.reasons.push({ application: app.application, reason: 'no_link_up' });
      continue;
    }
    const reason: SteeringReason = fallback.reason === 'fallback_strict' ? 'fallback_strict' : 'fallback_best_path';
    const inFallback = app.reason === 'fallback_best_path' || app.reason === 'fallback_strict';
    if (fallback.link !== app.link && (!inFallback || !currentUp)) {
      decision.moves.push({ application: app.application, policy: app.policy, from: app.link, to: fallback.link, reason, dueAt, detectionMs: current?.detectionMs ?? null });
    } else if (!inFallback) {
      decision.reasons.push({ application: app.application, reason });
    }
  }
  return decision;
}

/** The moves made: each application on its new link, from now. */
export function applyMoves(state: SteeringState, moves: Move[], now: number): void {
  for (const move of moves) {
    const app = state.applications[move.application];
    if (!app) continue;
    if (move.reason === 'recovered' || move.reason === 'cheaper') app.recoveries += 1;
    Object.assign(app, { link: move.to, reason: move.reason, since: now });
    const current = app.links[move.to];
    app.violatingSince = current && !current.compliant ? now : null;
  }
}

/** The policies with an application whose SLA has been violated for the smoothing window. */
export function sustainedViolations(state: SteeringState, policies: SteeredPolicy[], now: number): string[] {
  return policies.filter((policy) => Object.values(state.applications).some((app) =>
    app.policy === policy.name && app.violatingSince !== null && app.violatingSince + policy.dampening.smoothingWindowMs <= now)).map((p) => p.name);
}

/** Where each application goes, for the renderer (AppSteeringConfig.activeLinks). */
export function activeLinksOf(state: SteeringState, policy: string): Record<string, string> {
  return Object.fromEntries(Object.values(state.applications).filter((a) => a.policy === policy && a.link !== null).map((a) => [a.application, a.link!]));
}
