// An upgrade campaign's contract with its callers: input, progress, pause, resume and abort, and
// the run's id.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress.ts';

export interface CampaignFailure {
  deviceId: string;
  hostname: string;
  phase: number;
  error: string;
  rolledBack: boolean;
}

export interface PhaseProgress {
  phase: number;
  size: number;
  upgraded: number;
  skipped: number;
  failed: number;
}

export interface CampaignProgress {
  campaignId: string;
  state: 'running' | 'paused' | 'completed' | 'halted' | 'aborted';
  phase: number;
  inFlight: number;
  /** Devices waiting for their maintenance window or to answer again. */
  waiting: number;
  phases: PhaseProgress[];
  /** The first 500 failures, with why. */
  failures: CampaignFailure[];
  haltedBecause: string | null;
}

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
