// A device's configuration history and drift. History: every version Branchline committed or
// adopted, newest first, each with its content (secrets named, never shown) and a diff between any
// two; a rollback to any of them. Drift: what the last reconciliation found (in sync, or drifted
// with the diff and who changed the device when it says), and the operator's choice over a drift:
// re-apply Branchline's newest version, or adopt the device's change as a new version. The runs
// are started by api/runs/configuration-runs.ts.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { configSource, driftState } from '../../domain/choices.ts';
import { diffConfigs } from '../../domain/config-diff.ts';
import { deviceConfigurationProgressSchema } from '../../domain/progress.ts';
import { configVersionWithContent, configVersions, versionRequesters } from '../../inventory/config-history.ts';
import { deviceDrift } from '../../inventory/drift.ts';
import { deviceConfigurationProgressQuery, deviceConfigurationWorkflowId } from '../../workflows/device-configuration.messages.ts';
import type { Principal } from '../access/principal.ts';
import type { ApiDefinition } from '../openapi.ts';
import { problems } from '../problems.ts';
import { temporalRunLink, temporalUiLink } from '../runs/links.ts';
import type { RunDependencies, RunRegistry } from '../runs/registry.ts';
import { ticketSchema } from '../schemas/ticket.ts';
import { versionNumberText } from '../schemas/version-number.ts';


const versionSummary = z.object({
  version: z.number().int(),
  committedAt: z.date(),
  source: z.enum(configSource.values).describe('Why it was made: the kind of run, rollback for a version put back, manual for a device\'s own change adopted'),
  restoredVersion: z.number().int().nullable().describe('For a rollback: the earlier version it brought back'),
  workflowId: z.string().nullable().describe('The run that committed it'),
  sha256: z.string().nullable().describe('Of its content; in lists, none for a version recorded as an increment over the one before it (its content, and sha256, are rebuilt when it is read)'),
}).openapi('ConfigVersionSummary');

const versionListed = versionSummary.extend({
  requestedBy: z.string().nullable().describe('Who asked for the run that committed it, by the audit of its start (none: a run nobody asked for, such as ZTP)'),
}).openapi('ConfigVersionListed');

const drift = z.object({
  deviceId: z.uuid(),
  hostname: z.string(),
  siteId: z.uuid(),
  state: z.enum(driftState.values),
  comparedVersion: z.number().int().describe('The version on record the running configuration was compared with'),
  diff: z.string().describe("From that version to what the device runs, one element per line ('' in sync)"),
  changedBy: z.string().nullable().describe("Who made the device's newest commit, where the device says"),
  changedAt: z.date().nullable(),
  detectedAt: z.date().nullable(),
  checkedAt: z.date(),
}).openapi('DeviceDrift');

const runStarted = z.object({
  workflowId: z.string(), runId: z.string(), started: z.boolean(), version: z.number().int().nullable(), progressUrl: z.string(), temporalUiUrl: temporalUiLink,
});

export function configurationRouter(api: ApiDefinition, deps: RunDependencies, runs: RunRegistry): Router {
  const router = Router();
  const { prisma, temporal } = deps;
  const params = z.object({ deviceId: z.uuid() });
  const versionNumber = versionNumberText();

  /** The device, when the principal may read it; else 404 as for a device that does not exist. */
  async function readableDevice(principal: Principal, deviceId: string) {
    const device = await prisma.device.findUnique({ where: { id: deviceId }, select: { id: true, hostname: true, siteId: true, site: { select: { tenantId: true } } } });
    principal.assert(device?.site.tenantId, 'device', 'read', `Device ${deviceId}`);
    return device!;
  }

  async function versionOf(deviceId: string, version: number) {
    const found = await configVersionWithContent(prisma, deviceId, version);
    if (!found) throw problems.notFound(`Configuration version ${version} of device ${deviceId}`);
    return found;
  }

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/configuration', summary: "A device's configuration at a glance: the device, its newest version and its drift state", tags: ['Devices'],
    access: { type: 'device', action: 'read' }, params,
    response: z.object({
      deviceId: z.uuid(), hostname: z.string(), tenantId: z.uuid(), siteId: z.uuid(), status: z.string(),
      latestVersion: z.number().int().nullable(), driftState: z.enum(driftState.values).nullable().describe('None before the first reconciliation'),
      runExecution: z.string().nullable().describe("The latest rollback, re-apply or adoption's execution status (RUNNING…); none before the first"),
    }).openapi('DeviceConfiguration'),
    handler: async ({ params, principal }) => {
      const device = await readableDevice(principal, params.deviceId);
      const [status, latest, reading, run] = await Promise.all([
        prisma.device.findUniqueOrThrow({ where: { id: device.id }, select: { status: true } }),
        prisma.configVersion.findFirst({ where: { deviceId: device.id }, orderBy: { version: 'desc' }, select: { version: true } }),
        deviceDrift(prisma, device.id),
        temporal.workflow.getHandle(deviceConfigurationWorkflowId(device.id)).describe().catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return null;
          throw error;
        }),
      ]);
      return {
        deviceId: device.id, hostname: device.hostname, tenantId: device.site.tenantId, siteId: device.siteId, status: status.status,
        latestVersion: latest?.version ?? null, driftState: reading?.state ?? null, runExecution: run?.status.name ?? null,
      };
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/config-versions', summary: "A device's configuration versions, newest first", tags: ['Devices'],
    access: { type: 'device', action: 'read' }, params,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      before: versionNumber.optional().describe('The nextBefore of the previous page: versions older than it'),
    }),
    response: z.object({ items: z.array(versionListed), nextBefore: z.number().int().nullable() }),
    handler: async ({ params, query, principal }) => {
      await readableDevice(principal, params.deviceId);
      const rows = await configVersions(prisma, params.deviceId, { limit: query.limit + 1, before: query.before });
      const page = rows.slice(0, query.limit);
      const requesters = await versionRequesters(prisma, page);
      const items = page.map(({ id: _id, ...row }) => ({ ...row, requestedBy: requesters.get(row.version) ?? null }));
      return { items, nextBefore: rows.length > query.limit ? items.at(-1)!.version : null };
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/config-versions/diff', summary: 'What changed from one configuration version of a device to another', tags: ['Devices'],
    access: { type: 'device', action: 'read' }, params,
    query: z.object({ from: versionNumber, to: versionNumber }),
    response: z.object({ from: z.number().int(), to: z.number().int(), diff: z.string().describe("Unified, one element per line: '-' removed, '+' added, '@@' lines left out ('' for none)") }),
    handler: async ({ params, query, principal }) => {
      await readableDevice(principal, params.deviceId);
      const [from, to] = [await versionOf(params.deviceId, query.from), await versionOf(params.deviceId, query.to)];
      return { from: query.from, to: query.to, diff: diffConfigs(from.content, to.content) };
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/config-versions/:version', summary: 'One configuration version of a device, with its content', tags: ['Devices'],
    access: { type: 'device', action: 'read' }, params: params.extend({ version: versionNumber }),
    response: versionSummary.extend({ content: z.string().describe('The configuration as the device ran it, its secrets named by reference') }),
    handler: async ({ params, principal }) => {
      await readableDevice(principal, params.deviceId);
      const { version, committedAt, source, restoredVersion, workflowId, sha256, content } = await versionOf(params.deviceId, params.version);
      return { version, committedAt, source, restoredVersion, workflowId, sha256, content };
    },
  });

  api.route(router, {
    method: 'post', path: '/devices/:deviceId/config-versions/:version/rollback', summary: 'Roll a device back to a configuration version: confirmed commit with post-checks, under its lease, recorded as a new version', tags: ['Devices'],
    access: { type: 'device', action: 'execute' }, params: params.extend({ version: versionNumber }),
    body: z.object({ ticket: ticketSchema.optional() }).strict(),
    status: 202, response: runStarted,
    handler: async ({ params, body, principal }, req, res) => {
      const started = await runs.startConfigurationRun({ principal, req }, { deviceId: params.deviceId, action: 'rollback', version: params.version, ...body });
      res.location(started.progressUrl);
      return started;
    },
  });

  for (const action of ['re-apply', 'adopt'] as const) {
    api.route(router, {
      method: 'post', path: `/devices/:deviceId/drift/${action}`, tags: ['Devices'],
      summary: action === 're-apply'
        ? "Push Branchline's newest configuration version back over a drifted device's change (confirmed commit, under its lease)"
        : "Keep a drifted device's own change: what it runs becomes its newest configuration version",
      access: { type: 'device', action: 'execute' }, params,
      body: z.object({ ticket: ticketSchema.optional() }).strict(),
      status: 202, response: runStarted,
      handler: async ({ params, body, principal }, req, res) => {
        const started = await runs.startConfigurationRun({ principal, req }, { deviceId: params.deviceId, action, ...body });
        res.location(started.progressUrl);
        return started;
      },
    });
  }

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/configuration-run', summary: "The device's latest configuration rollback, re-apply or adoption, step by step", tags: ['Devices'],
    access: { type: 'device', action: 'read' }, params,
    response: deviceConfigurationProgressSchema.omit({ deviceId: true }).extend({ workflowId: z.string(), runId: z.string(), execution: z.string(), temporalUiUrl: temporalUiLink }),
    handler: async ({ params, principal }) => {
      await readableDevice(principal, params.deviceId);
      const handle = temporal.workflow.getHandle(deviceConfigurationWorkflowId(params.deviceId));
      try {
        const description = await handle.describe();
        const { deviceId: _deviceId, ...progress } = await handle.query(deviceConfigurationProgressQuery);
        return { ...progress, workflowId: description.workflowId, runId: description.runId, execution: description.status.name, ...temporalRunLink(deps, principal, description.workflowId, description.runId) };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw problems.notFound(`A configuration run of device ${params.deviceId}`);
        throw error;
      }
    },
  });

  api.route(router, {
    method: 'get', path: '/devices/:deviceId/drift', summary: 'Whether a device runs what Branchline last committed, as the last reconciliation read it', tags: ['Devices'],
    access: { type: 'device', action: 'read' }, params,
    response: drift,
    handler: async ({ params, principal }) => {
      const device = await readableDevice(principal, params.deviceId);
      const found = await deviceDrift(prisma, device.id);
      if (!found) throw problems.notFound(`A drift reading of device ${params.deviceId}`);
      return { ...found, hostname: device.hostname, siteId: device.siteId };
    },
  });

  api.route(router, {
    method: 'get', path: '/drift', summary: 'Drifted devices: those running a configuration Branchline did not commit', tags: ['Devices'],
    access: { type: 'device', action: 'read' },
    query: z.object({
      tenantId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.uuid().optional().describe('The nextCursor of the previous page'),
    }),
    response: z.object({ items: z.array(drift), nextCursor: z.uuid().nullable() }),
    handler: async ({ query, principal }) => {
      const rows = await prisma.deviceDrift.findMany({
        where: { state: 'drifted', device: { site: principal.tenantWhere('device', query.tenantId) }, ...(query.cursor ? { deviceId: { gt: query.cursor } } : {}) },
        orderBy: { deviceId: 'asc' }, take: query.limit + 1,
        include: { device: { select: { hostname: true, siteId: true } } },
      });
      const items = rows.slice(0, query.limit).map(({ device, ...row }) => ({ ...row, hostname: device.hostname, siteId: device.siteId }));
      return { items, nextCursor: rows.length > query.limit ? items.at(-1)!.deviceId : null };
    },
  });

  return router;
}
