// A policy deployment's strategy as the API and ITSM take it: how many sites at once, the failure
// budget, the waves, and whether it only previews.
import { z } from 'zod';

export const deploymentStrategy = {
  concurrency: z.number().int().min(1).max(500).default(10).describe('Sites deployed at once'),
  failureBudgetPct: z.number().int().min(0).max(100).default(10).describe('Nothing new starts once more sites than this failed'),
  waveSizes: z.array(z.number().int().min(1).max(100_000)).max(10).default([]).describe('Sites per wave, in order; the last wave takes the rest'),
  note: z.string().max(500).optional(),
};

export const policyDeploymentBody = z.object({
  dryRun: z.boolean().default(false).describe('Preview each site only: its diff, or no change'),
  ...deploymentStrategy,
  ticket: z.string().min(1).max(100).optional(),
}).strict();
