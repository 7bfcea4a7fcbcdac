// The SLA policy wizard's steps. The wizard makes three things the API keeps apart — an SLA profile
// (or picks one), an application SLA policy, and the sites it is attached to — so its draft is the
// policy as POST /app-sla-policies takes it, with the profile nested under `profile` (its fields
// are the API's own) and the sites as `siteIds`. Every field schema comes from api/schemas/sla.ts.
import { z } from 'zod';
import { appSlaPolicyInput, slaProfileChange, slaThresholdFields } from '../../../../api/schemas/sla.ts';
import { slaPresetNames } from '../../../../domain/sla.ts';
import type { WizardStepDefinition } from '../wizard.svelte.ts';

const policy = appSlaPolicyInput.shape;

/** A profile of the tenant's, or a new one: a preset's figures (any changed makes it custom), or figures alone. */
export const profileChoice = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('existing'), slaProfileId: z.uuid('is required: choose a profile') }),
  z.object({ mode: z.literal('new'), name: slaProfileChange.shape.name.unwrap(), preset: z.enum(slaPresetNames).optional(), ...slaThresholdFields }),
]);

export const slaProfileStep = z.object({ tenantId: z.uuid('is required: choose a tenant'), profile: profileChoice });
export const slaApplicationsStep = slaProfileStep.extend({ name: policy.name, applications: policy.applications });
export const slaLinksStep = slaApplicationsStep.extend({
  preferredLinkTypes: policy.preferredLinkTypes, costMode: policy.costMode, fallback: policy.fallback,
  fallbackVarianceMs: policy.fallbackVarianceMs, breakout: policy.breakout,
  flapThreshold: policy.flapThreshold, flapWindowSeconds: policy.flapWindowSeconds,
  holdDownSeconds: policy.holdDownSeconds, smoothingWindowSeconds: policy.smoothingWindowSeconds,
});
export const slaSitesStep = slaLinksStep.extend({
  siteIds: z.array(z.uuid()).min(1, 'names at least one site: the policy steers nothing until a site takes it')
    .max(50, 'names at most 50 sites: attach more by a site group (tag) through the API'),
});

export type SlaPolicyDraft = z.infer<typeof slaSitesStep>;
export type ProfileChoice = z.infer<typeof profileChoice>;

export const slaPolicySteps = {
  profile: { id: 'profile', title: 'SLA profile', schema: slaProfileStep },
  applications: { id: 'applications', title: 'Applications', schema: slaApplicationsStep },
  links: { id: 'links', title: 'Links and cost', schema: slaLinksStep },
  sites: { id: 'sites', title: 'Sites', schema: slaSitesStep },
} satisfies Record<string, WizardStepDefinition>;
