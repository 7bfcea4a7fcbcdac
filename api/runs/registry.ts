// The run registry: the one place the API starts and steers workflows, for the REST routes and ITSM
// change requests alike. Each kind the API can start has one function that checks the request,
// starts the run under its business id with its search attributes and its rule for a run already
// under way, honours its ticket (one ticket, one run) and writes its audit entry; the run writes its
// own summary as it begins. The operator's decisions on open runs go through one `decide`.
//
// | kind               | workflow id                     | a run of that id open already      |
// |--------------------|---------------------------------|------------------------------------|
// | site onboarding    | site-onboard/<siteId>           | joined (started: false)            |
// | site decommission  | site-decommission/<siteId>      | joined                             |
// | device upgrade     | upgrade-device/<deviceId>       | joined                             |
// | upgrade campaign   | upgrade-campaign/<campaignId>   | cannot be: each launch is new      |
// | RMA                | rma/<deviceId>                  | refused (409): one replacement at a time |
// | credential rotation| credential-rotation/<deviceId>  | joined                             |
// | SLA policies push  | sla-policies/<siteId>           | joined                             |
// | config rollback, re-apply, adopt | device-configuration/<deviceId> | refused (409): one at a time |
// | policy deployment  | deployPolicy/<deploymentId>     | cannot be: each deployment is new  |
// | VNF instance       | vnf/<instanceId>                | cannot be: each instance is new; the same one asked while it is instantiated is refused (409) |
// | network service    | network-service/<id>            | cannot be: each service is new; the same one asked while it is instantiated is refused (409) |
// | network-service campaign | network-service-campaign/<campaignId> | cannot be: each launch is new; the same change while one is under way is refused (409) |
import type { WorkflowHandle } from '@temporalio/client';
import { launchCampaign, type CampaignRequest } from './campaign-runs.ts';
import { startConfigurationRun, type ConfigurationRequest } from './configuration-runs.ts';
import {
  startCredentialRotation, startDeviceUpgrade, startReplacement, type CredentialRotationRequest, type DeviceUpgradeRequest, type ReplacementRequest,
} from './device-runs.ts';
import type { Origin, RunDependencies } from './launch.ts';
import { startDecommission, startOnboarding, type DecommissionRequest, type OnboardingRequest } from './site-runs.ts';
import { startPolicyDeployment, type PolicyDeploymentRequest } from './policy-runs.ts';
import { previewSlaPush, startSlaPush, type SlaPushRequest } from './sla-runs.ts';
import { decide, type Decision } from './steer.ts';
import { startVnfInstance, type VnfInstanceRequest } from './vnf-runs.ts';
import { startNetworkService, terminateNetworkService, type NetworkServiceStart } from './network-service-runs.ts';
import { startNetworkServiceCampaign } from './network-service-campaign-runs.ts';
import type { NetworkServiceCampaignBody } from '../schemas/network-service-campaign.ts';

export type { Origin, RunDependencies } from './launch.ts';

export function createRunRegistry(deps: RunDependencies) {
  return {
    startOnboarding: (origin: Origin, request: OnboardingRequest) => startOnboarding(deps, origin, request),
    startDecommission: (origin: Origin, request: DecommissionRequest) => startDecommission(deps, origin, request),
    startDeviceUpgrade: (origin: Origin, request: DeviceUpgradeRequest) => startDeviceUpgrade(deps, origin, request),
    launchCampaign: (origin: Origin, request: CampaignRequest) => launchCampaign(deps, origin, request),
    startReplacement: (origin: Origin, request: ReplacementRequest) => startReplacement(deps, origin, request),
    startCredentialRotation: (origin: Origin, request: CredentialRotationRequest) => startCredentialRotation(deps, origin, request),
    startConfigurationRun: (origin: Origin, request: ConfigurationRequest) => startConfigurationRun(deps, origin, request),
    startSlaPush: (origin: Origin, request: SlaPushRequest) => startSlaPush(deps, origin, request),
    startVnfInstance: (origin: Origin, request: VnfInstanceRequest) => startVnfInstance(deps, origin, request),
    startNetworkService: (origin: Origin, siteId: string, request: NetworkServiceStart) => startNetworkService(deps, origin, siteId, request),
    terminateNetworkService: (origin: Origin, request: { networkServiceId: string; ticket?: string | undefined }) => terminateNetworkService(deps, origin, request),
    startNetworkServiceCampaign: (origin: Origin, templateId: string, request: NetworkServiceCampaignBody) => startNetworkServiceCampaign(deps, origin, templateId, request),
    previewSlaPush: (origin: Origin, siteId: string) => previewSlaPush(deps, origin.principal, siteId),
    startPolicyDeployment: (origin: Origin, request: PolicyDeploymentRequest) => startPolicyDeployment(deps, origin, request),
    decide: <T>(origin: Origin, decision: Decision<T>, act: (run: WorkflowHandle) => Promise<T>) => decide(deps, origin, decision, act),
  };
}
export type RunRegistry = ReturnType<typeof createRunRegistry>;
