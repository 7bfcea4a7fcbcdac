// VNF instances on sites' uCPEs: created (checked, reserved, then instantiated by `vnf/<instanceId>`),
// listed per site, read with the run's live state, and operated — heal, scale, change package,
// terminate, and retry / rollback / fail of a failed operation — through the run's validated
// updates, which refuse (409) what the instance's state does not allow.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { flavourShortfall } from '../../domain/vnf-catalogue.ts';
import { packageChange, vnfChangePackageRequest, vnfHealingPolicy, vnfScaleRequest } from '../../domain/vnf-lifecycle.ts';
import { packageSpec } from '../../inventory/vnf-packages.ts';
import { hostReservations, vnfHostOf } from '../../inventory/vnf-instances.ts';
import {
  changeVnfPackageUpdate, failVnfUpdate, healVnfUpdate, retryVnfUpdate, rollbackVnfUpdate, scaleVnfUpdate, terminateVnfUpdate, vnfStateQuery, vnfWorkflowId, type VnfView,
} from '../../workflows/vnf-lifecycle.messages.ts';
import type { Principal } from '../access/principal.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { liveQuery } from '../runs/launch.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { vnfInstanceUrl } from '../runs/vnf-runs.ts';

const tags = ['VNF instances'];
const parameterValue = z.union([z.string(), z.number(), z.boolean()]);

const live = z.object({
  status: z.string(), health: z.string(), address: z.string().nullable(), heals: z.number().int(), healAttempts: z.number().int(), busy: z.boolean(),
  lastOperation: z.object({ kind: z.string(), outcome: z.string(), error: z.string().nullable() }).nullable(),
});
const vnfInstance = z.object({
  id: z.uuid(), tenantId: z.uuid(), siteId: z.uuid(), deviceId: z.uuid(), name: z.string(),
  package: z.object({ id: z.uuid(), product: z.string(), version: z.string() }),
  previousPackageId: z.uuid().nullable(),
  flavour: z.string(), reserved: z.object({ vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int() }),
  parameters: z.record(z.string(), parameterValue),
  status: z.string(), lastHealth: z.string(), lastHealthAt: z.date().nullable(), healCount: z.number().int(),
  lastOperation: z.string(), lastOperationOutcome: z.string(), lastOperationError: z.string().nullable(),
  createdAt: z.date(), workflowId: z.string(),
  /** The network service it is a function of (none for a VNF on its own). */
  networkService: z.object({ id: z.uuid(), name: z.string(), position: z.number().int() }).nullable(),
  /** The run's own view, while it runs. */
  live: live.nullable(),
}).openapi('VnfInstance');

const createBody = z.object({
  packageId: z.uuid(),
  flavour: z.string().min(1).max(31),
  parameters: z.record(z.string(), parameterValue).default({}),
  deviceId: z.uuid().optional(),
  healing: vnfHealingPolicy.partial().optional(),
}).openapi('VnfInstanceRequest');

type Row = Awaited<ReturnType<typeof findRow>>;
const include = { package: { select: { id: true, name: true, version: true } }, serviceInstance: { select: { id: true, name: true } } } as const;
const findRow = (deps: RunDependencies, id: string) => deps.prisma.vnfInstance.findUnique({ where: { id }, include });

const toInstance = (row: NonNullable<Row>, view: VnfView | null): z.infer<typeof vnfInstance> => ({
  id: row.id, tenantId: row.tenantId, siteId: row.siteId, deviceId: row.deviceId, name: row.name,
  package: { id: row.package.id, product: row.package.name, version: row.package.version }, previousPackageId: row.previousPackageId,
  flavour: row.flavour, reserved: { vcpus: row.reservedVcpus, memoryMiB: row.reservedMemoryMiB, diskGiB: row.reservedDiskGiB },
  parameters: row.config as Record<string, string | number | boolean>,
  status: row.status, lastHealth: row.lastHealth, lastHealthAt: row.lastHealthAt, healCount: row.healCount,
  lastOperation: row.lastOperation, lastOperationOutcome: row.lastOperationOutcome, lastOperationError: row.lastOperationError,
  createdAt: row.createdAt, workflowId: vnfWorkflowId(row.id),
  networkService: row.serviceInstance && { id: row.serviceInstance.id, name: row.serviceInstance.name, position: row.position ?? 0 },
  live: view && { status: view.status, health: view.health, address: view.address, heals: view.heals, healAttempts: view.healAttempts, busy: view.busy, lastOperation: view.lastOperation },
});

export function vnfInstancesRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = z.object({ vnfInstanceId: z.uuid() });

  const found = async (principal: Principal, id: string, action: 'read' | 'execute') => {
    const row = await findRow(deps, id);
    principal.assert(row?.tenantId, 'site', action, `VNF instance ${id}`);
    return row!;
  };
  const liveView = (id: string): Promise<VnfView | null> => liveQuery(temporal, vnfWorkflowId(id), vnfStateQuery);

  api.route(router, {
    method: 'post', path: '/sites/:siteId/vnf-instances',
    summary: "Instantiate a VNF on the site's uCPE: package, flavour and day-1 parameters checked, the host's room reserved, then the instance's run started", tags,
    access: { type: 'site', action: 'execute' }, params: z.object({ siteId: z.uuid() }), body: createBody, status: 202, response: vnfInstance,
    handler: async ({ params, body, principal }, req, res) => {
      const { instanceId } = await runs.startVnfInstance({ principal, req }, { siteId: params.siteId, ...body });
      res.location(vnfInstanceUrl(instanceId));
      return toInstance((await findRow(deps, instanceId))!, null);
    },
  });

  api.route(router, {
    method: 'get', path: '/sites/:siteId/vnf-instances', summary: "The site's VNF instances (terminated ones too), newest first", tags,
    access: { type: 'site', action: 'read' }, params: z.object({ siteId: z.uuid() }),
    response: z.object({ items: z.array(vnfInstance) }),
    handler: async ({ params, principal }) => {
      const site = await prisma.site.findUnique({ where: { id: params.siteId }, select: { tenantId: true } });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      const rows = await prisma.vnfInstance.findMany({ where: { siteId: params.siteId }, include, orderBy: { createdAt: 'desc' }, take: 500 });
      return { items: rows.map((row) => toInstance(row, null)) };
    },
  });

  api.route(router, {
    method: 'get', path: '/vnf-instances/:vnfInstanceId', summary: 'A VNF instance, with its run\'s live state while it runs', tags,
    access: { type: 'site', action: 'read' }, params, response: vnfInstance,
    handler: async ({ params, principal }) => {
      const row = await found(principal, params.vnfInstanceId, 'read');
      return toInstance(row, await liveView(row.id));
    },
  });

  /** An operation through the run's update: refused with its reason (409) when the state allows none. */
  const operate = async (principal: Principal, req: Request, id: string, name: string, send: (handle: Parameters<Parameters<RunRegistry['decide']>[2]>[0]) => Promise<VnfView>) => {
    const row = await found(principal, id, 'execute');
    const view = await runs.decide({ principal, req }, {
      workflowId: vnfWorkflowId(row.id),
      refusal: () => problems.conflict(`${row.name} is ${row.status}: it takes no ${name}.`),
      audit: { action: `vnf-instance.${name}`, objectType: 'vnf-instance', objectId: row.id, tenantId: row.tenantId, after: (v: VnfView) => ({ status: v.status }) },
    }, send);
    return toInstance((await findRow(deps, row.id))!, view);
  };

  for (const [name, update, summary] of [
    ['heal', healVnfUpdate, 'Heal now: restart the VNF (the heal attempts start again)'],
    ['terminate', terminateVnfUpdate, 'Terminate: the VNF stopped and undefined on the uCPE, its image removed if unused, its room released'],
    ['retry', retryVnfUpdate, 'Retry the failed operation'],
    ['rollback', rollbackVnfUpdate, 'Roll the failed operation back (scale, change of package)'],
    ['fail', failVnfUpdate, 'Give the failed operation up: the instance is failed, with an alarm, until healed or terminated'],
  ] as const) {
    api.route(router, {
      method: 'post', path: `/vnf-instances/:vnfInstanceId/${name}`, summary, tags,
      access: { type: 'site', action: 'execute' }, params, status: 202, response: vnfInstance,
      handler: async ({ params, principal }, req) => operate(principal, req, params.vnfInstanceId, name, (run) => run.executeUpdate(update)),
    });
  }

  api.route(router, {
    method: 'post', path: '/vnf-instances/:vnfInstanceId/scale', summary: 'Change the flavour (the VNF restarts with it), if the uCPE has the room', tags,
    access: { type: 'site', action: 'execute' }, params, body: vnfScaleRequest, status: 202, response: vnfInstance,
    handler: async ({ params, body, principal }, req) => {
      const row = await found(principal, params.vnfInstanceId, 'execute');
      const pkg = packageSpec((await prisma.vnfPackage.findUniqueOrThrow({ where: { id: row.packageId } })));
      const flavour = pkg.flavours.find((f) => f.name === body.flavour);
      if (!flavour) throw problems.validation([{ path: 'flavour', message: `${pkg.product} ${pkg.version} has no flavour ${body.flavour}` }]);
      const device = await prisma.device.findUniqueOrThrow({ where: { id: row.deviceId }, select: { model: true, hostname: true } });
      const reserved = await hostReservations(prisma, row.deviceId);
      const others = { cores: reserved.cores - row.reservedVcpus, memoryMiB: reserved.memoryMiB - row.reservedMemoryMiB, diskGiB: reserved.diskGiB - row.reservedDiskGiB };
      const shortfall = flavourShortfall(vnfHostOf(device.model)!, others, flavour);
      if (shortfall) throw problems.validation([{ path: 'flavour', message: `${device.hostname} has not the room for ${flavour.name}: ${shortfall}` }]);
      return operate(principal, req, row.id, 'scale', (run) => run.executeUpdate(scaleVnfUpdate, { args: [{ flavour: body.flavour }] }));
    },
  });

  api.route(router, {
    method: 'post', path: '/vnf-instances/:vnfInstanceId/change-package',
    summary: 'Move to another package (a new version): rolled back to the image and configuration before when it does not come up healthy', tags,
    access: { type: 'site', action: 'execute' }, params, body: vnfChangePackageRequest, status: 202, response: vnfInstance,
    handler: async ({ params, body, principal }, req) => {
      const row = await found(principal, params.vnfInstanceId, 'execute');
      const target = await prisma.vnfPackage.findUnique({ where: { id: body.packageId } });
      if (!target) throw problems.validation([{ path: 'packageId', message: 'no such VNF package in the catalogue' }]);
      const pkg = packageSpec(target);
      const change = packageChange(pkg, { flavour: row.flavour, config: row.config as Record<string, unknown> }, body.parameters);
      if (change.problems.length > 0) throw problems.validation(change.problems);
      return operate(principal, req, row.id, 'change-package', (run) => run.executeUpdate(changeVnfPackageUpdate, { args: [{ packageId: pkg.id, parameters: change.parameters }] }));
    },
  });

  return router;
}
