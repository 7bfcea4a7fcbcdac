// A device's configuration rolled back, re-applied or adopted (`device-configuration/<deviceId>`,
// one at a time per device): input, result, progress and the run's id.
import { defineQuery } from '@temporalio/workflow';
import { progressQueryName } from '../domain/progress-query.ts';
import type { DeviceConfigurationProgress } from '../domain/progress.ts';

export interface RestoreConfigurationInput {
  deviceId: string;
  version: number;
  /** A rollback records a new version restoring `version`; a re-apply pushes the newest version back over a drift. */
  action: 'rollback' | 're-apply';
  ticket?: string;
}

export interface AdoptConfigurationInput {
  deviceId: string;
  ticket?: string;
}

export interface DeviceConfigurationResult {
  deviceId: string;
  /** The version on record once done. */
  version: number;
  /** Whether the device's configuration changed. */
  changed: boolean;
}

export type { DeviceConfigurationProgress };

export const deviceConfigurationProgressQuery = defineQuery<DeviceConfigurationProgress>(progressQueryName);
export const deviceConfigurationWorkflowId = (deviceId: string) => `device-configuration/${deviceId}`;
