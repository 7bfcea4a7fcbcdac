// How the wizard names the API's strategies and days, in the operator's words.
import type { campaignStrategies } from '../../../../api/schemas/campaign.ts';

export const strategyLabels: Record<(typeof campaignStrategies)[number], string> = {
  canary: 'Canary, in phases',
  serial: 'One device at a time',
  all_at_once: 'All at once (up to the concurrency)',
};

/** The API's day numbers: 0 = Sunday … 6 = Saturday. */
export const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
