// A bulk upgrade as the operator plans it: which devices (a filter), which image, how (strategy,
// phases, failure budgets), when (maintenance window, deadline). One schema for the API and the
// Bulk-upgrade wizard, built step by step: each step extends the one before, and the last is the
// body POST /upgrade-campaigns accepts.
import { z } from 'zod';
import { tenantChoice } from './messages.ts';

export const campaignStrategies = ['canary', 'serial', 'all_at_once'] as const;
/** A canary campaign's phases at most; the others have one. */
export const maxCampaignPhases = 10;

/** Canary phases: cumulative percentages of what a campaign changes, the first its canary. */
export const canaryPhases = z.array(z.number('are whole percentages').int('are whole percentages').min(1).max(100)).min(1).max(maxCampaignPhases)
  .refine((p) => p.every((value, i) => i === 0 || value > p[i - 1]!) && p.at(-1) === 100, 'are cumulative percentages, rising, ending at 100');

export const maintenanceWindow = z.object({
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'is a local time of day, HH:MM'),
  durationMinutes: z.number('is a number of minutes').int().min(15, 'is at least 15 minutes').max(24 * 60, 'is at most 24 hours (1440 minutes)'),
  days: z.array(z.number().int().min(0).max(6)).min(1, 'needs at least one day').max(7).optional().describe('0 = Sunday … 6 = Saturday; every day when absent'),
}).describe("Applied in each site's own time zone");

export const campaignDevicesStep = z.object({
  tenantId: tenantChoice,
  name: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
  filter: z.object({
    siteIds: z.array(z.uuid()).max(10_000).optional(),
    siteTags: z.array(z.string().max(41)).max(20).optional().describe('Sites carrying any of these tags (a site group)'),
    currentVersions: z.array(z.string().max(40)).max(20).optional(),
  }).default({}),
});

export const campaignImageStep = campaignDevicesStep.extend({
  imageId: z.uuid('is required: choose an image from the catalogue'),
});

export const campaignStrategyStep = campaignImageStep.extend({
  strategy: z.enum(campaignStrategies).default('canary'),
  phases: canaryPhases.default([1, 10, 50, 100]).describe('Canary phases as cumulative percentages of the devices'),
  concurrency: z.number('is a number of devices').int().min(1, 'is at least 1').max(500, 'is at most 500').default(10),
  failureBudgetPct: z.number('is a percentage').min(0, 'is from 0 to 100').max(100, 'is from 0 to 100').default(5),
  phaseFailureBudgetPct: z.number('is a percentage').min(0, 'is from 0 to 100').max(100, 'is from 0 to 100').optional(),
});

export const campaignScheduleStep = campaignStrategyStep.extend({
  maintenanceWindow: maintenanceWindow.optional(),
  deadlineHours: z.number('is a number of hours').int().min(1, 'is at least 1 hour').max(24 * 90, 'is at most 90 days (2160 hours)').default(72)
    .describe('Devices not answering are tried again until then'),
});

/** What POST /upgrade-campaigns (and its preview) accepts. */
export const campaignBody = campaignScheduleStep;
export type CampaignBody = z.infer<typeof campaignBody>;

