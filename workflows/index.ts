// The workflows the worker bundles. One workflow per file; this barrel only re-exports.
export { applySlaPolicies } from './apply-sla-policies.ts';
export { decommissionSite } from './decommission-site.ts';
export { deliverWebhook } from './deliver-webhook.ts';
export { deviceLease } from './device-lease.ts';
export { onboardSite } from './onboard-site.ts';
export { rma } from './rma.ts';
export { rotateCredentials } from './rotate-credentials.ts';
export { slaSteering } from './sla-steering.ts';
export { runTelemetry } from './run-telemetry.ts';
export { tunnelChanges } from './tunnel-changes.ts';
export { upgradeCampaign } from './upgrade-campaign.ts';
export { upgradeDevice } from './upgrade-device.ts';
export { vnfLifecycle } from './vnf-lifecycle.ts';
export { ztp } from './ztp.ts';
