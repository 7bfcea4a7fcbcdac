// A credential rotation's contract with its callers: input, result, progress and the run's id.
import { defineQuery } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { CredentialRotationProgress } from '../domain/progress.ts';

export interface RotateCredentialsInput {
  deviceId: string;
  ticket?: string;
}

export interface RotateCredentialsResult {
  deviceId: string;
  previousUsername: string;
  newUsername: string;
  /** The device's own credential profile, which holds the new login now. */
  profileId: string;
  /** The login users removed from the device (none when the old one was its initial account, not a configured user). */
  retired: string[];
}

export type { CredentialRotationProgress };

export const credentialRotationProgressQuery = defineQuery<CredentialRotationProgress>(progressQueryName);
export const credentialRotationWorkflowId = (deviceId: string) => `credential-rotation/${deviceId}`;
