// A site's SLA steering as operators read it: the live state (each link's last figures, each
// steered application's link and why, hold-downs) from the site's `slaSteering` run, and the
// link switches it recorded, per site and tenant-wide.
import { Router } from 'express';
import { z } from 'zod';
import { instant } from '../schemas/instant.ts';
import { steeringReasons } from '../../domain/sla-steering.ts';
import type { Prisma, PrismaClient } from '../../prisma/client.ts';
import { slaSteeringStateQuery, slaSteeringWorkflowId, type SlaSteeringView } from '../../workflows/sla-steering.messages.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { latestLinkMinutes } from '../../inventory/link-metrics.ts';
import { describeRun } from '../runs/launch.ts';
import type { RunDependencies } from '../runs/registry.ts';

const tags = ['SLA'];
const params = z.object({ siteId: z.uuid() });
/** How old a recorded minute a link may show when steering has no figures of its own. */
const recentMinuteMs = 5 * 60_000;
const measured = z.object({ rttMs: z.number(), jitterMs: z.number(), lossPermille: z.number() });

const slaState = z.object({
  siteId: z.uuid(),
  steering: z.enum(['running', 'not_running']).describe('Whether the site has a steering run (it starts with the first push of steered policies)'),
  links: z.array(z.object({
    link: z.string(), linkId: z.uuid().describe('The WAN link, for its metrics'), type: z.string(), up: z.boolean().nullable().describe('As last evaluated, else as the last recorded minute; null when neither is known'),
    measured: measured.nullable(), at: z.string().nullable().describe('When the poller read these figures'),
  })),
  applications: z.array(z.object({
    application: z.string(), policy: z.string(), link: z.string().nullable(), reason: z.enum(steeringReasons), since: z.string(),
    violations: z.number().int(), recoveries: z.number().int(), violatingSince: z.string().nullable(),
    heldDown: z.array(z.object({ link: z.string(), until: z.string() })),
  })),
  alarmed: z.array(z.string()).describe('Policies whose sustained-violation alarm is raised'),
  switching: z.boolean(),
  lastError: z.string().nullable(),
}).openapi('SiteSlaState');

const linkSwitch = z.object({
  id: z.uuid(), tenantId: z.uuid(), siteId: z.uuid(), policy: z.string(), application: z.string(),
  fromLink: z.string().nullable(), toLink: z.string().nullable(), reason: z.string(),
  measurements: z.record(z.string(), z.unknown()).describe("Each link's figures when the switch was decided"),
  detectionMs: z.number().int().nullable().describe("The poller's: from the first sample showing the change to the evaluation reporting it"),
  reactionMs: z.number().int().nullable().describe("Steering's: from the switch being due to its commit confirmed on the device"),
  at: z.date(),
}).openapi('LinkSwitch');

const switchFilters = pageQuery.extend({
  application: z.string().max(100).optional(),
  policy: z.string().max(100).optional(),
  reason: z.enum(steeringReasons).optional(),
  since: instant().optional(),
  until: instant().optional(),
});

async function switchPage(prisma: PrismaClient, query: z.infer<typeof switchFilters>, where: Prisma.LinkSwitchEventWhereInput) {
  const filtered: Prisma.LinkSwitchEventWhereInput = {
    ...where,
    ...(query.application ? { application: query.application } : {}),
    ...(query.policy ? { policy: query.policy } : {}),
    ...(query.reason ? { reason: query.reason } : {}),
    ...(query.since || query.until ? { at: { ...(query.since ? { gte: new Date(query.since) } : {}), ...(query.until ? { lt: new Date(query.until) } : {}) } } : {}),
  };
  const rows = await prisma.linkSwitchEvent.findMany({
    ...pageArgs(query, filtered),
    omit: { key: true, fromLinkId: true, toLinkId: true },
    include: { fromLink: { select: { name: true } }, toLink: { select: { name: true } } },
  });
  const page = toPage(rows, query.limit);
  // A link renamed since shows its name now; a hub path (no link) the name recorded.
  return {
    items: page.items.map(({ fromLink, toLink, fromPath, toPath, measurements, ...row }) => ({
      ...row, measurements: measurements as Record<string, unknown>, fromLink: fromLink?.name ?? fromPath, toLink: toLink?.name ?? toPath,
    })),
    nextCursor: page.nextCursor,
  };
}

export function slaSteeringRouter(api: ApiDefinition, deps: RunDependencies): Router {
  const router = Router();
  const { prisma, temporal } = deps;

  api.route(router, {
    method: 'get', path: '/sites/:siteId/sla', summary: "The site's SLA steering now: each link's last figures, each steered application's link and why, hold-downs", tags,
    access: { type: 'site', action: 'read' }, params, response: slaState,
    handler: async ({ params, principal }) => {
      const site = await prisma.site.findUnique({ where: { id: params.siteId }, select: { tenantId: true, wanLinks: { select: { id: true, name: true, type: true }, orderBy: { name: 'asc' } } } });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      const workflowId = slaSteeringWorkflowId(params.siteId);
      const running = (await describeRun(temporal, workflowId))?.status.name === 'RUNNING';
      const live: SlaSteeringView | undefined = running ? await temporal.workflow.getHandle(workflowId).query(slaSteeringStateQuery) : undefined;
      // Pollers tell steering of changes only: a link that has always complied shows its last recorded minute.
      const recorded = await latestLinkMinutes(prisma, site!.wanLinks.map((l) => l.id), new Date(Date.now() - recentMinuteMs));
      return {
        siteId: params.siteId,
        steering: running ? 'running' as const : 'not_running' as const,
        links: site!.wanLinks.map(({ id, name, type }) => {
          const seen = live?.links.find((l) => l.link === name);
          if (seen?.measured) return { link: name, linkId: id, type, up: seen.up, measured: seen.measured, at: seen.at };
          const minute = recorded.get(id);
          if (!minute?.rttMs || !minute.jitterMs) return { link: name, linkId: id, type, up: seen?.up ?? null, measured: null, at: seen?.at ?? null };
          return {
            link: name, linkId: id, type, up: minute.upRatio >= 0.5,
            measured: { rttMs: minute.rttMs.avg, jitterMs: minute.jitterMs.avg, lossPermille: minute.lossPermille.avg },
            at: new Date(Date.parse(minute.at) + 60_000).toISOString(),
          };
        }),
        applications: live?.applications ?? [],
        alarmed: live?.alarmed ?? [],
        switching: live?.switching ?? false,
        lastError: live?.lastError ?? null,
      };
    },
  });

  api.route(router, {
    method: 'get', path: '/sites/:siteId/link-switches', summary: "The site's link switches, oldest first, with the figures that caused them", tags,
    access: { type: 'site', action: 'read' }, params, query: switchFilters, response: pageOf(linkSwitch),
    handler: async ({ params, query, principal }) => {
      const site = await prisma.site.findUnique({ where: { id: params.siteId }, select: { tenantId: true } });
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      return switchPage(prisma, query, { siteId: params.siteId });
    },
  });

  api.route(router, {
    method: 'get', path: '/link-switches', summary: "Link switches of the tenants the caller reads, oldest first", tags,
    access: { type: 'site', action: 'read' },
    query: switchFilters.extend({ tenantId: z.uuid().optional(), siteId: z.uuid().optional() }),
    response: pageOf(linkSwitch),
    handler: async ({ query, principal }) => switchPage(prisma, query, { ...principal.tenantWhere('site', query.tenantId), ...(query.siteId ? { siteId: query.siteId } : {}) }),
  });

  return router;
}
