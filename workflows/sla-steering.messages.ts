// The contract between the telemetry pollers and a site's SLA steering workflow (`sla/<siteId>`):
// a poller measures a site's WAN links, evaluates each steered application's SLA on them, and
// signals the site's steering workflow only when what it evaluated changed. Raw samples never
// cross Temporal: a signal carries the smoothed figures of the evaluation it reports.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LinkMeasurement } from '../domain/sla.ts';
import type { SteeringReason, SteeringState } from '../domain/sla-steering.ts';

export const slaSteeringWorkflowId = (siteId: string) => `sla/${siteId}`;

/** One WAN link of a site as a poller last saw it, smoothed over its window. */
export interface LinkState {
  /** The link's name on the device (the RPM probe's owner). */
  link: string;
  /** The probes answered in the last window. */
  up: boolean;
  /** Absent until the window holds enough samples to judge. */
  measured?: LinkMeasurement;
}

/** A change in what a poller evaluated for a site. */
export interface SlaEvaluation {
  siteId: string;
  deviceSerial: string;
  /** Every link of the device, as of `at`. */
  links: LinkState[];
  /** For each steered application (its AppID signature), the links that violate its SLA now. */
  violations: Record<string, string[]>;
  /** When the poller read the samples this evaluation is made of (ISO 8601). */
  at: string;
  /** When the first sample that made the evaluation change was taken: detection time is measured from it. */
  changedAt: string;
}

export const slaEvaluationSignal = defineSignal<[SlaEvaluation]>('slaEvaluation');

// ---- the steering workflow's own messages (its starters, the API, tests) ----------------------

export interface SlaSteeringInput {
  siteId: string;
  /** Carried over by continue-as-new: everything steering knows. */
  state?: SteeringState;
}

/** The site's policies or links changed (a push of its SLA policies): steering reloads them. */
export const slaPoliciesChangedSignal = defineSignal('slaPoliciesChanged');
/** The site leaves service: steering ends. */
export const stopSlaSteeringSignal = defineSignal('stopSlaSteering');

/** The live state, as the API answers it. Times are ISO 8601. */
export interface SlaSteeringView {
  siteId: string;
  links: { link: string; up: boolean; measured: LinkMeasurement | null; at: string }[];
  applications: {
    application: string;
    policy: string;
    link: string | null;
    reason: SteeringReason;
    since: string;
    violations: number;
    recoveries: number;
    violatingSince: string | null;
    /** Links held down for this application, and until when. */
    heldDown: { link: string; until: string }[];
  }[];
  /** Policies whose sustained-violation alarm is raised. */
  alarmed: string[];
  /** A switch being committed now. */
  switching: boolean;
  lastError: string | null;
}

export const slaSteeringStateQuery = defineQuery<SlaSteeringView>('slaSteeringState');
