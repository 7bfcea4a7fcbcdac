// Replacing a failed device (RMA): the operator names the new box's serial (and its model, when a
// documented replacement model ships instead); the answer holds the one-time activation code the
// installer types into the new box, shown this once. A spare that phoned home already is admitted
// by the host key it reported instead, as an unclaimed box assigned to a site is: no code to type.
// The run rebinds the device to the new box; api/runs/device-runs.ts starts it.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { farEndsOfDevice } from '../../inventory/far-ends.ts';
import { rmaProgressQuery, rmaWorkflowId } from '../../workflows/rma.messages.ts';
import type { Action } from '../../domain/permissions.ts';
import { rmaProgressSchema } from '../../domain/progress.ts';
import type { Principal } from '../access/principal.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { rmaParams, rmaRequest } from '../schemas/rma.ts';
import { deviceProvisioning, provisioningOf } from './onboarding.ts';

const rmaRecord = z.object({
  id: z.uuid(), tenantId: z.uuid(), deviceId: z.uuid(), oldSerial: z.string(), newSerial: z.string().nullable(), newModel: z.string().nullable(),
  status: z.string(), reason: z.string().nullable(), configVersion: z.number().int().nullable(), workflowId: z.string().nullable(),
  openedAt: z.date(), closedAt: z.date().nullable(),
}).openapi('RmaRecord');

export function rmaRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = rmaParams;

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
      started: z.boolean().describe('Whether this request started the run (false: its ticket started it before, for a spare admitted by its host key)'),
      activationCode: z.string().nullable().describe('Type it into the new box: shown this once. None for a spare admitted by its host key'),
      progressUrl: z.string(), temporalUiUrl: temporalUiLink,
    }),
    handler: async ({ params, body, principal }, req, res) => {
      const started = await runs.startReplacement({ principal, req }, { deviceId: params.deviceId, ...body });
      res.location(started.progressUrl);
      return started;
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
      return runs.decide({ principal, req }, {
        workflowId,
        refusal: () => problems.conflict(`No replacement of ${device.hostname} is under way.`),
        audit: { action: 'device.rma.abort', objectType: 'device', objectId: device.id, tenantId: device.site.tenantId, after: () => ({ workflowId }) },
      }, async (run) => {
        await run.cancel();
        return { workflowId };
      });
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
