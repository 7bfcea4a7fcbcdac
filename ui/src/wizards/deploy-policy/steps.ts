// The policy deployment wizard's steps, cumulative, over the API's own body
// (api/schemas/policy-deployment.ts): scope and options → the dry run (adds nothing: it shows what
// the options' deployment would change) → strategy → review. The last schema is the body the
// deploy posts (with dryRun false).
import { z } from 'zod';
import { policyDeploymentBody } from '../../../../api/schemas/policy-deployment.ts';
import type { WizardStepDefinition } from '../wizard.svelte.ts';

// Not strict: the draft holds the strategy's defaults from the start, which the first steps leave
// for later (a strict pick refused them, and the wizard never got past its first step).
export const deployOptionsStep = z.object(policyDeploymentBody.shape).pick({ note: true, ticket: true });
export const deployDryRunStep = deployOptionsStep.extend({});
export const deployStrategyStep = policyDeploymentBody.omit({ dryRun: true });

export const deployPolicySteps = (dryRun: (parsed: object) => Promise<unknown>): [...WizardStepDefinition[], WizardStepDefinition<typeof deployStrategyStep>] => [
  { id: 'options', title: 'Scope and options', schema: deployOptionsStep, check: dryRun },
  { id: 'dry-run', title: 'Dry run', schema: deployDryRunStep },
  { id: 'strategy', title: 'Strategy', schema: deployStrategyStep },
];
