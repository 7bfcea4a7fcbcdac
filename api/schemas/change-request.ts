// What an ITSM change request may ask for: each operation is a kind of run the REST API starts,
// with the same parameters as its REST body (the ticket is the change request's number, the tenant
// the integration's). An RMA through ITSM names a spare that phoned home already: see
// api/runs/device-runs.ts for why no activation code goes through ITSM.
import { z } from 'zod';
import type { RunKind } from '../../generated/prisma/enums.ts';
import { networkServiceRequest } from '../../domain/network-service-request.ts';
import { campaignBody } from './campaign.ts';
import { policyDeploymentBody } from './policy-deployment.ts';
import { rmaRequest } from './rma.ts';
import { ticketSchema } from './ticket.ts';
import { versionNumber } from './version-number.ts';

const phoneHomeWithinMinutes = z.number().int().min(1).max(60 * 24 * 90).default(60 * 24 * 7).describe('How long the boxes have to phone home');

export const changeRequestOperations = {
  'site.onboard': z.object({ siteId: z.uuid(), phoneHomeWithinMinutes }),
  'site.decommission': z.object({ siteId: z.uuid() }),
  'device.upgrade': z.object({
    deviceId: z.uuid(),
    imageId: z.uuid().optional().describe("The catalogue image; by default the tenant's target for the device's model"),
  }),
  'campaign.launch': campaignBody.omit({ tenantId: true }),
  'device.rma': rmaRequest.omit({ admitBy: true, ticket: true }).extend({
    deviceId: z.uuid(),
    newSerial: rmaRequest.shape.newSerial.describe('A spare that phoned home already and waits among the unclaimed devices: it is admitted by the host key it reported'),
  }),
  'policy.deploy': policyDeploymentBody.omit({ ticket: true }).extend({
    rollbackTo: versionNumber().optional().describe('Deploy this earlier policy version again (a rollback)'),
  }),
  'network-service.instantiate': networkServiceRequest.extend({ siteId: z.uuid() }),
  'network-service.terminate': z.object({ networkServiceId: z.uuid() }),
};
export type ChangeRequestOperation = keyof typeof changeRequestOperations;
export const changeRequestOperationNames = Object.keys(changeRequestOperations) as [ChangeRequestOperation, ...ChangeRequestOperation[]];

/** The kind of run each operation starts: a ticket's run is found by it (api/runs/tickets.ts). */
export const runKindOfOperation: Record<ChangeRequestOperation, RunKind> = {
  'site.onboard': 'site_onboarding',
  'site.decommission': 'decommission',
  'device.upgrade': 'device_upgrade',
  'campaign.launch': 'upgrade_campaign',
  'device.rma': 'rma',
  'policy.deploy': 'policy_deployment',
  // A termination is the service's own run, asked through its update.
  'network-service.instantiate': 'network_service',
  'network-service.terminate': 'network_service',
};

/** The fields of a ServiceNow change_request that matter here, plus the operation and its parameters. */
export const changeRequest = z.object({
  number: ticketSchema.describe('The ticket number, e.g. CHG0030001: one ticket starts one run'),
  short_description: z.string().min(1).max(160),
  description: z.string().max(4000).optional(),
  sys_id: z.string().max(64).optional(),
  operation: z.enum(changeRequestOperationNames).describe(
    'site.onboard (siteId, phoneHomeWithinMinutes), site.decommission (siteId), device.upgrade (deviceId, imageId), '
    + 'campaign.launch (the body of POST /upgrade-campaigns, without tenantId), device.rma (deviceId, newSerial of a spare that phoned home, newModel, reason, phoneHomeWithinMinutes), '
    + 'policy.deploy (the body of POST /tenants/{id}/policy-deployments, and rollbackTo: a version), '
    + 'network-service.instantiate (siteId and the body of POST /sites/{id}/network-services), network-service.terminate (networkServiceId)',
  ),
  parameters: z.record(z.string(), z.unknown()),
});
