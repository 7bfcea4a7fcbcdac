// Rotating a device's credentials: a new NETCONF login pushed with a confirmed commit, tried, kept
// as the device's own credentials, and the old login user removed. api/runs/device-runs.ts starts
// the run; its progress names the users, never a secret.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { credentialRotationProgressQuery, credentialRotationWorkflowId } from '../../workflows/rotate-credentials.messages.ts';
import { credentialRotationProgressSchema } from '../../domain/progress.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { ticketSchema } from '../schemas/ticket.ts';

export function credentialRotationRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = z.object({ deviceId: z.uuid() });

  api.route(router, {
    method: 'post', path: '/devices/:deviceId/credential-rotation', summary: 'Rotate the NETCONF login Branchline uses on a device: new user, confirmed commit, login tried, old user removed', tags: ['Devices'],
    access: { type: 'credential', action: 'execute' }, params,
    body: z.object({ ticket: ticketSchema.optional() }).strict(),
    status: 202,
    response: z.object({
      workflowId: z.string(), runId: z.string(),
      started: z.boolean().describe('Whether this request started the run (false: one was under way already, for this device or this ticket)'),
      progressUrl: z.string(), temporalUiUrl: temporalUiLink,
    }),
    handler: async ({ params, body, principal }, req, res) => {
      const started = await runs.startCredentialRotation({ principal, req }, { deviceId: params.deviceId, ...body });
      res.location(started.progressUrl);
      return started;
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/credential-rotation', summary: "The device's latest credential rotation, step by step", tags: ['Devices'],
    access: { type: 'credential', action: 'read' }, params,
    response: credentialRotationProgressSchema.omit({ deviceId: true }).extend({
      workflowId: z.string(), runId: z.string(), execution: z.string(), temporalUiUrl: temporalUiLink,
    }),
    handler: async ({ params, principal }) => {
      const device = await prisma.device.findUnique({ where: { id: params.deviceId }, select: { site: { select: { tenantId: true } } } });
      principal.assert(device?.site.tenantId, 'credential', 'read', `Device ${params.deviceId}`);
      const handle = temporal.workflow.getHandle(credentialRotationWorkflowId(params.deviceId));
      try {
        const description = await handle.describe();
        const { deviceId: _deviceId, ...progress } = await handle.query(credentialRotationProgressQuery);
        return {
          ...progress, workflowId: description.workflowId, runId: description.runId, execution: description.status.name,
          ...temporalRunLink(deps, principal, description.workflowId, description.runId),
        };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`A credential rotation of device ${params.deviceId}`);
        throw error;
      }
    },
  });

  return router;
}
