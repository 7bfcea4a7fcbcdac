// An upgrade campaign's contract with its callers: input, progress, pause, resume and abort, and
// the run's id.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { CampaignFailure, CampaignProgress, PhaseProgress } from '../domain/progress.ts';

export type { CampaignFailure, CampaignProgress, PhaseProgress };

/** What the run carries over when it continues as new. */
export interface CampaignState {
  phase: number;
  phases: PhaseProgress[];
  failures: CampaignFailure[];
  failedCount: number;
  paused: boolean;
  aborted: boolean;
  retryAt: Record<string, number>;
}

export interface UpgradeCampaignInput {
  campaignId: string;
  state?: CampaignState;
}

export const campaignProgressQuery = defineQuery<CampaignProgress>(progressQueryName);
export const pauseCampaignUpdate = defineUpdate<CampaignProgress, []>('pause');
export const resumeCampaignUpdate = defineUpdate<CampaignProgress, []>('resume');
export const abortCampaignUpdate = defineUpdate<CampaignProgress, [{ reason?: string }]>('abort');
export const campaignWorkflowId = (campaignId: string) => `upgrade-campaign/${campaignId}`;
