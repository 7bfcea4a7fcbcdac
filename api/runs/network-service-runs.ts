// A network service on a site's uCPE: the template (its latest version, not superseded), each
// function's flavour and day-1 parameters and the uCPE's room for the whole chain checked; then the
// service, its functions' VNF instances and the chain's VLANs stored in one transaction, and
// `network-service/<id>` started. Anything wrong is refused with every reason and nothing stored.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../prisma/client.ts';
import type { VnfHostResources } from '../../domain/device-models.ts';
import type { NetworkServiceRequest } from '../../domain/network-service.ts';
import { day1Values, flavourShortfall, vnfNameOnHost, type FieldProblem, type HostUse, type VnfFlavour } from '../../domain/vnf-catalogue.ts';
import { vnfHealingPolicy } from '../../domain/vnf-lifecycle.ts';
import { reserveNetworkService, templateInclude } from '../../inventory/network-services.ts';
import { hostReservations, vnfHostOf } from '../../inventory/vnf-instances.ts';
import { packageSpec } from '../../inventory/vnf-packages.ts';
import type { networkService } from '../../workflows/network-service.ts';
import { networkServiceWorkflowId } from '../../workflows/network-service.messages.ts';
import type { Principal } from '../access/principal.ts';
import { problems } from '../problems.ts';
import { temporalNeverReached } from '../temporal.ts';
import { auditStart, launch, startOptions, type Origin, type RunDependencies } from './launch.ts';

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

export async function startNetworkService(deps: RunDependencies, origin: Origin, siteId: string, request: NetworkServiceRequest): Promise<{ serviceInstanceId: string; workflowId: string }> {
  const { prisma, temporal } = deps;
  const plan = await planNetworkService(prisma, origin.principal, siteId, request, 'execute');
  if (plan.shortfall) throw problems.validation([{ path: 'functions', message: `${plan.device.hostname} has not the room for the chain: ${plan.shortfall}` }]);
  const serviceInstanceId = randomUUID();
  const name = `${plan.template.name}-${serviceInstanceId.replace(/-/g, '').slice(-6)}`;
  const { shortfall } = await reserveNetworkService(prisma, plan.host, {
    id: serviceInstanceId, tenantId: plan.tenantId, siteId: plan.siteId, deviceId: plan.device.id, serviceId: plan.template.id, name,
    functions: plan.functions.map((f) => {
      const instanceId = randomUUID();
      return { instanceId, name: vnfNameOnHost(f.product, instanceId), packageId: f.packageId, flavour: f.flavour, parameters: f.parameters, left: f.left, right: f.right };
    }),
  });
  // Counted again under the uCPE's lock: another request may have taken the room since the check.
  if (shortfall) throw problems.validation([{ path: 'functions', message: `${plan.device.hostname} has not the room for the chain: ${shortfall}` }]);

  const workflowId = networkServiceWorkflowId(serviceInstanceId);
  const healing = vnfHealingPolicy.parse(request.healing ?? {});
  try {
    await launch(temporal, workflowId, { refuse: problems.conflict(`Network service ${serviceInstanceId} has a run already.`, { workflowId }) }, () =>
      temporal.workflow.start<typeof networkService>('networkService', {
        ...startOptions(workflowId, { tenantId: plan.tenantId, siteId: plan.siteId, deviceSerials: [plan.device.serial] }),
        args: [{ serviceInstanceId, healing }],
      }));
  } catch (error) {
    // The run never began: the service and its reservations go, and the request may be sent again.
    if (temporalNeverReached(error)) {
      await prisma.$transaction([
        prisma.vnfInstance.deleteMany({ where: { serviceInstanceId } }),
        prisma.networkServiceInstance.delete({ where: { id: serviceInstanceId } }),
      ]);
    }
    throw error;
  }
  await auditStart(deps, origin, {
    action: 'network-service.instantiate', objectType: 'network-service', objectId: serviceInstanceId, tenantId: plan.tenantId,
    after: { siteId: plan.siteId, deviceId: plan.device.id, template: `${plan.template.name} v${plan.template.version}`, name, functions: plan.functions.map((f) => `${f.product} ${f.version} (${f.flavour.name})`) },
  });
  return { serviceInstanceId, workflowId };
}
