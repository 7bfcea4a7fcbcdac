// Site onboarding's contract with its callers: input, result, progress, a box's phone-home, the
// operator's retry and abort, and the run's id.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { OnboardingProgress } from '../domain/progress.ts';
import type { PhoneHome } from './ztp.messages.ts';

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

export type { OnboardingProgress };

export interface OnboardSiteResult {
  siteId: string;
  attempts: number;
  devices: { deviceId: string; serial: string; softwareVersion: string; configVersion: number }[];
}

export const onboardingProgressQuery = defineQuery<OnboardingProgress>(progressQueryName);
/** Allowed only while the run waits for a decision after a failure. */
export const retryOnboardingUpdate = defineUpdate<{ attempt: number }, []>('retry');
export const abortOnboardingUpdate = defineUpdate<{ aborted: true }, [{ reason?: string }]>('abort');
/**
 * A box of the site phoned home (the API checked its serial and code): refused unless the run
 * waits for that box now, provisioning it in the run itself. (Runs begun before that, and an
 * RMA's new box, wait in a ZTP run of their own, signalled `phoneHome`.)
 */
export const boxPhonedHomeUpdate = defineUpdate<void, [PhoneHome & { deviceId: string }]>('boxPhonedHome');
export const onboardingWorkflowId = (siteId: string) => `site-onboard/${siteId}`;
