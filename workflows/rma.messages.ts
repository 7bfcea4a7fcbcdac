// A device replacement's contract with its callers: input, result, progress and the run's id.
import type { Duration } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { RmaProgress } from '../domain/progress.ts';

export type RmaInput = {
  rmaId: string;
  deviceId: string;
  newSerial: string;
  /** The replacement's model when it differs from the failed box's: it must be a documented replacement (domain/device-models.ts). */
  newModel?: string;
  reason?: string;
  ticket?: string;
  /** How long the new box has to phone home; seven days unless said otherwise. */
  phoneHomeWithin?: Duration;
} & (
  /** The sha256 of the one-time activation code the API gave the operator; the code itself never enters the history. */
  | { activationCodeHash: string; hostKeySha256?: undefined }
  /** A spare that phoned home already (an unclaimed box): admitted by the host key it reported, with no code. */
  | { hostKeySha256: string; activationCodeHash?: undefined }
);

export interface RmaResult {
  rmaId: string;
  deviceId: string;
  oldSerial: string;
  newSerial: string;
  configVersion: number;
  softwareVersion: string;
  tunnelsRestored: number;
}

export type { RmaProgress };

export const rmaProgressQuery = defineQuery<RmaProgress>(progressQueryName);
export const rmaWorkflowId = (deviceId: string) => `rma/${deviceId}`;
