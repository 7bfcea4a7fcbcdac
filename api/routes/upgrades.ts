// Upgrading one device now (a bulk campaign is many of these): to a catalogue image, by default
// the tenant's target for the device's model. api/runs/device-runs.ts starts the run.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { upgradeDeviceWorkflowId, upgradeProgressQuery } from '../../workflows/upgrade-device.messages.ts';
import type { Action } from '../../domain/permissions.ts';
import { upgradeProgressSchema } from '../../domain/progress.ts';
import type { Principal } from '../access/principal.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';

export function upgradesRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
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
      const started = await runs.startDeviceUpgrade({ principal, req }, { deviceId: params.deviceId, ...body });
      res.location(started.progressUrl);
      return started;
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
