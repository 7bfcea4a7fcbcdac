// Network services: templates (a tenant's chains of VNF packages, versioned — a version in use never
// changes, a change is a new version that supersedes it) and their instances on sites' uCPEs,
// started (checked, reserved, then `network-service/<id>`), read with the run's live state and each
// function's VNF instance, and terminated through the run's validated update.
import { Router } from 'express';
import { z } from 'zod';
import { Prisma } from '../../prisma/client.ts';
import { networkServiceRequest } from '../../domain/network-service-request.ts';
import { chainInterface, networkServiceInput, networkServiceProblems, vnfPackageInput } from '../../domain/vnf-catalogue.ts';
import { createTemplate, templateInclude, templateUses, type TemplateRow } from '../../inventory/network-services.ts';
import { networkServiceQuery, networkServiceWorkflowId, type NetworkServiceView } from '../../workflows/network-service.messages.ts';
import { vnfWorkflowId } from '../../workflows/vnf-lifecycle.messages.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { liveQuery } from '../runs/launch.ts';
import { networkServiceUrl, planNetworkService } from '../runs/network-service-runs.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';

const tags = ['Network services'];

const templateFunction = z.object({
  position: z.number().int(), packageId: z.uuid(), product: z.string(), version: z.string(), vendor: z.string(), type: z.string(),
  flavour: z.string(), leftInterface: z.string(), rightInterface: z.string(),
});
const template = z.object({
  id: z.uuid(), tenantId: z.uuid(), name: z.string(), version: z.number().int(), description: z.string(),
  supersededAt: z.date().nullable(), createdAt: z.date(), functions: z.array(templateFunction),
  /** Network services built from this version: while there are any, it does not change. */
  inUse: z.number().int(),
}).openapi('NetworkServiceTemplate');
const templateBody = networkServiceInput.extend({ tenantId: z.uuid() }).openapi('NetworkServiceTemplateRequest');
const versionBody = networkServiceInput.omit({ name: true }).openapi('NetworkServiceTemplateVersionRequest');

const toTemplate = (row: TemplateRow, inUse: number): z.infer<typeof template> => ({
  id: row.id, tenantId: row.tenantId, name: row.name, version: row.version, description: row.description, supersededAt: row.supersededAt, createdAt: row.createdAt, inUse,
  functions: row.functions.map((f) => ({
    position: f.position, packageId: f.packageId, product: f.package.name, version: f.package.version, vendor: f.package.vendor, type: f.package.type,
    flavour: f.flavour, leftInterface: f.leftInterface, rightInterface: f.rightInterface,
  })),
});

const functionInstance = z.object({
  instanceId: z.uuid(), name: z.string(), position: z.number().int(), product: z.string(), version: z.string(), flavour: z.string(),
  status: z.string(), lastHealth: z.string(), healCount: z.number().int(), interfaces: z.array(z.object({ name: z.string(), vlan: z.string() })), workflowId: z.string(),
});
const serviceInstance = z.object({
  id: z.uuid(), tenantId: z.uuid(), siteId: z.uuid(), deviceId: z.uuid(), name: z.string(), status: z.string(), lastError: z.string().nullable(),
  template: z.object({ id: z.uuid(), name: z.string(), version: z.number().int() }), vlanBase: z.number().int(), createdAt: z.date(), workflowId: z.string(),
  functions: z.array(functionInstance),
  live: z.object({
    status: z.string(), busy: z.boolean(), error: z.string().nullable(),
    path: z.object({ hops: z.array(z.string()), status: z.string(), egressVlan: z.string().nullable() }).nullable(),
    steps: z.array(z.object({ name: z.string(), label: z.string(), status: z.string(), error: z.string().optional(), detail: z.string().optional() })),
  }).nullable(),
}).openapi('NetworkService');
const use = z.object({ cores: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int() });
const check = z.object({
  device: z.object({ id: z.uuid(), hostname: z.string(), model: z.string() }),
  template: z.object({ id: z.uuid(), name: z.string(), version: z.number().int() }),
  functions: z.array(z.object({ position: z.number().int(), product: z.string(), version: z.string(), flavour: z.string(), vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int() })),
  host: use, reserved: use, needed: use, fits: z.boolean(), shortfall: z.string().nullable(),
}).openapi('NetworkServiceCheck');

const serviceInclude = {
  service: { select: { id: true, name: true, version: true } },
  functions: { orderBy: { position: 'asc' }, include: { package: { select: { name: true, version: true } } } },
} as const;
type ServiceRow = Prisma.NetworkServiceInstanceGetPayload<{ include: typeof serviceInclude }>;

const toService = (row: ServiceRow, view: NetworkServiceView | null): z.infer<typeof serviceInstance> => ({
  id: row.id, tenantId: row.tenantId, siteId: row.siteId, deviceId: row.deviceId, name: row.name, status: row.status, lastError: row.lastError,
  template: row.service, vlanBase: row.vlanBase, createdAt: row.createdAt, workflowId: networkServiceWorkflowId(row.id),
  functions: row.functions.map((f) => ({
    instanceId: f.id, name: f.name, position: f.position ?? 0, product: f.package.name, version: f.package.version, flavour: f.flavour,
    status: f.status, lastHealth: f.lastHealth, healCount: f.healCount, interfaces: f.chainInterfaces as { name: string; vlan: string }[], workflowId: vnfWorkflowId(f.id),
  })),
  live: view && {
    status: view.status, busy: view.busy, error: view.error, path: view.path,
    steps: view.steps.map((s) => ({ name: s.name, label: s.label, status: s.status, ...(s.error ? { error: s.error } : {}), ...(s.detail ? { detail: s.detail } : {}) })),
  },
});

export function networkServicesRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const templateParams = z.object({ networkServiceTemplateId: z.uuid() });
  const serviceParams = z.object({ networkServiceId: z.uuid() });

  const foundTemplate = async (principal: Principal, id: string, action: 'read' | 'write') => {
    const row = await prisma.networkService.findUnique({ where: { id }, include: templateInclude });
    principal.assert(row?.tenantId, 'site', action, `Network-service template ${id}`);
    return row!;
  };
  /** The template's functions checked against the catalogue: problems named per field, interfaces filled in. */
  const checkedFunctions = async (body: z.infer<typeof versionBody>) => {
    const rows = await prisma.vnfPackage.findMany({ where: { id: { in: body.functions.map((f) => f.packageId) } } });
    const packages = new Map(rows.map((row) => [row.id, vnfPackageInput.parse({ ...(row.descriptor as object), vendor: row.vendor, product: row.name, version: row.version, type: row.type })]));
    const found = networkServiceProblems({ name: 'x', ...body }, packages);
    if (found.length > 0) throw problems.validation(found);
    return body.functions.map((fn) => {
      const pkg = packages.get(fn.packageId)!;
      return { packageId: fn.packageId, flavour: fn.flavour, leftInterface: chainInterface(pkg, fn, 'left')!, rightInterface: chainInterface(pkg, fn, 'right')! };
    });
  };

  api.route(router, {
    method: 'get', path: '/network-service-templates', summary: 'Network-service templates (the latest version of each, unless all are asked for)', tags,
    access: { type: 'site', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional(), allVersions: z.enum(['true', 'false']).optional() }),
    response: pageOf(template),
    handler: async ({ query, principal }) => {
      const where = { ...principal.tenantWhere('site', query.tenantId), ...(query.allVersions === 'true' ? {} : { supersededAt: null }) };
      const page = toPage(await prisma.networkService.findMany({ ...pageArgs(query, where), include: { ...templateInclude, _count: { select: { serviceInstances: true } } } }), query.limit);
      return { items: page.items.map((row) => toTemplate(row, row._count.serviceInstances)), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'get', path: '/network-service-templates/:networkServiceTemplateId', summary: 'One version of a network-service template', tags,
    access: { type: 'site', action: 'read' }, params: templateParams, response: template,
    handler: async ({ params, principal }) => {
      const row = await foundTemplate(principal, params.networkServiceTemplateId, 'read');
      return toTemplate(row, await templateUses(prisma, row.id));
    },
  });

  api.route(router, {
    method: 'post', path: '/network-service-templates',
    summary: "Add a network-service template: VNF packages in chain order, each with its flavour and the interfaces it chains by (default: the package's left and right)", tags,
    access: { type: 'site', action: 'write' }, body: templateBody, status: 201, response: template,
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'site', 'write', `Tenant ${body.tenantId}`);
      const functions = await checkedFunctions(body);
      const created = await createTemplate(prisma, { tenantId: body.tenantId, name: body.name, description: body.description, functions }).catch((error: unknown) => {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw problems.conflict(`The tenant has a template ${body.name} already: add a new version of it.`);
        throw error;
      });
      await recordAudit(prisma, principal, req, { action: 'network-service-template.create', objectType: 'network-service-template', objectId: created.id, tenantId: created.tenantId, after: toTemplate(created, 0) });
      res.location(`/api/v1/network-service-templates/${created.id}`);
      return toTemplate(created, 0);
    },
  });

  api.route(router, {
    method: 'post', path: '/network-service-templates/:networkServiceTemplateId/versions',
    summary: 'A new version of the template, superseding this one (which instances keep using); only the latest version is superseded', tags,
    access: { type: 'site', action: 'write' }, params: templateParams, body: versionBody, status: 201, response: template,
    handler: async ({ params, body, principal }, req, res) => {
      const current = await foundTemplate(principal, params.networkServiceTemplateId, 'write');
      if (current.supersededAt) throw problems.conflict(`${current.name} version ${current.version} is superseded already: add a version to the latest one.`);
      const functions = await checkedFunctions(body);
      const created = await createTemplate(prisma, { tenantId: current.tenantId, name: current.name, description: body.description, functions, supersedes: current }).catch((error: unknown) => {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw problems.conflict(`${current.name} has a version ${current.version + 1} already.`);
        throw error;
      });
      await recordAudit(prisma, principal, req, {
        action: 'network-service-template.version', objectType: 'network-service-template', objectId: created.id, tenantId: created.tenantId,
        before: toTemplate(current, 0), after: toTemplate(created, 0),
      });
      res.location(`/api/v1/network-service-templates/${created.id}`);
      return toTemplate(created, 0);
    },
  });

  api.route(router, {
    method: 'delete', path: '/network-service-templates/:networkServiceTemplateId', summary: 'Remove a template version no network service uses', tags,
    access: { type: 'site', action: 'write' }, params: templateParams, status: 204, response: z.null(),
    handler: async ({ params, principal }, req, res) => {
      const row = await foundTemplate(principal, params.networkServiceTemplateId, 'write');
      const uses = await templateUses(prisma, row.id);
      if (uses > 0) throw problems.conflict(`${row.name} version ${row.version} is used by ${uses} network service(s): it stays, superseded by a new version if need be.`);
      await prisma.networkService.delete({ where: { id: row.id } });
      await recordAudit(prisma, principal, req, { action: 'network-service-template.delete', objectType: 'network-service-template', objectId: row.id, tenantId: row.tenantId, before: toTemplate(row, 0) });
      res.status(204).end();
    },
  });

  // ---- network services on sites --------------------------------------------------------------

  api.route(router, {
    method: 'post', path: '/sites/:siteId/network-services/check',
    summary: "Check a network service before starting it: the template, each function's flavour and day-1 parameters, and the uCPE's room for the chain; stores nothing", tags,
    // The review step of starting one: asked by those who may start it.
    access: { type: 'site', action: 'execute' }, params: z.object({ siteId: z.uuid() }), body: networkServiceRequest, response: check,
    handler: async ({ params, body, principal }) => {
      const plan = await planNetworkService(prisma, principal, params.siteId, body, 'execute');
      return {
        device: { id: plan.device.id, hostname: plan.device.hostname, model: plan.device.model }, template: plan.template,
        functions: plan.functions.map((f) => ({ position: f.position, product: f.product, version: f.version, flavour: f.flavour.name, vcpus: f.flavour.vcpus, memoryMiB: f.flavour.memoryMiB, diskGiB: f.flavour.diskGiB })),
        host: { cores: plan.host.cores, memoryMiB: plan.host.memoryMiB, diskGiB: plan.host.diskGiB }, reserved: plan.reserved, needed: plan.needed,
        fits: plan.shortfall === undefined, shortfall: plan.shortfall ?? null,
      };
    },
  });

  api.route(router, {
    method: 'post', path: '/sites/:siteId/network-services',
    summary: "Instantiate a network-service template on the site's uCPE: checked and reserved, then the service's run chains its VNFs", tags,
    access: { type: 'site', action: 'execute' }, params: z.object({ siteId: z.uuid() }), body: networkServiceRequest, status: 202, response: serviceInstance,
    handler: async ({ params, body, principal }, req, res) => {
      const { serviceInstanceId } = await runs.startNetworkService({ principal, req }, params.siteId, body);
      res.location(networkServiceUrl(serviceInstanceId));
      return toService((await prisma.networkServiceInstance.findUniqueOrThrow({ where: { id: serviceInstanceId }, include: serviceInclude })), null);
    },
  });

  api.route(router, {
    method: 'get', path: '/sites/:siteId/network-services', summary: "The site's network services (terminated ones too), newest first", tags,
    access: { type: 'site', action: 'read' }, params: z.object({ siteId: z.uuid() }), response: z.object({ items: z.array(serviceInstance) }),
    handler: async ({ params, principal }) => {
      const site = await prisma.site.findUnique({ where: { id: params.siteId }, select: { tenantId: true } });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      const rows = await prisma.networkServiceInstance.findMany({ where: { siteId: params.siteId }, include: serviceInclude, orderBy: { createdAt: 'desc' }, take: 200 });
      return { items: rows.map((row) => toService(row, null)) };
    },
  });

  const foundService = async (principal: Principal, id: string, action: 'read' | 'execute') => {
    const row = await prisma.networkServiceInstance.findUnique({ where: { id }, include: serviceInclude });
    principal.assert(row?.tenantId, 'site', action, `Network service ${id}`);
    return row!;
  };
  const liveView = (id: string): Promise<NetworkServiceView | null> => liveQuery(temporal, networkServiceWorkflowId(id), networkServiceQuery);

  api.route(router, {
    method: 'get', path: '/network-services/:networkServiceId', summary: "A network service, its functions' VNF instances, and its run's live state while it runs", tags,
    access: { type: 'site', action: 'read' }, params: serviceParams, response: serviceInstance,
    handler: async ({ params, principal }) => {
      const row = await foundService(principal, params.networkServiceId, 'read');
      return toService(row, await liveView(row.id));
    },
  });

  api.route(router, {
    method: 'post', path: '/network-services/:networkServiceId/terminate',
    summary: 'Terminate the network service: its functions last to first, then the chain\'s VLANs, every reservation released', tags,
    access: { type: 'site', action: 'execute' }, params: serviceParams, status: 202, response: serviceInstance,
    handler: async ({ params, principal }, req) => {
      const { view } = await runs.terminateNetworkService({ principal, req }, { networkServiceId: params.networkServiceId });
      return toService((await prisma.networkServiceInstance.findUniqueOrThrow({ where: { id: params.networkServiceId }, include: serviceInclude })), view);
    },
  });

  return router;
}
