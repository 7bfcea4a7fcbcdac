// A policy deployment's contract with its callers: input, progress, pause, resume and abort (the
// same updates as an upgrade campaign's), and the ids of the run and of each site in it (the
// site's child run in deployments begun before the sites were deployed in the deployment's run).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { PolicyDeploymentProgress } from '../domain/progress.ts';
import type { CampaignState } from './upgrade-campaign.messages.ts';

export type { PolicyDeploymentProgress };

export interface DeployPolicyInput {
  deploymentId: string;
  /** What an earlier run carried over by continue-as-new (a new deployment has none): the waves' dispatch, the dry run's counts, the retry deadline. */
  carried?: { state: CampaignState; dryRun: { changed: number; unchanged: number; failed: number }; deadline: string };
  /** Continue as new past this many history events, between sites (default 10,000; tests set fewer). */
  historyBudget?: number;
}

export interface DeployPolicySiteInput {
  deploymentId: string;
  siteId: string;
}

export interface DeployPolicySiteResult {
  siteId: string;
  devices: { hostname: string; serial: string; changed: boolean; version: number }[];
}

/** Why a site failed, in its failure's details: whether its devices run what they ran before. */
export interface PolicySiteFailureDetails {
  rolledBack: boolean;
}

export const policyDeploymentProgressQuery = defineQuery<PolicyDeploymentProgress>(progressQueryName);
export const pausePolicyDeploymentUpdate = defineUpdate<PolicyDeploymentProgress, []>('pause');
export const resumePolicyDeploymentUpdate = defineUpdate<PolicyDeploymentProgress, []>('resume');
export const abortPolicyDeploymentUpdate = defineUpdate<PolicyDeploymentProgress, [{ reason?: string }]>('abort');
export const deployPolicyWorkflowId = (deploymentId: string) => `deployPolicy/${deploymentId}`;
/** What a site's devices' leases say they are held for. */
export const policySiteLeasePurpose = (siteName: string) => `Policy deployment to ${siteName}`;
export const deployPolicySiteWorkflowId = (deploymentId: string, siteId: string) => `deployPolicy/${deploymentId}/${siteId}`;
