// Why an application is on its link, in the operator's words (domain/sla-steering.ts steeringReasons).
import type { SteeringReason } from '../../../domain/sla-steering.ts';
import { applicationCatalogue, type ApplicationGroup } from '../../../domain/sla.ts';

export const reasonLabels: Record<SteeringReason, string> = {
  initial: 'Where the push put it',
  violation: 'Its link fell out of the SLA',
  link_down: 'Its link went down',
  recovered: 'A better link complied again',
  cheaper: 'A cheaper link complies',
  fallback_best_path: 'No link complies: best path',
  fallback_strict: 'No link complies: strict',
  no_link_up: 'No link is up',
};

export const reasonLabel = (reason: string) => reasonLabels[reason as SteeringReason] ?? reason;

/** A group of the catalogue by its label; an AppID signature as the device names it. */
export const applicationLabel = (name: string) => applicationCatalogue[name as ApplicationGroup]?.label ?? name.replace(/^junos:/, '');
