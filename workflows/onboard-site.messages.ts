// Site onboarding's contract with its callers: input, result, progress, the operator's retry and
// abort, and the run's id.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { progressQueryName, type Step } from '../domain/progress.ts';

export interface OnboardSiteInput {
  siteId: string;
  tenantId: string;
  /** The ITSM ticket that asked for it, if any. */
  ticket?: string;
  /** How long the boxes have to phone home; seven days unless said otherwise. */
  phoneHomeWithin?: Duration;
  /** How long a failed onboarding waits for the operator to retry or abort; thirty days unless said otherwise. */
  decisionWithin?: Duration;
}

export type OnboardingState = 'running' | 'compensating' | 'failed' | 'completed' | 'aborted';

export interface OnboardingProgress {
  siteId: string;
  siteName: string | null;
  state: OnboardingState;
  attempt: number;
  steps: Step[];
  /** The ZTP children, whose own progress query shows each device's steps. */
  devices: { deviceId: string; hostname: string; workflowId: string }[];
  failedStep: string | null;
  error: string | null;
  deadline: string | null;
}

export interface OnboardSiteResult {
  siteId: string;
  attempts: number;
  devices: { deviceId: string; serial: string; softwareVersion: string; configVersion: number }[];
}

export const onboardingProgressQuery = defineQuery<OnboardingProgress>(progressQueryName);
/** Allowed only while the run waits for a decision after a failure. */
export const retryOnboardingUpdate = defineUpdate<{ attempt: number }, []>('retry');
export const abortOnboardingUpdate = defineUpdate<{ aborted: true }, [{ reason?: string }]>('abort');
export const onboardingWorkflowId = (siteId: string) => `site-onboard/${siteId}`;
