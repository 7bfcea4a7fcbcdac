// Zero-touch provisioning's contract with its callers: input, result, the phone-home signal,
// progress and the run's id.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DeviceTarget, TargetImage } from '../domain/site-plan.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import { progressQueryName } from '../domain/progress-query.ts';
import type { ZtpProgress } from '../domain/progress.ts';

/** What a box says when it phones home, once the API has checked its serial and activation code. */
export interface PhoneHome {
  serial: string;
  model: string;
  softwareVersion: string;
  address: string;
  netconfPort: number;
  snmpPort: number;
  hostKeySha256: string;
}

export interface ZtpInput {
  /**
   * Only wait for the box and admit it, then end (nothing is pushed): a mesh site's boxes phone
   * home before it takes its turn in the tenant's mesh, and a second provisioning, `admitted`,
   * configures them.
   */
  admitOnly?: boolean;
  deviceId: string;
  siteId: string;
  tenantId: string;
  hostname: string;
  model: string;
  /** Until when to wait for the box (ISO time): the site's provisioning deadline. */
  deadline: string;
  /** Set when the device was admitted already (a retried onboarding): no phone-home is awaited. */
  admitted?: DeviceTarget;
  targetImage?: TargetImage;
  /** Left out when stage 2 is a whole configuration on record (a replacement box): it goes in alone. */
  stage1?: string;
  stage2: string;
  stage1Checks: PostCheck[];
  stage2Checks: PostCheck[];
}

export interface ZtpResult {
  target: DeviceTarget;
  /** As the box reported it (as it phoned home, when `admitOnly`). */
  softwareVersion: string;
  /** 0 when `admitOnly`: nothing was committed. */
  configVersion: number;
}

export type { ZtpProgress };

export const phoneHomeSignal = defineSignal<[PhoneHome]>('phoneHome');
export const ztpProgressQuery = defineQuery<ZtpProgress>(progressQueryName);
export const ztpWorkflowId = (deviceId: string) => `ztp/${deviceId}`;
