// What a run acts on, named as the operator knows it (a site, a device, a campaign…), read from
// its business workflow id (DESIGN §4: the id names its object) so lists never show a bare
// `site-onboard/<uuid>`. The prefixes are the workflows' own id functions, asked with no id.
import { z } from 'zod';
import type { PrismaClient } from '../../prisma/client.ts';
import { applySlaPoliciesWorkflowId } from '../../workflows/apply-sla-policies.messages.ts';
import { decommissionWorkflowId } from '../../workflows/decommission-site.messages.ts';
import { deployPolicyWorkflowId } from '../../workflows/deploy-policy.messages.ts';
import { deviceConfigurationWorkflowId } from '../../workflows/device-configuration.messages.ts';
import { onboardingWorkflowId } from '../../workflows/onboard-site.messages.ts';
import { rmaWorkflowId } from '../../workflows/rma.messages.ts';
import { credentialRotationWorkflowId } from '../../workflows/rotate-credentials.messages.ts';
import { campaignWorkflowId } from '../../workflows/upgrade-campaign.messages.ts';
import { upgradeDeviceWorkflowId } from '../../workflows/upgrade-device.messages.ts';
import { vnfWorkflowId } from '../../workflows/vnf-lifecycle.messages.ts';
import { networkServiceCampaignWorkflowId } from '../../workflows/network-service-campaign.messages.ts';
import { serviceCampaignName } from '../../inventory/network-service-campaigns.ts';
import { ztpWorkflowId } from '../../workflows/ztp.messages.ts';

export const subjectTypes = ['site', 'device', 'campaign', 'policy_deployment', 'vnf_instance', 'network_service_campaign'] as const;
type SubjectType = (typeof subjectTypes)[number];

export const runSubject = z.object({
  type: z.enum(subjectTypes),
  id: z.uuid(),
  name: z.string().describe('The site, device (hostname), campaign or VNF instance by name; a policy deployment by its version'),
  siteId: z.uuid().nullable(),
  siteName: z.string().nullable().describe("For a device or VNF instance: its site's name"),
}).openapi('RunSubject');
export type RunSubject = z.infer<typeof runSubject>;

const prefixes: [string, SubjectType][] = [
  [onboardingWorkflowId(''), 'site'],
  [decommissionWorkflowId(''), 'site'],
  [applySlaPoliciesWorkflowId(''), 'site'],
  [upgradeDeviceWorkflowId(''), 'device'],
  [rmaWorkflowId(''), 'device'],
  [credentialRotationWorkflowId(''), 'device'],
  [deviceConfigurationWorkflowId(''), 'device'],
  [ztpWorkflowId(''), 'device'],
  [campaignWorkflowId(''), 'campaign'],
  [deployPolicyWorkflowId(''), 'policy_deployment'],
  [vnfWorkflowId(''), 'vnf_instance'],
  [networkServiceCampaignWorkflowId(''), 'network_service_campaign'],
];

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The object a workflow id names, or none (an id of no known kind). */
export function subjectOf(workflowId: string): { type: SubjectType; id: string } | undefined {
  for (const [prefix, type] of prefixes) {
    const id = workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : '';
    if (uuid.test(id)) return { type, id };
  }
  return undefined;
}

/** The workflow ids of a device's own runs (upgrade, RMA, credential rotation, configuration, ZTP). */
export const deviceWorkflowIds = (deviceId: string) =>
  prefixes.filter(([, type]) => type === 'device').map(([prefix]) => `${prefix}${deviceId}`);

/** Each run's subject by name, in a handful of queries whatever the number of runs. */
export async function runSubjects(prisma: PrismaClient, workflowIds: string[]): Promise<Map<string, RunSubject>> {
  const found = new Map(workflowIds.flatMap((workflowId) => {
    const subject = subjectOf(workflowId);
    return subject ? [[workflowId, subject] as const] : [];
  }));
  const ids = (type: SubjectType) => [...new Set([...found.values()].filter((s) => s.type === type).map((s) => s.id))];
  const [sites, devices, campaigns, deployments, instances, serviceCampaigns] = await Promise.all([
    prisma.site.findMany({ where: { id: { in: ids('site') } }, select: { id: true, name: true } }),
    prisma.device.findMany({ where: { id: { in: ids('device') } }, select: { id: true, hostname: true, siteId: true, site: { select: { name: true } } } }),
    prisma.upgradeCampaign.findMany({ where: { id: { in: ids('campaign') } }, select: { id: true, name: true } }),
    prisma.policyDeployment.findMany({ where: { id: { in: ids('policy_deployment') } }, select: { id: true, version: true, dryRun: true } }),
    prisma.vnfInstance.findMany({ where: { id: { in: ids('vnf_instance') } }, select: { id: true, name: true, siteId: true, site: { select: { name: true } } } }),
    prisma.networkServiceCampaign.findMany({ where: { id: { in: ids('network_service_campaign') } }, include: { fromTemplate: true, toTemplate: true, package: true } }),
  ]);
  const named = new Map<string, Omit<RunSubject, 'type' | 'id'>>([
    ...sites.map((s) => [s.id, { name: s.name, siteId: s.id, siteName: s.name }] as const),
    ...devices.map((d) => [d.id, { name: d.hostname, siteId: d.siteId, siteName: d.site.name }] as const),
    ...campaigns.map((c) => [c.id, { name: c.name, siteId: null, siteName: null }] as const),
    ...deployments.map((d) => [d.id, { name: d.dryRun || d.version === null ? 'Policy dry run' : `Policy version ${d.version}`, siteId: null, siteName: null }] as const),
    ...instances.map((v) => [v.id, { name: v.name, siteId: v.siteId, siteName: v.site.name }] as const),
    ...serviceCampaigns.map((c) => [c.id, { name: serviceCampaignName(c), siteId: null, siteName: null }] as const),
  ]);
  const subjects = new Map<string, RunSubject>();
  for (const [workflowId, subject] of found) {
    const name = named.get(subject.id);
    if (name) subjects.set(workflowId, { ...subject, ...name });
  }
  return subjects;
}
