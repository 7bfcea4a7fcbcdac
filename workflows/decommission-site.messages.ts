// Decommissioning's contract with its callers: input, progress and the run's id.
import { defineQuery } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { DecommissionProgress } from '../domain/progress.ts';

export interface DecommissionSiteInput {
  siteId: string;
  tenantId: string;
  ticket?: string;
}

export type { DecommissionProgress };

export const decommissionProgressQuery = defineQuery<DecommissionProgress>(progressQueryName);
export const decommissionWorkflowId = (siteId: string) => `site-decommission/${siteId}`;
