// A network-service campaign: one function of a template version moved to another package of the
// same product on every active service built from that version. Checked (the function, the
// package, its fit for each instance, at least one service), stored with its instances and the
// template version the services move to, then `network-service-campaign/<id>` runs it. Every
// launch is a new campaign; a ticket sent again gets the campaign it launched, and a launch of the
// change a campaign under way makes (a double click) is refused (409) naming that campaign.
import { Prisma, type PrismaClient } from '../../prisma/client.ts';
import { packageChange } from '../../domain/vnf-lifecycle.ts';
import type { FieldProblem } from '../../domain/vnf-catalogue.ts';
import { campaignInstances, createServiceCampaign, dropServiceCampaign, ServiceCampaignRefused } from '../../inventory/network-service-campaigns.ts';
import { templateInclude } from '../../inventory/network-services.ts';
import { packageSpec } from '../../inventory/vnf-packages.ts';
import type { networkServiceCampaign } from '../../workflows/network-service-campaign.ts';
import { networkServiceCampaignWorkflowId } from '../../workflows/network-service-campaign.messages.ts';
import { HttpProblem, problems } from '../problems.ts';
import type { NetworkServiceCampaignBody } from '../schemas/network-service-campaign.ts';
import { temporalNeverReached } from '../temporal.ts';
import { phaseSizes } from './campaign-runs.ts';
import { auditStart, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { temporalRunLink } from './links.ts';
import { earlierRunOfTicket } from './tickets.ts';

export const networkServiceCampaignUrl = (campaignId: string) => `/api/v1/network-service-campaigns/${campaignId}`;

export interface NetworkServiceCampaignStarted {
  campaignId: string;
  /** The template version the services move to. */
  templateVersion: { id: string; version: number };
  instances: number;
  workflowId: string;
  runId: string;
  started: boolean;
  progressUrl: string;
  temporalUiUrl?: string;
}

/** The campaign a template version's change would be: refuses (400) with every reason, stores nothing. */
async function planServiceCampaign(prisma: PrismaClient, templateId: string, body: NetworkServiceCampaignBody) {
  const template = await prisma.networkService.findUniqueOrThrow({ where: { id: templateId }, include: templateInclude });
  const found: FieldProblem[] = [];
  const fn = template.functions.find((f) => f.position === body.position);
  if (!fn) found.push({ path: 'position', message: `${template.name} version ${template.version} chains ${template.functions.length} functions: positions 0 to ${template.functions.length - 1}` });
  const target = await prisma.vnfPackage.findUnique({ where: { id: body.packageId } });
  if (!target) found.push({ path: 'packageId', message: 'no such VNF package in the catalogue' });
  else if (fn && target.name !== fn.package.name) found.push({ path: 'packageId', message: `${target.name} ${target.version} is another product than the function's ${fn.package.name}: a campaign changes a function's version, not what it is` });
  else if (fn && target.id === fn.packageId) found.push({ path: 'packageId', message: `function ${body.position + 1} runs ${target.name} ${target.version} already` });
  const instances = fn && target ? await campaignInstances(prisma, { fromTemplateId: template.id, position: body.position, packageId: target.id }) : [];
  if (fn && target && found.length === 0) {
    if (instances.length === 0) found.push({ path: 'position', message: `no active network service of ${template.name} version ${template.version} runs this function to change` });
    const pkg = packageSpec(target);
    const rows = await prisma.vnfInstance.findMany({ where: { id: { in: instances.map((i) => i.id) } }, select: { name: true, flavour: true, config: true } });
    for (const row of rows) {
      const change = packageChange(pkg, { flavour: row.flavour, config: row.config as Record<string, unknown> });
      found.push(...change.problems.map((p) => ({ path: p.path, message: `${row.name}: ${p.message}` })));
    }
  }
  if (found.length > 0) throw problems.validation(found);
  return { template, instances };
}

export async function startNetworkServiceCampaign(deps: RunDependencies, origin: Origin, templateId: string, body: NetworkServiceCampaignBody): Promise<NetworkServiceCampaignStarted> {
  const { prisma, temporal } = deps;
  const { ticket } = body;
  const owner = await prisma.networkService.findUnique({ where: { id: templateId }, select: { tenantId: true } });
  origin.principal.assert(owner?.tenantId, 'site', 'execute', `Network-service template ${templateId}`);
  const { template, instances } = await planServiceCampaign(prisma, templateId, body);
  const answer = (campaign: { id: string; toTemplate: { id: string; version: number }; count: number }, workflowId: string, runId: string, started: boolean): NetworkServiceCampaignStarted => ({
    campaignId: campaign.id, templateVersion: campaign.toTemplate, instances: campaign.count, workflowId, runId, started,
    progressUrl: networkServiceCampaignUrl(campaign.id), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId: template.tenantId, ticket, kind: 'network_service_campaign' });
  if (earlier) {
    const campaign = await prisma.networkServiceCampaign.findUnique({
      where: { id: earlier.workflowId.slice(earlier.workflowId.indexOf('/') + 1) }, include: { toTemplate: { select: { id: true, version: true } }, _count: { select: { instances: true } } },
    });
    if (campaign) return answer({ id: campaign.id, toTemplate: campaign.toTemplate, count: campaign._count.instances }, earlier.workflowId, earlier.runId ?? '', false);
  }

  const sizes = phaseSizes(instances.length, body.phases);
  const phaseOf = sizes.flatMap((size, phase) => Array.from({ length: size }, () => phase));
  const created = await createServiceCampaign(prisma, {
    tenantId: template.tenantId, from: template, position: body.position, packageId: body.packageId, phases: body.phases,
    concurrency: body.concurrency, failureBudgetPct: body.failureBudgetPct, ticket,
    instances: instances.map((i, index) => ({ vnfInstanceId: i.id, serviceInstanceId: i.serviceInstanceId!, phase: phaseOf[index]!, fromVersion: i.package.version })),
  }).catch((error: unknown) => {
    if (error instanceof ServiceCampaignRefused) throw problems.conflict(error.message, error.campaignId ? { campaignId: error.campaignId, workflowId: networkServiceCampaignWorkflowId(error.campaignId) } : {});
    // Another campaign on this version created the next version at the same moment.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw problems.conflict(`${template.name} has a version ${template.version + 1} already: send the campaign again.`);
    throw error;
  });
  const workflowId = networkServiceCampaignWorkflowId(created.campaign.id);
  let runId: string;
  try {
    ({ runId } = await launch(temporal, workflowId, { refuse: problems.conflict(`Campaign ${created.campaign.id} is running already.`, { workflowId }) }, () =>
      temporal.workflow.start<typeof networkServiceCampaign>('networkServiceCampaign', {
        ...startOptions(workflowId, { tenantId: template.tenantId, ticket }),
        args: [{ campaignId: created.campaign.id }],
      }), { prisma, tenantId: template.tenantId, ticket, kind: 'network_service_campaign' }));
  } catch (error) {
    // Never began (Temporal out of reach, or its ticket claimed just before): the campaign goes, and the version it made.
    if (temporalNeverReached(error) || error instanceof HttpProblem) await dropServiceCampaign(prisma, { campaignId: created.campaign.id, createdVersion: created.createdVersion });
    throw error;
  }
  await auditStart(deps, origin, {
    action: 'network-service-campaign.start', objectType: 'network-service-campaign', objectId: created.campaign.id, tenantId: template.tenantId,
    after: { template: `${template.name} v${template.version}`, movesTo: `v${created.to.version}`, position: body.position, packageId: body.packageId, instances: instances.length, phases: sizes, ...(ticket ? { ticket } : {}) },
  });
  return answer({ id: created.campaign.id, toTemplate: created.to, count: instances.length }, workflowId, runId, true);
}
