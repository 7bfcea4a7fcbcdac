// Replacing a failed device (RMA): the operator names the new box's serial (and its model, when a
// documented replacement model ships instead); the answer holds the one-time activation code the
// installer types into the new box, shown this once. A spare that phoned home already is admitted
// by the host key it reported instead, as an unclaimed box assigned to a site is: no code to type.
// The run rebinds the device to the new box.
import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { portMapping, replaceableStatuses, replacementModels } from '../../domain/device-models.ts';
import { farEndsOfDevice } from '../../inventory/far-ends.ts';
import type { rma } from '../../workflows/rma.ts';
import { rmaProgressQuery, rmaWorkflowId } from '../../workflows/rma.messages.ts';
import { searchAttributeKeys, taskQueues } from '../../domain/task-queues.ts';
import type { Action } from '../../domain/permissions.ts';
import { rmaProgressSchema } from '../../domain/progress.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { temporalRunLink, temporalUiLink, type OperationDependencies } from '../operations.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { rmaParams, rmaRequest } from '../schemas/rma.ts';
import { activationCodeHash, namableBoxes } from '../site-inventory.ts';
import { deviceProvisioning, provisioningOf } from './onboarding.ts';

const rmaRecord = z.object({
  id: z.uuid(), tenantId: z.uuid(), deviceId: z.uuid(), oldSerial: z.string(), newSerial: z.string().nullable(), newModel: z.string().nullable(),
  status: z.string(), reason: z.string().nullable(), configVersion: z.number().int().nullable(), workflowId: z.string().nullable(),
  openedAt: z.date(), closedAt: z.date().nullable(),
}).openapi('RmaRecord');

export const rmaProgressUrl = (deviceId: string) => `/api/v1/devices/${deviceId}/rma`;

export function rmaRouter(api: ApiDefinition, deps: OperationDependencies): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = rmaParams;

  /** The unclaimed box a spare's serial names, which must have phoned home as the model it replaces with. */
  const spareThatPhonedHome = async (serial: string, model: string, tenantId: string) => {
    const box = await prisma.unclaimedDevice.findFirst({ where: { serial, ...namableBoxes(tenantId) } });
    if (!box?.hostKeySha256) {
      throw problems.validation([{ path: 'newSerial', message: 'has not phoned home: only a spare listed among the unclaimed devices is admitted by its host key; send admitBy activation_code for any other box' }]);
    }
    if (box.model !== model) throw problems.validation([{ path: 'newModel', message: `is ${model}, but the spare ${serial} phoned home as a ${box.model}` }]);
    return { hostKeySha256: box.hostKeySha256 };
  };

  const deviceOf = async (principal: Principal, deviceId: string, action: Action) => {
    const device = await prisma.device.findUnique({ where: { id: deviceId }, include: { site: { select: { tenantId: true, name: true, status: true } } } });
    principal.assert(device?.site.tenantId, 'rma', action, `Device ${deviceId}`);
    return device!;
  };

  api.route(router, {
    method: 'post', path: '/devices/:deviceId/rma', summary: 'Replace a failed device with a new box (RMA): same identity and configuration, new hardware', tags: ['RMA'],
    access: { type: 'rma', action: 'execute' }, params,
    body: rmaRequest,
    status: 202,
    response: z.object({
      rmaId: z.uuid(), workflowId: z.string(), runId: z.string(),
      activationCode: z.string().nullable().describe('Type it into the new box: shown this once. None for a spare admitted by its host key'),
      progressUrl: z.string(), temporalUiUrl: temporalUiLink,
    }),
    handler: async ({ params, body, principal }, req, res) => {
      const device = await deviceOf(principal, params.deviceId, 'execute');
      if (!device.serial || !replaceableStatuses.includes(device.status)) {
        throw problems.conflict(`${device.hostname} is ${device.status}: only a device in service is replaced.`, { deviceStatus: device.status });
      }
      if (device.site.status !== 'active') throw problems.conflict(`${device.site.name} is ${device.site.status}: a device is replaced at a site in service.`, { siteStatus: device.site.status });
      const newModel = body.newModel ?? device.model;
      if (!portMapping(device.model, newModel)) {
        const allowed = [device.model, ...(replacementModels[device.model] ?? []).map((r) => r.model)].join(' or ');
        throw problems.validation([{ path: 'newModel', message: `a ${newModel} cannot replace a ${device.model}: send a ${allowed}` }]);
      }
      if (body.newSerial === device.serial) throw problems.validation([{ path: 'newSerial', message: 'is the failed box\'s serial: give the new box\'s' }]);
      // Only among the device's own tenant: another tenant's serial answers as an unknown one does
      // (the replacement then waits for a box that never phones home with its code).
      if (await prisma.device.findFirst({ where: { serial: body.newSerial, site: { tenantId: device.site.tenantId } }, select: { id: true } })) {
        throw problems.validation([{ path: 'newSerial', message: 'belongs to another device already' }]);
      }
      // How the new box will prove itself: a spare by the host key it reported, any other by a new
      // one-time code, of which only the hash enters the run.
      let activationCode: string | null = null;
      let proof: { hostKeySha256: string } | { activationCodeHash: string };
      if (body.admitBy === 'host_key') {
        proof = await spareThatPhonedHome(body.newSerial, newModel, device.site.tenantId);
      } else {
        activationCode = randomBytes(9).toString('base64url');
        proof = { activationCodeHash: activationCodeHash(activationCode) };
      }
      const rmaId = randomUUID();
      const workflowId = rmaWorkflowId(device.id);
      try {
        const handle = await temporal.workflow.start<typeof rma>('rma', {
          workflowId,
          taskQueue: taskQueues.orchestration,
          workflowIdConflictPolicy: 'FAIL',
          args: [{
            rmaId, deviceId: device.id, newSerial: body.newSerial, ...proof,
            phoneHomeWithin: `${body.phoneHomeWithinMinutes} minutes`,
            ...(body.newModel && body.newModel !== device.model ? { newModel: body.newModel } : {}),
            ...(body.reason ? { reason: body.reason } : {}),
            ...(body.ticket ? { ticket: body.ticket } : {}),
          }],
          typedSearchAttributes: [
            { key: searchAttributeKeys.tenant, value: device.site.tenantId },
            { key: searchAttributeKeys.site, value: device.siteId },
            { key: searchAttributeKeys.deviceSerials, value: [device.serial, body.newSerial] },
            ...(body.ticket ? [{ key: searchAttributeKeys.ticket, value: body.ticket }] : []),
          ],
        });
        await recordAudit(prisma, principal, req, {
          action: 'device.rma.start', objectType: 'device', objectId: device.id, tenantId: device.site.tenantId,
          before: { serial: device.serial, model: device.model },
          after: { serial: body.newSerial, model: newModel, admitBy: body.admitBy, reason: body.reason ?? null, rmaId, workflowId },
        });
        res.location(rmaProgressUrl(device.id));
        const runId = handle.firstExecutionRunId;
        return { rmaId, workflowId, runId, activationCode, progressUrl: rmaProgressUrl(device.id), ...temporalRunLink(deps, principal, workflowId, runId) };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        throw problems.conflict(`${device.hostname} is being replaced already: follow that run, or abort it first.`, { workflowId });
      }
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/rma', summary: "The device's latest replacement, step by step", tags: ['RMA'],
    access: { type: 'rma', action: 'read' }, params,
    // The state as text, as the API has always documented it.
    response: rmaProgressSchema.omit({ deviceId: true }).extend({
      devices: z.array(deviceProvisioning), workflowId: z.string(), runId: z.string(), execution: z.string(), temporalUiUrl: temporalUiLink, state: z.string(),
    }),
    handler: async ({ params, principal }) => {
      await deviceOf(principal, params.deviceId, 'read');
      const handle = temporal.workflow.getHandle(rmaWorkflowId(params.deviceId));
      try {
        const description = await handle.describe();
        const progress = await handle.query(rmaProgressQuery);
        return {
          ...progress, devices: await provisioningOf(temporal, progress.devices), workflowId: description.workflowId, runId: description.runId, execution: description.status.name,
          ...temporalRunLink(deps, principal, description.workflowId, description.runId),
        };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`A replacement of device ${params.deviceId}`);
        throw error;
      }
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/rma/preview', summary: 'What a replacement of the device would do: the configuration it would give the new box, the tunnels it would re-point', tags: ['RMA'],
    access: { type: 'rma', action: 'read' }, params,
    response: z.object({
      configVersion: z.number().int().nullable().describe('The last configuration on record, which the new box receives (none: the old box is read, if it answers)'),
      configCommittedAt: z.date().nullable(),
      tunnels: z.array(z.object({ farSiteId: z.uuid(), farSiteName: z.string() })).describe("The device's tunnels, re-pointed at the new box on the hub or peer at their far end"),
    }),
    handler: async ({ params, principal }) => {
      const device = await deviceOf(principal, params.deviceId, 'read');
      const config = await prisma.configVersion.findFirst({ where: { deviceId: device.id }, orderBy: { version: 'desc' }, select: { version: true, committedAt: true } });
      // As the workflow finds them, one entry per tunnel.
      const farSiteIds = (await farEndsOfDevice(prisma, device.id)).flatMap((end) => end.tunnels.map(() => end.siteId));
      const names = new Map((await prisma.site.findMany({ where: { id: { in: farSiteIds } }, select: { id: true, name: true } })).map((site) => [site.id, site.name]));
      return {
        configVersion: config?.version ?? null, configCommittedAt: config?.committedAt ?? null,
        tunnels: farSiteIds.map((id) => ({ farSiteId: id, farSiteName: names.get(id) ?? id })),
      };
    },
  });

  api.route(router, {
    method: 'post', path: '/devices/:deviceId/rma/abort', summary: 'Abort a replacement under way (the device stays in RMA)', tags: ['RMA'],
    access: { type: 'rma', action: 'execute' }, params,
    status: 202,
    response: z.object({ workflowId: z.string() }),
    handler: async ({ params, principal }, req) => {
      const device = await deviceOf(principal, params.deviceId, 'execute');
      const workflowId = rmaWorkflowId(device.id);
      const running = await temporal.workflow.getHandle(workflowId).describe().catch(() => undefined);
      if (running?.status.name !== 'RUNNING') throw problems.conflict(`No replacement of ${device.hostname} is under way.`);
      await temporal.workflow.getHandle(workflowId).cancel();
      await recordAudit(prisma, principal, req, { action: 'device.rma.abort', objectType: 'device', objectId: device.id, tenantId: device.site.tenantId, after: { workflowId } });
      return { workflowId };
    },
  });

  api.route(router, {
    method: 'get', path: '/rma-records', summary: 'Device replacements, open and closed, with old and new serials and times', tags: ['RMA'],
    access: { type: 'rma', action: 'read' },
    query: pageQuery.extend({ tenantId: z.uuid().optional(), deviceId: z.uuid().optional() }),
    response: pageOf(rmaRecord),
    handler: async ({ query, principal }) => {
      const where = { ...principal.tenantWhere('rma', query.tenantId), ...(query.deviceId ? { deviceId: query.deviceId } : {}) };
      const rows = await prisma.rmaRecord.findMany({ ...pageArgs(query, where), omit: { farTunnels: true } });
      return toPage(rows, query.limit);
    },
  });

  return router;
}
