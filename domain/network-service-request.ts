// What an operator asks for when a network-service template is instantiated, as the API and the
// UI's wizard validate it. Kept apart from network-service.ts, which the workflows use: zod's
// schemas cost milliseconds to build and the workflow bundle builds every module once per run.
import { z } from 'zod';
import { maxChainFunctions } from './network-service.ts';
import { vnfHealingPolicy } from './vnf-lifecycle.ts';

/** One function's choices when a template is instantiated: its flavour (default the template's) and day-1 parameters. */
export const networkServiceFunctionRequest = z.object({
  flavour: z.string().min(1).max(31).optional(),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

/** Instantiate a template on a site's uCPE: one entry per function of the template, in chain order. */
export const networkServiceRequest = z.object({
  templateId: z.uuid(),
  /** The uCPE (default: the site's first device that hosts VNFs). */
  deviceId: z.uuid().optional(),
  functions: z.array(networkServiceFunctionRequest).max(maxChainFunctions).default([]),
  healing: vnfHealingPolicy.partial().optional(),
});
export type NetworkServiceRequest = z.infer<typeof networkServiceRequest>;
