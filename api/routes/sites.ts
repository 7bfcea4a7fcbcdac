import { Router } from 'express';
import { z } from 'zod';
import { siteStatus } from '../../domain/choices.ts';
import { Prisma, type PrismaClient } from '../../prisma/client.ts';
import { wanLinkSecretsBox } from '../../inventory/devices.ts';
import { OverlayTopology, SiteRole } from '../../generated/prisma/enums.ts';
import type { Action } from '../../domain/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import { sendEtag, updateIfMatch } from '../etag.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { siteAggregate, siteDetailsStep, type SiteAggregate } from '../schemas/site.ts';
import { auditedSite, createPlannedSite, siteReferenceErrors } from '../site-inventory.ts';

const siteSummary = z
  .object({
    id: z.uuid(),
    tenantId: z.uuid(),
    name: z.string(),
    role: z.enum(SiteRole),
    status: z.enum(siteStatus.values),
    topology: z.enum(OverlayTopology),
    tags: z.array(z.string()),
    timezone: z.string(),
    address: z.string().nullable(),
    country: z.string().nullable(),
    statusReason: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    deviceCount: z.number().int(),
    wanLinkCount: z.number().int(),
  })
  .openapi('SiteSummary');

const siteSelect = {
  id: true, tenantId: true, name: true, role: true, status: true, topology: true, tags: true, timezone: true,
  address: true, country: true, statusReason: true, createdAt: true, updatedAt: true,
} as const;

type SiteRow = Omit<z.infer<typeof siteSummary>, 'deviceCount' | 'wanLinkCount'>;

/**
 * A site's device and WAN link counts, counted for that site only: Prisma's `_count` aggregates the
 * whole table in a join, which grows with the inventory rather than the page.
 */
const countColumns = Prisma.sql`(SELECT count(*)::int FROM device d WHERE d.site_id = s.id) AS "deviceCount",
  (SELECT count(*)::int FROM wan_link w WHERE w.site_id = s.id) AS "wanLinkCount"`;

/** These rows with their counts (the rows as they are given: a change's before and after). */
async function summaries(prisma: PrismaClient, rows: SiteRow[]): Promise<z.infer<typeof siteSummary>[]> {
  if (rows.length === 0) return [];
  const counts = await prisma.$queryRaw<{ id: string; deviceCount: number; wanLinkCount: number }[]>`
    SELECT s.id::text AS id, ${countColumns} FROM unnest(${rows.map((row) => row.id)}::uuid[]) AS s(id)`;
  const byId = new Map(counts.map((c) => [c.id, c]));
  return rows.map((row) => ({ ...row, deviceCount: byId.get(row.id)?.deviceCount ?? 0, wanLinkCount: byId.get(row.id)?.wanLinkCount ?? 0 }));
}

/**
 * Sites as they are now, with their counts, in id order: one statement, where the rows and then
 * their counts would be two. Reads are the API's most frequent requests, and each round trip to
 * PostgreSQL costs the API's one thread more than the statement costs the database.
 */
function currentSummaries(prisma: PrismaClient, where: Prisma.Sql, limit: number): Promise<z.infer<typeof siteSummary>[]> {
  return prisma.$queryRaw<z.infer<typeof siteSummary>[]>`
    SELECT s.id::text AS id, s.tenant_id::text AS "tenantId", s.name, s.role::text AS role, s.status::text AS status,
      s.topology::text AS topology, coalesce(s.tags, '{}') AS tags, s.timezone, s.address, s.country,
      s.status_reason AS "statusReason", s.created_at AS "createdAt", s.updated_at AS "updatedAt", ${countColumns}
    FROM site s WHERE ${where} ORDER BY s.id LIMIT ${limit}`;
}

/** The SQL of a principal's tenant filter (Principal.tenantWhere). */
function tenantCondition(filter: ReturnType<Principal['tenantWhere']>): Prisma.Sql {
  if (filter.tenantId === undefined) return Prisma.sql`TRUE`;
  if (typeof filter.tenantId === 'string') return Prisma.sql`s.tenant_id = ${filter.tenantId}::uuid`;
  return Prisma.sql`s.tenant_id = ANY(${filter.tenantId.in}::uuid[])`;
}

/** `search` matches part of the name, any case; its own % and _ are letters, not wildcards. */
const namePattern = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const toSummary = async (prisma: PrismaClient, row: SiteRow) => (await summaries(prisma, [row]))[0]!;

export function sitesRouter(api: ApiDefinition, deps: { prisma: PrismaClient; secretsKey?: Buffer | undefined }): Router {
  const router = Router();
  const { prisma } = deps;
  const wanLinkSecrets = deps.secretsKey && wanLinkSecretsBox(deps.secretsKey);
  const siteParams = z.object({ siteId: z.uuid() });

  const siteOf = async (principal: Principal, siteId: string, action: Action) => {
    const site = await prisma.site.findUnique({ where: { id: siteId }, select: siteSelect });
    principal.assert(site?.tenantId, 'site', action, `Site ${siteId}`);
    return site!;
  };

  api.route(router, {
    method: 'get',
    path: '/sites',
    summary: 'List sites',
    tags: ['Sites'],
    access: { type: 'site', action: 'read' },
    query: pageQuery.extend({
      tenantId: z.uuid().optional(),
      status: z.enum(siteStatus.values).optional(),
      role: z.enum(SiteRole).optional(),
      search: z.string().max(100).optional().describe('Part of the site name, any case'),
    }),
    response: pageOf(siteSummary),
    handler: async ({ query, principal }) => {
      const conditions = [
        tenantCondition(principal.tenantWhere('site', query.tenantId)),
        ...(query.status ? [Prisma.sql`s.status = ${query.status}::"SiteStatus"`] : []),
        ...(query.role ? [Prisma.sql`s.role = ${query.role}::"SiteRole"`] : []),
        ...(query.search ? [Prisma.sql`s.name ILIKE ${namePattern(query.search)}`] : []),
        ...(query.cursor ? [Prisma.sql`s.id > ${query.cursor}::uuid`] : []),
      ];
      // One row more than asked tells whether another page follows.
      return toPage(await currentSummaries(prisma, Prisma.join(conditions, ' AND '), query.limit + 1), query.limit);
    },
  });

  api.route(router, {
    method: 'get',
    path: '/sites/:siteId',
    summary: 'Get a site (with its ETag)',
    tags: ['Sites'],
    access: { type: 'site', action: 'read' },
    params: siteParams,
    response: siteSummary,
    handler: async ({ params, principal }, _req, res) => {
      const [site] = await currentSummaries(prisma, Prisma.sql`s.id = ${params.siteId}::uuid`, 1);
      principal.assert(site?.tenantId, 'site', 'read', `Site ${params.siteId}`);
      sendEtag(res, site!.updatedAt);
      return site!;
    },
  });

  api.route(router, {
    method: 'patch',
    path: '/sites/:siteId',
    summary: "Change a site's name, address, time zone or tags (If-Match required)",
    tags: ['Sites'],
    access: { type: 'site', action: 'write' },
    params: siteParams,
    // Spelled out rather than .partial(): a default inside would reset the tags of every PATCH without them.
    body: z.object({
      name: siteDetailsStep.shape.name,
      timezone: siteDetailsStep.shape.timezone,
      country: siteDetailsStep.shape.country.unwrap(),
      address: siteDetailsStep.shape.address.unwrap(),
      tags: siteDetailsStep.shape.tags.unwrap(),
    }).partial(),
    response: siteSummary,
    handler: async ({ params, body, principal }, req, res) => {
      const before = await siteOf(principal, params.siteId, 'write');
      const after = await updateIfMatch(req, before, (updatedAt) => prisma.site.updateMany({ where: { id: before.id, updatedAt }, data: body }),
        () => siteOf(principal, params.siteId, 'write'));
      await recordAudit(prisma, principal, req, { action: 'site.update', objectType: 'site', objectId: after.id, tenantId: after.tenantId, before: await toSummary(prisma, before), after: await toSummary(prisma, after) });
      sendEtag(res, after.updatedAt);
      return toSummary(prisma, after);
    },
  });

  /** Per-field errors from the checks that need the database, as a 400. */
  const checkReferences = async (principal: Principal, site: SiteAggregate) => {
    const errors = await siteReferenceErrors(prisma, site);
    if (errors.length > 0) throw problems.validation(errors);
  };

  api.route(router, {
    method: 'post',
    path: '/sites/validate',
    summary: 'Validate a site without storing it (the wizard checks each step here)',
    tags: ['Sites'],
    access: { type: 'site', action: 'write' },
    body: siteAggregate,
    response: z.object({ valid: z.literal(true) }),
    handler: async ({ body, principal }) => {
      principal.assert(body.tenantId, 'site', 'write', `Tenant ${body.tenantId}`);
      await checkReferences(principal, body);
      return { valid: true as const };
    },
  });

  api.route(router, {
    method: 'post',
    path: '/sites',
    summary: 'Model a site before its devices ship; it is stored as planned',
    tags: ['Sites'],
    access: { type: 'site', action: 'write' },
    body: siteAggregate,
    status: 201,
    response: siteSummary.extend({
      activationCodes: z.array(z.object({ role: z.enum(['primary', 'secondary']), hostname: z.string(), serial: z.string().nullable(), code: z.string() }))
        .describe('One-time ZTP activation codes, shown only in this answer'),
    }),
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'site', 'write', `Tenant ${body.tenantId}`);
      await checkReferences(principal, body);
      const planned = await createPlannedSite(prisma, body, wanLinkSecrets);
      const site = await prisma.site.findUniqueOrThrow({ where: { id: planned.id }, select: siteSelect });
      await recordAudit(prisma, principal, req, { action: 'site.create', objectType: 'site', objectId: site.id, tenantId: site.tenantId, after: auditedSite(body) });
      res.location(`/api/v1/sites/${planned.id}`);
      return { ...(await toSummary(prisma, site)), activationCodes: planned.activationCodes };
    },
  });

  return router;
}
