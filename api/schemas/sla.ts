// SLA profiles and application SLA policies as the API and the SLA policy wizard take them: one
// schema each, every field checked where it is, the presets and catalogue from domain/sla.ts.
import { z } from 'zod';
import { tenantChoice } from './messages.ts';
import { wanLinkType } from '../../domain/choices.ts';
import {
  applicationCatalogue, applicationGroups, costModes, fallbackModes, signaturePattern, slaMatches, slaPresetNames,
} from '../../domain/sla.ts';

const name = z.string().trim().min(1, 'is required').max(63, 'is at most 63 characters (a Junos metrics profile name)');

/** Thresholds as a device holds them: round trip and jitter up to a minute, loss in per mille. */
export const slaThresholdFields = {
  maxLatencyMs: z.number().int('is whole milliseconds').min(1, 'is at least 1 ms').max(60_000, 'is at most 60000 ms').describe('Round-trip time'),
  maxJitterMs: z.number().int('is whole milliseconds').min(1, 'is at least 1 ms').max(60_000, 'is at most 60000 ms'),
  maxLossPermille: z.number().int('is whole per mille').min(0, 'cannot be negative').max(1000, 'is at most 1000 ‰'),
  match: z.enum(slaMatches).describe('Violated when any one threshold is crossed, or only when all are'),
};

/** A new profile: a preset's figures, any of them overridden, or every figure given. */
export const slaProfileInput = z.object({
  tenantId: tenantChoice,
  name,
  preset: z.enum(slaPresetNames, 'is liberal, baseline or conservative').optional(),
  ...Object.fromEntries(Object.entries(slaThresholdFields).map(([key, field]) => [key, field.optional()])) as {
    [K in keyof typeof slaThresholdFields]: z.ZodOptional<(typeof slaThresholdFields)[K]>
  },
}).strict().superRefine((profile, ctx) => {
  if (profile.preset) return;
  for (const key of ['maxLatencyMs', 'maxJitterMs', 'maxLossPermille'] as const) {
    if (profile[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required without a preset' });
  }
});

export const slaProfileChange = z.object({ name, ...slaThresholdFields }).partial().strict();


const application = z.string().refine((value) => value in applicationCatalogue || signaturePattern.test(value),
  `is an application group (${applicationGroups.join(', ')}) or an AppID signature such as junos:SIP`);

const tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'tags are lowercase letters, digits and hyphens');

const policyFields = {
  name,
  applications: z.array(application).min(1, 'names at least one application').max(100),
  slaProfileId: z.uuid('must be an SLA profile id'),
  preferredLinkTypes: z.array(z.enum(wanLinkType.values)).max(wanLinkType.values.length)
    .refine((types) => new Set(types).size === types.length, 'names each link type once').describe('Most preferred first'),
  costMode: z.enum(costModes).describe('preference, or bandwidth_optimised: the cheapest compliant link'),
  fallback: z.enum(fallbackModes).describe('When no link complies: best_path (within fallbackVarianceMs), or strict'),
  fallbackVarianceMs: z.number().int().min(0).max(10_000),
  breakout: z.enum(['local', 'central']).describe('local: out of the branch by the chosen link; central: through the hub over the overlay, the preferred links as fallback when the hub\'s path breaks the SLA'),
  priority: z.number().int().min(1).max(10_000).describe('Lower first: an application two policies name follows the first'),
  siteTags: z.array(tag).max(20).describe('Site groups: every site carrying one of these tags takes the policy'),
  flapThreshold: z.number().int().min(1).max(100).describe('Times a link may fall out of the SLA within flapWindowSeconds before it is held down'),
  flapWindowSeconds: z.number().int().min(1).max(86_400),
  holdDownSeconds: z.number().int().min(1).max(86_400).describe('How long a flapping link is kept from the applications'),
  smoothingWindowSeconds: z.number().int().min(1).max(3_600).describe('How long a better link must comply before applications go back to it; a violation lasting as long raises an alarm'),
};

export const appSlaPolicyInput = z.object({
  tenantId: tenantChoice,
  ...policyFields,
  preferredLinkTypes: policyFields.preferredLinkTypes.default([]),
  costMode: policyFields.costMode.default('preference'),
  fallback: policyFields.fallback.default('best_path'),
  fallbackVarianceMs: policyFields.fallbackVarianceMs.default(20),
  breakout: policyFields.breakout.default('local'),
  priority: policyFields.priority.default(100),
  siteTags: policyFields.siteTags.default([]),
  // Versa's dampening defaults: a flap threshold of 2 in 300 s, a hold-down of 900 s.
  flapThreshold: policyFields.flapThreshold.default(2),
  flapWindowSeconds: policyFields.flapWindowSeconds.default(300),
  holdDownSeconds: policyFields.holdDownSeconds.default(900),
  smoothingWindowSeconds: policyFields.smoothingWindowSeconds.default(60),
}).strict();

export const appSlaPolicyChange = z.object(policyFields).partial().strict();
