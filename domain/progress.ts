// The progress of a run as the operator sees it, each shape written once as a zod schema: the
// workflows' progress queries answer these types (workflows/*.messages.ts), the API documents and
// answers them, and the UI shows them. The query's name is in progress-query.ts.
import { z } from 'zod';
import { campaignStatus, stepStatus } from './choices.ts';

export const stepStatusSchema = z.enum(stepStatus.values);
export type StepStatus = z.infer<typeof stepStatusSchema>;

/** A step of any run that reports its progress step by step (onboarding, decommissioning, ZTP, upgrades, RMA). */
export const stepSchema = z.object({
  name: z.string(),
  label: z.string(),
  status: stepStatusSchema,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  error: z.string().optional(),
  /** What the step found or did, in a few words ("upgraded to 23.2R1", "2 tunnels"). */
  detail: z.string().optional(),
});
export type Step = z.infer<typeof stepSchema>;

/**
 * A device's zero-touch provisioning as the run that wants it (an onboarding, an RMA) lists it:
 * provisioned in that run, with its serial and steps here; or in a ZTP child run (an RMA's, an
 * onboarding's begun before), whose own progress query shows them.
 */
export const ztpDeviceSchema = z.object({
  deviceId: z.string(),
  hostname: z.string(),
  /** The run it is provisioned in. */
  workflowId: z.string(),
  /** The box's serial, once it is admitted: set when provisioned in the run itself. */
  serial: z.string().nullable().optional(),
  steps: z.array(stepSchema).optional(),
});
export type ZtpDevice = z.infer<typeof ztpDeviceSchema>;

export const onboardingStateSchema = z.enum(['running', 'compensating', 'failed', 'completed', 'aborted']);
export type OnboardingState = z.infer<typeof onboardingStateSchema>;

export const onboardingProgressSchema = z.object({
  siteId: z.uuid(),
  siteName: z.string().nullable(),
  state: onboardingStateSchema,
  attempt: z.number().int(),
  steps: z.array(stepSchema),
  /** Each device's provisioning: its steps here, or in the ZTP child it names (runs begun before). */
  devices: z.array(ztpDeviceSchema),
  failedStep: z.string().nullable(),
  error: z.string().nullable(),
  deadline: z.string().nullable(),
});
export type OnboardingProgress = z.infer<typeof onboardingProgressSchema>;

export const decommissionProgressSchema = z.object({
  siteId: z.uuid(),
  state: z.enum(['running', 'completed', 'failed']),
  steps: z.array(stepSchema),
  error: z.string().nullable(),
});
export type DecommissionProgress = z.infer<typeof decommissionProgressSchema>;

export const ztpProgressSchema = z.object({
  deviceId: z.string(),
  hostname: z.string(),
  /** The box's serial, once it is admitted. */
  serial: z.string().nullable(),
  steps: z.array(stepSchema),
});
export type ZtpProgress = z.infer<typeof ztpProgressSchema>;

export const upgradeProgressSchema = z.object({
  deviceId: z.string(),
  hostname: z.string(),
  /** The image's version. */
  image: z.string(),
  state: z.enum(['running', 'completed', 'failed', 'rolled_back']),
  fromVersion: z.string().nullable(),
  steps: z.array(stepSchema),
  error: z.string().nullable(),
});
export type UpgradeProgress = z.infer<typeof upgradeProgressSchema>;

export const phaseProgressSchema = z.object({
  phase: z.number(),
  size: z.number(),
  upgraded: z.number(),
  skipped: z.number(),
  failed: z.number(),
});
export type PhaseProgress = z.infer<typeof phaseProgressSchema>;

export const campaignFailureSchema = z.object({
  deviceId: z.string(),
  hostname: z.string(),
  phase: z.number(),
  error: z.string(),
  rolledBack: z.boolean(),
});
export type CampaignFailure = z.infer<typeof campaignFailureSchema>;

/** A campaign's run is in one of the campaign's statuses, but never `scheduled`: that is before it runs. */
export const campaignStateSchema = z.enum(campaignStatus.values).exclude(['scheduled']);

export const campaignProgressSchema = z.object({
  campaignId: z.string(),
  state: campaignStateSchema,
  phase: z.number(),
  inFlight: z.number(),
  /** Devices waiting for their maintenance window or to answer again. */
  waiting: z.number(),
  phases: z.array(phaseProgressSchema),
  /** The first 500 failures, with why. */
  failures: z.array(campaignFailureSchema),
  haltedBecause: z.string().nullable(),
});
export type CampaignProgress = z.infer<typeof campaignProgressSchema>;

export const credentialRotationProgressSchema = z.object({
  deviceId: z.string(),
  hostname: z.string().nullable(),
  state: z.enum(['running', 'completed', 'rolled_back', 'failed']),
  /** The login user it replaces, and the new one (names only: never a secret). */
  previousUsername: z.string().nullable(),
  newUsername: z.string().nullable(),
  steps: z.array(stepSchema),
  error: z.string().nullable(),
});
export type CredentialRotationProgress = z.infer<typeof credentialRotationProgressSchema>;

export const deviceConfigurationProgressSchema = z.object({
  deviceId: z.string(),
  hostname: z.string().nullable(),
  /** Back to an earlier version, Branchline's last version pushed over a drift, or the device's change kept as a new version. */
  action: z.enum(['rollback', 're-apply', 'adopt']),
  /** The version pushed back (rollback, re-apply). */
  version: z.number().int().nullable(),
  state: z.enum(['running', 'completed', 'failed']),
  /** The version on record once done: new for a rollback or an adoption, the same for a re-apply. */
  recordedVersion: z.number().int().nullable(),
  steps: z.array(stepSchema),
  error: z.string().nullable(),
});
export type DeviceConfigurationProgress = z.infer<typeof deviceConfigurationProgressSchema>;

export const rmaProgressSchema = z.object({
  rmaId: z.string(),
  deviceId: z.string(),
  hostname: z.string().nullable(),
  state: z.enum(['running', 'completed', 'failed', 'aborted']),
  oldSerial: z.string().nullable(),
  newSerial: z.string(),
  steps: z.array(stepSchema),
  /** The ZTP child of the new box, whose own progress query shows its steps. */
  devices: z.array(ztpDeviceSchema),
  error: z.string().nullable(),
});
export type RmaProgress = z.infer<typeof rmaProgressSchema>;

/** A policy deployment (workflows/deploy-policy.ts): its dry run, then its waves (each a phase of the campaign dispatcher). */
export const policyDeploymentProgressSchema = z.object({
  deploymentId: z.string(),
  state: z.enum(['dry_run', 'running', 'paused', 'completed', 'completed_with_failures', 'halted', 'aborted']),
  stage: z.enum(['dry-run', 'waves', 'done']),
  /** What the dry run found, once it ran. */
  dryRun: z.object({ changed: z.number(), unchanged: z.number(), failed: z.number() }),
  wave: z.number(),
  inFlight: z.number(),
  /** Per wave: sites deployed (`upgraded`), skipped and failed. */
  waves: z.array(phaseProgressSchema),
  /** Sites whose deployment failed (the first 500), each rolled back on its devices when it says so. */
  failures: z.array(campaignFailureSchema),
  haltedBecause: z.string().nullable(),
});
export type PolicyDeploymentProgress = z.infer<typeof policyDeploymentProgressSchema>;
