// A network service on a site's uCPE: the template (its latest version, not superseded), each
// function's flavour and day-1 parameters and the uCPE's room for the whole chain checked; then the
// service, its functions' VNF instances and the chain's VLANs stored in one transaction, and
// `network-service/<id>` started. Anything wrong is refused with every reason and nothing stored;
// the same service asked again while the first is being instantiated (a double click) is refused
// (409) naming the first.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../prisma/client.ts';
import type { VnfHostResources } from '../../domain/device-models.ts';
import type { NetworkServiceRequest } from '../../domain/network-service-request.ts';
import { day1Values, flavourShortfall, vnfNameOnHost, type FieldProblem, type HostUse, type VnfFlavour } from '../../domain/vnf-catalogue.ts';
import { vnfHealingPolicy } from '../../domain/vnf-lifecycle.ts';
import { reserveNetworkService, templateInclude } from '../../inventory/network-services.ts';
import { hostReservations, vnfHostOf } from '../../inventory/vnf-instances.ts';
import { packageSpec } from '../../inventory/vnf-packages.ts';
import type { networkService } from '../../workflows/network-service.ts';
import { networkServiceWorkflowId, terminateNetworkServiceUpdate, type NetworkServiceView } from '../../workflows/network-service.messages.ts';
import type { Principal } from '../access/principal.ts';
import { HttpProblem, problems } from '../problems.ts';
import { temporalNeverReached } from '../temporal.ts';
import { auditStart, describeRun, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';
import { temporalRunLink } from './links.ts';
import { decide } from './steer.ts';
import { earlierRunOfTicket } from './tickets.ts';

export const networkServiceUrl = (id: string) => `/api/v1/network-services/${id}`;

/** What a service would take on the uCPE, and what the uCPE has: the wizard's review shows it. */
export interface NetworkServicePlan {
  tenantId: string;
  siteId: string;
  device: { id: string; hostname: string; model: string; serial: string };
  template: { id: string; name: string; version: number };
  functions: { position: number; packageId: string; product: string; version: string; flavour: VnfFlavour; parameters: Record<string, string | number | boolean>; left: string; right: string }[];
  host: VnfHostResources;
  reserved: HostUse;
  needed: HostUse;
  /** Why the chain does not fit (undefined: it does). */
  shortfall: string | undefined;
}

/** Checks the request against the template, its packages and the uCPE; refuses (400) with every field that does not hold. */
export async function planNetworkService(prisma: PrismaClient, principal: Principal, siteId: string, request: NetworkServiceRequest, action: 'read' | 'execute'): Promise<NetworkServicePlan> {
  const site = await prisma.site.findUnique({ where: { id: siteId }, include: { devices: { orderBy: { role: 'asc' } } } });
  principal.assert(site?.tenantId, 'site', action, `Site ${siteId}`);
  const found: FieldProblem[] = [];
  const device = request.deviceId ? site!.devices.find((d) => d.id === request.deviceId) : site!.devices.find((d) => vnfHostOf(d.model));
  const host = device && vnfHostOf(device.model);
  if (!device) found.push({ path: 'deviceId', message: request.deviceId ? 'the site has no such device' : 'the site has no universal CPE (NFX150, NFX250) to host a network service' });
  else if (!host) found.push({ path: 'deviceId', message: `${device.hostname} is a ${device.model}, which hosts no VNFs` });
  else if (!device.managementAddress || !device.serial) found.push({ path: 'deviceId', message: `${device.hostname} is not in service yet: it has no address to reach` });
  const template = await prisma.networkService.findUnique({ where: { id: request.templateId }, include: { functions: { ...templateInclude.functions, include: { package: true } } } });
  if (!template || template.tenantId !== site!.tenantId) found.push({ path: 'templateId', message: 'no such network-service template for the site\'s tenant' });
  else if (template.supersededAt) found.push({ path: 'templateId', message: `${template.name} version ${template.version} is superseded by a newer version: use that` });
  if (template && request.functions.length > template.functions.length) found.push({ path: 'functions', message: `the template chains ${template.functions.length} functions, not ${request.functions.length}` });
  const functions: NetworkServicePlan['functions'] = [];
  for (const fn of template?.functions ?? []) {
    const pkg = packageSpec(fn.package);
    const asked = request.functions[fn.position] ?? { parameters: {} };
    const flavourName = asked.flavour ?? fn.flavour;
    const flavour = pkg.flavours.find((f) => f.name === flavourName);
    if (!flavour) found.push({ path: `functions.${fn.position}.flavour`, message: `${pkg.product} ${pkg.version} has no flavour ${flavourName} (it has ${pkg.flavours.map((f) => f.name).join(', ')})` });
    const day1 = day1Values(pkg.day1Parameters, asked.parameters);
    found.push(...day1.problems.map((p) => ({ ...p, path: `functions.${fn.position}.${p.path}` })));
    if (flavour) functions.push({ position: fn.position, packageId: pkg.id, product: pkg.product, version: pkg.version, flavour, parameters: day1.values, left: fn.leftInterface, right: fn.rightInterface });
  }
  if (found.length > 0) throw problems.validation(found);
  const reserved = await hostReservations(prisma, device!.id);
  const needed = functions.reduce((all, f) => ({ cores: all.cores + f.flavour.vcpus, memoryMiB: all.memoryMiB + f.flavour.memoryMiB, diskGiB: all.diskGiB + f.flavour.diskGiB }), { cores: 0, memoryMiB: 0, diskGiB: 0 });
  return {
    tenantId: site!.tenantId, siteId: site!.id, device: { id: device!.id, hostname: device!.hostname, model: device!.model, serial: device!.serial! },
    template: { id: template!.id, name: template!.name, version: template!.version }, functions, host: host!, reserved, needed,
    shortfall: flavourShortfall(host!, reserved, { vcpus: needed.cores, memoryMiB: needed.memoryMiB, diskGiB: needed.diskGiB }),
  };
}

export type NetworkServiceStart = NetworkServiceRequest & { ticket?: string | undefined };

export interface NetworkServiceStarted {
  serviceInstanceId: string;
  workflowId: string;
  runId: string;
  started: boolean;
  progressUrl: string;
  temporalUiUrl?: string;
}

/** The service a workflow id names. */
const serviceOfWorkflow = (workflowId: string) => workflowId.slice(workflowId.indexOf('/') + 1);

/** The tenant of the site, once the principal may run things there (404 otherwise). */
async function siteTenant(prisma: PrismaClient, principal: Principal, siteId: string): Promise<string> {
  const site = await prisma.site.findUnique({ where: { id: siteId }, select: { tenantId: true } });
  principal.assert(site?.tenantId, 'site', 'execute', `Site ${siteId}`);
  return site!.tenantId;
}

export async function startNetworkService(deps: RunDependencies, origin: Origin, siteId: string, request: NetworkServiceStart): Promise<NetworkServiceStarted> {
  const { prisma, temporal } = deps;
  const { ticket } = request;
  const answer = (serviceInstanceId: string, workflowId: string, runId: string, started: boolean): NetworkServiceStarted => ({
    serviceInstanceId, workflowId, runId, started, progressUrl: networkServiceUrl(serviceInstanceId), ...temporalRunLink(deps, origin.principal, workflowId, runId),
  });
  // A ticket sent again gets the service it started, before its room is counted again.
  const earlier = await earlierRunOfTicket(prisma, { tenantId: await siteTenant(prisma, origin.principal, siteId), ticket, kind: 'network_service' });
  if (earlier) return answer(serviceOfWorkflow(earlier.workflowId), earlier.workflowId, earlier.runId ?? '', false);
  const plan = await planNetworkService(prisma, origin.principal, siteId, request, 'execute');
  if (plan.shortfall) throw problems.validation([{ path: 'functions', message: `${plan.device.hostname} has not the room for the chain: ${plan.shortfall}` }]);
  const serviceInstanceId = randomUUID();
  const name = `${plan.template.name}-${serviceInstanceId.replace(/-/g, '').slice(-6)}`;
  const { shortfall, twin } = await reserveNetworkService(prisma, plan.host, {
    id: serviceInstanceId, tenantId: plan.tenantId, siteId: plan.siteId, deviceId: plan.device.id, serviceId: plan.template.id, name,
    functions: plan.functions.map((f) => {
      const instanceId = randomUUID();
      return { instanceId, name: vnfNameOnHost(f.product, instanceId), packageId: f.packageId, flavour: f.flavour, parameters: f.parameters, left: f.left, right: f.right };
    }),
  });
  if (twin) {
    throw problems.conflict(`${twin.name}, the same network service on ${plan.device.hostname}, is being instantiated: follow it.`, { serviceInstanceId: twin.id, workflowId: networkServiceWorkflowId(twin.id) });
  }
  // Counted again under the uCPE's lock: another request may have taken the room since the check.
  if (shortfall) throw problems.validation([{ path: 'functions', message: `${plan.device.hostname} has not the room for the chain: ${shortfall}` }]);

  const workflowId = networkServiceWorkflowId(serviceInstanceId);
  const healing = vnfHealingPolicy.parse(request.healing ?? {});
  let runId: string;
  try {
    ({ runId } = await launch(temporal, workflowId, { refuse: problems.conflict(`Network service ${serviceInstanceId} has a run already.`, { workflowId }) }, () =>
      temporal.workflow.start<typeof networkService>('networkService', {
        ...startOptions(workflowId, { tenantId: plan.tenantId, siteId: plan.siteId, deviceSerials: [plan.device.serial], ticket }),
        args: [{ serviceInstanceId, healing }],
      }), { prisma, tenantId: plan.tenantId, ticket, kind: 'network_service' }));
  } catch (error) {
    // The run never began (Temporal out of reach, or its ticket claimed just before): the service and its reservations go, and the request may be sent again.
    if (temporalNeverReached(error) || error instanceof HttpProblem) {
      await prisma.$transaction([
        prisma.vnfInstance.deleteMany({ where: { serviceInstanceId } }),
        prisma.networkServiceInstance.delete({ where: { id: serviceInstanceId } }),
      ]);
    }
    throw error;
  }
  await auditStart(deps, origin, {
    action: 'network-service.instantiate', objectType: 'network-service', objectId: serviceInstanceId, tenantId: plan.tenantId,
    after: {
      siteId: plan.siteId, deviceId: plan.device.id, template: `${plan.template.name} v${plan.template.version}`, name,
      functions: plan.functions.map((f) => `${f.product} ${f.version} (${f.flavour.name})`), ...(ticket ? { ticket } : {}),
    },
  });
  return answer(serviceInstanceId, workflowId, runId, true);
}

/**
 * Terminates an active network service through its run's validated update (409 when it takes none).
 * A ticket that asked it before gets that answer again, and asks nothing twice.
 */
export async function terminateNetworkService(deps: RunDependencies, origin: Origin, request: { networkServiceId: string; ticket?: string | undefined }): Promise<NetworkServiceStarted & { view: NetworkServiceView | null }> {
  const { prisma, temporal } = deps;
  const row = await prisma.networkServiceInstance.findUnique({ where: { id: request.networkServiceId }, select: { id: true, tenantId: true, name: true, status: true } });
  origin.principal.assert(row?.tenantId, 'site', 'execute', `Network service ${request.networkServiceId}`);
  const workflowId = networkServiceWorkflowId(row!.id);
  const answer = (runId: string, started: boolean, view: NetworkServiceView | null) => ({
    serviceInstanceId: row!.id, workflowId, runId, started, progressUrl: networkServiceUrl(row!.id), ...temporalRunLink(deps, origin.principal, workflowId, runId), view,
  });
  const earlier = await earlierRunOfTicket(prisma, { tenantId: row!.tenantId, ticket: request.ticket, kind: 'network_service', workflowId });
  if (earlier) return answer(earlier.runId ?? '', false, null);
  const view = await decide(deps, origin, {
    workflowId,
    refusal: () => problems.conflict(`${row!.name} is ${row!.status}: it takes no termination.`),
    audit: {
      action: origin.audit?.action ?? 'network-service.terminate', objectType: 'network-service', objectId: row!.id, tenantId: row!.tenantId,
      after: (v: NetworkServiceView) => ({ status: v.status, ...(request.ticket ? { ticket: request.ticket } : {}) }),
    },
  }, (run) => run.executeUpdate(terminateNetworkServiceUpdate));
  const run = await describeRun(temporal, workflowId);
  return answer(run?.runId ?? '', true, view);
}
