// A site's SLA push as its callers see it: input, result and the run's id. The same workflow
// answers a preview (dryRun): each device's own diff of the change, nothing committed.
export interface ApplySlaPoliciesInput {
  siteId: string;
  tenantId: string;
  /** Load, diff and discard on each device: what the push would change. */
  dryRun?: boolean;
  ticket?: string;
}

export interface SlaDeviceOutcome {
  deviceId: string;
  hostname: string;
  serial: string;
  changed: boolean;
  /** The device's diff (a preview only; a push's diff died with its candidate). */
  diff?: string;
  /** The configuration version the push recorded. */
  version?: number;
}

export interface ApplySlaPoliciesResult {
  siteId: string;
  devices: SlaDeviceOutcome[];
}

export const applySlaPoliciesWorkflowId = (siteId: string) => `sla-policies/${siteId}`;
/** A preview is its own short run: several may run beside a push. */
export const previewSlaPoliciesWorkflowId = (siteId: string, requestId: string) => `sla-preview/${siteId}/${requestId}`;
