// Decommissioning's contract with its callers: input, progress and the run's id.
import { defineQuery } from '@temporalio/workflow';
import { progressQueryName, type Step } from '../domain/progress.ts';

export interface DecommissionSiteInput {
  siteId: string;
  tenantId: string;
  ticket?: string;
}

export interface DecommissionProgress {
  siteId: string;
  state: 'running' | 'completed' | 'failed';
  steps: Step[];
  error: string | null;
}

export const decommissionProgressQuery = defineQuery<DecommissionProgress>(progressQueryName);
export const decommissionWorkflowId = (siteId: string) => `site-decommission/${siteId}`;
