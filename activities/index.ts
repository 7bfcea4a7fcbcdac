// Every activity, built from its dependencies. Only the worker calls this (STYLE: the worker is
// the one place that wires implementations); workflows import the types.
import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import type { PrismaClient } from '../prisma/client.ts';
import { createDeviceActivities, type DeviceCredentials } from './devices/activities.ts';
import type { Transports } from './devices/drivers/contract.ts';
import { createCampaignActivities } from './campaigns.ts';
import { createCredentialActivities } from './credentials.ts';
import { failingFastOnDatabaseRefusals } from './database-refusals.ts';
import { createDeviceConfigurationActivities } from './device-configuration.ts';
import { createDriftActivities } from './devices/drift.ts';
import { createDeliveryActivities } from './events/deliveries.ts';
import type { WebhookDestinations } from '../runtime/webhook-destinations.ts';
import { createLeaseActivities } from './leases.ts';
import { createPolicyDeploymentActivities } from './policy-deployments.ts';
import { createRmaActivities } from './rma.ts';
import { createSiteActivities } from './sites.ts';
import { createSlaSteeringActivities } from './sla-steering.ts';
import { createVnfDeviceActivities } from './devices/vnf.ts';
import { createNetworkServiceActivities } from './network-services.ts';
import { createNetworkServiceCampaignActivities } from './network-service-campaigns.ts';
import { createVnfLifecycleActivities } from './vnf-lifecycle.ts';

export interface ActivityDependencies {
  prisma: PrismaClient;
  /** For activities that call the Temporal service for workflows (signal-with-start, describe). */
  client: Client;
  /** NETCONF sessions and SNMP, shared by every device activity of the worker. */
  transports: Transports;
  credentials: DeviceCredentials;
  /** The deployment's key: IKE pre-shared keys are derived from it, device credential profiles opened with it. */
  secretsKey: Buffer;
  /** The API's public URL, where devices download images. */
  imageBaseUrl: string;
  /** Where webhooks may go: public addresses and the networks the SP allows. */
  webhookDestinations: WebhookDestinations;
  /** Where Branchline's counters go (the worker's runtime meter, served on its /metrics); none when absent. */
  metrics?: MetricMeter;
}

export function createActivities(deps: ActivityDependencies) {
  return failingFastOnDatabaseRefusals({
    ...createLeaseActivities(deps),
    ...createSiteActivities(deps),
    ...createDeviceActivities(deps),
    ...createDeliveryActivities(deps),
    ...createCampaignActivities(deps),
    ...createRmaActivities(deps),
    ...createCredentialActivities(deps),
    ...createSlaSteeringActivities(deps),
    ...createDeviceConfigurationActivities(deps),
    ...createDriftActivities(deps),
    ...createPolicyDeploymentActivities(deps),
    ...createVnfLifecycleActivities(deps),
    ...createNetworkServiceActivities(deps),
    ...createNetworkServiceCampaignActivities(deps),
    ...createVnfDeviceActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
