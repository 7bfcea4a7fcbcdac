// A device upgrade's contract with its callers: input, result, progress and the run's id.
import { defineQuery } from '@temporalio/workflow';
import type { TargetImage } from '../domain/site-plan.ts';
import { progressQueryName } from '../domain/progress-query.ts';
import type { UpgradeProgress } from '../domain/progress.ts';

export interface UpgradeImage extends TargetImage {
  sizeBytes: number;
}

export interface UpgradeDeviceInput {
  deviceId: string;
  image: UpgradeImage;
  /** The campaign this upgrade belongs to, if any (its run summary then stays the campaign's). */
  campaignId?: string;
}

export interface UpgradeDeviceResult {
  deviceId: string;
  fromVersion: string;
  version: string;
  /** The device ran the image's version already: nothing was done. */
  alreadyOn: boolean;
}

export type { UpgradeProgress };

export const upgradeProgressQuery = defineQuery<UpgradeProgress>(progressQueryName);
export const upgradeDeviceWorkflowId = (deviceId: string, campaignId?: string) =>
  campaignId ? `upgrade/${campaignId}/${deviceId}` : `upgrade-device/${deviceId}`;
