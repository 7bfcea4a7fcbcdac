// Upgrading one device now (a bulk campaign is many of these): to a catalogue image, by default
// the tenant's target for the device's model.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { searchAttributeKeys, taskQueues } from '../../domain/task-queues.ts';
import type { upgradeDevice } from '../../workflows/upgrade-device.ts';
import { upgradeDeviceWorkflowId, upgradeProgressQuery } from '../../workflows/upgrade-device.messages.ts';
import type { Action } from '../../domain/permissions.ts';
import { upgradeProgressSchema } from '../../domain/progress.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { temporalRunLink, temporalUiLink, type OperationDependencies } from '../operations.ts';
import { problems } from '../problems.ts';

export function upgradesRouter(api: ApiDefinition, deps: OperationDependencies): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = z.object({ deviceId: z.uuid() });

  const deviceOf = async (principal: Principal, deviceId: string, action: Action) => {
    const device = await prisma.device.findUnique({ where: { id: deviceId }, include: { site: { select: { tenantId: true } } } });
    principal.assert(device?.site.tenantId, 'device', action, `Device ${deviceId}`);
    return device!;
  };

  api.route(router, {
    method: 'post', path: '/devices/:deviceId/upgrade', summary: "Upgrade one device (by default to its tenant's target image)", tags: ['Upgrades'],
    access: { type: 'device', action: 'execute' }, params,
    body: z.object({ imageId: z.uuid().optional() }),
    status: 202,
    response: z.object({ workflowId: z.string(), runId: z.string(), started: z.boolean(), progressUrl: z.string(), temporalUiUrl: temporalUiLink }),
    handler: async ({ params, body, principal }, req, res) => {
      const device = await deviceOf(principal, params.deviceId, 'execute');
      if (!device.serial || !device.managementAddress) throw problems.conflict(`${device.hostname} has never been provisioned: there is nothing to upgrade yet.`);
      const image = body.imageId
        ? await prisma.firmwareImage.findUnique({ where: { id: body.imageId } })
        : (await prisma.tenantTargetImage.findUnique({ where: { tenantId_model: { tenantId: device.site.tenantId, model: device.model } }, include: { image: true } }))?.image;
      if (!image) throw problems.validation([{ path: 'imageId', message: body.imageId ? 'no such image in the catalogue' : `the tenant has no target image for ${device.model}: name one` }]);
      if (image.model !== device.model) throw problems.validation([{ path: 'imageId', message: `that image is for ${image.model}; ${device.hostname} is a ${device.model}` }]);
      const workflowId = upgradeDeviceWorkflowId(device.id);
      const progressUrl = `/api/v1/devices/${device.id}/upgrade`;
      res.location(progressUrl);
      try {
        const handle = await temporal.workflow.start<typeof upgradeDevice>('upgradeDevice', {
          workflowId,
          taskQueue: taskQueues.orchestration,
          workflowIdConflictPolicy: 'FAIL',
          args: [{ deviceId: device.id, image: { model: image.model, version: image.version, sha256: image.sha256, sizeBytes: Number(image.sizeBytes) } }],
          typedSearchAttributes: [
            { key: searchAttributeKeys.tenant, value: device.site.tenantId },
            { key: searchAttributeKeys.site, value: device.siteId },
            { key: searchAttributeKeys.deviceSerials, value: [device.serial] },
          ],
        });
        await recordAudit(prisma, principal, req, { action: 'device.upgrade.start', objectType: 'device', objectId: device.id, tenantId: device.site.tenantId, after: { version: image.version, workflowId } });
        const runId = handle.firstExecutionRunId;
        return { workflowId, runId, started: true, progressUrl, ...temporalRunLink(deps, principal, workflowId, runId) };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        const running = await temporal.workflow.getHandle(workflowId).describe();
        return { workflowId, runId: running.runId, started: false, progressUrl, ...temporalRunLink(deps, principal, workflowId, running.runId) };
      }
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/upgrade', summary: "The device's latest single upgrade, step by step", tags: ['Upgrades'],
    access: { type: 'device', action: 'read' }, params,
    // The state as text, as the API has always documented it.
    response: upgradeProgressSchema.pick({ image: true, fromVersion: true, error: true, steps: true }).extend({
      workflowId: z.string(), runId: z.string(), execution: z.string(), temporalUiUrl: temporalUiLink, state: z.string(),
    }),
    handler: async ({ params, principal }) => {
      await deviceOf(principal, params.deviceId, 'read');
      const handle = temporal.workflow.getHandle(upgradeDeviceWorkflowId(params.deviceId));
      try {
        const description = await handle.describe();
        const progress = await handle.query(upgradeProgressQuery);
        return {
          workflowId: description.workflowId, runId: description.runId, execution: description.status.name,
          ...temporalRunLink(deps, principal, description.workflowId, description.runId),
          state: progress.state, image: progress.image, fromVersion: progress.fromVersion, error: progress.error, steps: progress.steps,
        };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`An upgrade of device ${params.deviceId}`);
        throw error;
      }
    },
  });

  return router;
}
