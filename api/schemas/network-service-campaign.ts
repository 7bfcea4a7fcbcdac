// A network-service campaign as the operator asks for it: which function of the template version
// (its place in the chain), the package it moves to, and how (canary phases, concurrency, failure
// budget). One schema for the API and the template page's form.
import { z } from 'zod';
import { maxChainFunctions } from '../../domain/network-service.ts';
import { canaryPhases } from './campaign.ts';

export const networkServiceCampaignBody = z.object({
  position: z.number('is a function of the chain').int().min(0).max(maxChainFunctions - 1).describe("The function's place in the chain, from 0"),
  packageId: z.uuid('is required: choose a package of the same product'),
  phases: canaryPhases.default([1, 100]).describe('Cumulative percentages of the services; the first phase is the canary (at least one service)'),
  concurrency: z.number('is a number of services').int().min(1, 'is at least 1').max(100, 'is at most 100').default(5),
  failureBudgetPct: z.number('is a percentage').int('is a whole percentage').min(0, 'is from 0 to 100').max(100, 'is from 0 to 100').default(0)
    .describe('The campaign halts once a greater share of the changes finished has failed (0: at the first failure)'),
  ticket: z.string().min(1).max(100).optional(),
}).strict();
export type NetworkServiceCampaignBody = z.infer<typeof networkServiceCampaignBody>;
