// A tenant's SLA intent: SLA profiles (thresholds, from a preset or custom), application SLA
// policies (applications → profile, preferred links, cost mode, fallback, breakout), and which
// sites take them (attached one by one, or by site group). Policies shape sites, so they are the
// site permissions' objects. Changing a policy changes no device: a site's SLA push does.
import { Router } from 'express';
import { z } from 'zod';
import { Prisma, type PrismaClient } from '../../prisma/client.ts';
import { wanLinkType } from '../../domain/choices.ts';
import { applicationCatalogue, costModes, fallbackModes, slaMatches, slaPresetNames, slaPresets } from '../../domain/sla.ts';
import type { Action } from '../../domain/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import { sendEtag, updateIfMatch } from '../etag.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';
import { problems } from '../problems.ts';
import { appSlaPolicyChange, appSlaPolicyInput, slaProfileChange, slaProfileInput } from '../schemas/sla.ts';

// The answers, named in the OpenAPI document (here, not beside the inputs: the wizard imports those in the browser).
const slaProfileView = z.object({
  id: z.uuid(), tenantId: z.uuid(), name: z.string(), preset: z.enum(slaPresetNames).nullable(),
  maxLatencyMs: z.number().int(), maxJitterMs: z.number().int(), maxLossPermille: z.number().int(), match: z.enum(slaMatches),
  policies: z.number().int().describe('Application SLA policies that use it'),
  createdAt: z.date(), updatedAt: z.date(),
}).openapi('SlaProfile');

const appSlaPolicyView = z.object({
  id: z.uuid(), tenantId: z.uuid(), name: z.string(), applications: z.array(z.string()),
  slaProfileId: z.uuid(), preferredLinkTypes: z.array(z.enum(wanLinkType.values)), costMode: z.enum(costModes), fallback: z.enum(fallbackModes),
  fallbackVarianceMs: z.number().int(), breakout: z.enum(['local', 'central']), priority: z.number().int(), siteTags: z.array(z.string()),
  flapThreshold: z.number().int(), flapWindowSeconds: z.number().int(), holdDownSeconds: z.number().int(), smoothingWindowSeconds: z.number().int(),
  slaProfile: z.object({ name: z.string(), maxLatencyMs: z.number().int(), maxJitterMs: z.number().int(), maxLossPermille: z.number().int(), match: z.enum(slaMatches) }),
  sites: z.number().int().describe('Sites it is attached to (besides its site groups)'),
  createdAt: z.date(), updatedAt: z.date(),
}).openapi('AppSlaPolicy');

const tags = ['SLA'];
const tenantQuery = pageQuery.extend({ tenantId: z.uuid().optional() });
const profileInclude = { _count: { select: { policies: true } } } as const;
const policyInclude = { _count: { select: { sites: true } }, slaProfile: { select: { name: true, maxLatencyMs: true, maxJitterMs: true, maxLossPermille: true, match: true } } } as const;

type ProfileRow = Prisma.SlaProfileGetPayload<{ include: typeof profileInclude }>;
type PolicyRow = Prisma.AppSlaPolicyGetPayload<{ include: typeof policyInclude }>;
const profileView = ({ _count, preset, ...row }: ProfileRow) => ({ ...row, preset: preset as z.infer<typeof slaProfileView>['preset'], policies: _count.policies });
const policyView = ({ _count, ...row }: PolicyRow) => ({ ...row, sites: _count.sites });

/** A unique name taken already, as the field to fix. */
async function named<T>(write: () => Promise<T>, what: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw problems.validation([{ path: 'name', message: `the tenant has ${what} of that name already` }]);
    throw error;
  }
}

export function slaPoliciesRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  const { prisma } = deps;
  const profileParams = z.object({ slaProfileId: z.uuid() });
  const policyParams = z.object({ slaPolicyId: z.uuid() });

  const profileOf = async (principal: Principal, id: string, action: Action) => {
    const row = await prisma.slaProfile.findUnique({ where: { id }, include: profileInclude });
    principal.assert(row?.tenantId, 'site', action, `SLA profile ${id}`);
    return row!;
  };
  const policyOf = async (principal: Principal, id: string, action: Action) => {
    const row = await prisma.appSlaPolicy.findUnique({ where: { id }, include: policyInclude });
    principal.assert(row?.tenantId, 'site', action, `Application SLA policy ${id}`);
    return row!;
  };
  /** A policy's profile is one of its own tenant's. */
  const assertProfileOfTenant = async (tenantId: string, slaProfileId: string) => {
    const profile = await prisma.slaProfile.findUnique({ where: { id: slaProfileId }, select: { tenantId: true } });
    if (profile?.tenantId !== tenantId) throw problems.validation([{ path: 'slaProfileId', message: "is not an SLA profile of the policy's tenant" }]);
  };

  api.route(router, {
    method: 'get', path: '/sla-catalogue', summary: 'The SLA presets and the application groups a policy may name, with their AppID signatures', tags,
    access: { type: 'site', action: 'read' },
    response: z.object({
      presets: z.record(z.string(), z.object({ rttMs: z.number(), jitterMs: z.number(), lossPermille: z.number(), match: z.string() }).readonly()),
      applications: z.record(z.string(), z.object({ label: z.string(), preset: z.string(), signatures: z.array(z.string()).readonly() })),
    }),
    handler: async () => ({ presets: slaPresets, applications: applicationCatalogue }),
  });

  // ---- SLA profiles

  api.route(router, {
    method: 'get', path: '/sla-profiles', summary: "List a tenant's SLA profiles", tags,
    access: { type: 'site', action: 'read' }, query: tenantQuery, response: pageOf(slaProfileView),
    handler: async ({ query, principal }) => {
      const page = toPage(await prisma.slaProfile.findMany({ ...pageArgs(query, principal.tenantWhere('site', query.tenantId)), include: profileInclude }), query.limit);
      return { items: page.items.map(profileView), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'get', path: '/sla-profiles/:slaProfileId', summary: 'Get an SLA profile (with its ETag)', tags,
    access: { type: 'site', action: 'read' }, params: profileParams, response: slaProfileView,
    handler: async ({ params, principal }, _req, res) => {
      const row = await profileOf(principal, params.slaProfileId, 'read');
      sendEtag(res, row.updatedAt);
      return profileView(row);
    },
  });

  api.route(router, {
    method: 'post', path: '/sla-profiles', summary: "Create an SLA profile from a preset (liberal, baseline, conservative), figures overriding it, or figures alone", tags,
    access: { type: 'site', action: 'write' }, body: slaProfileInput, status: 201, response: slaProfileView,
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'site', 'write', `Tenant ${body.tenantId}`);
      const preset = body.preset ? slaPresets[body.preset] : undefined;
      const created = await named(() => prisma.slaProfile.create({
        data: {
          tenantId: body.tenantId, name: body.name, preset: body.preset ?? null,
          maxLatencyMs: body.maxLatencyMs ?? preset!.rttMs, maxJitterMs: body.maxJitterMs ?? preset!.jitterMs,
          maxLossPermille: body.maxLossPermille ?? preset!.lossPermille, match: body.match ?? preset?.match ?? 'any',
        },
        include: profileInclude,
      }), 'an SLA profile');
      await recordAudit(prisma, principal, req, { action: 'sla-profile.create', objectType: 'sla-profile', objectId: created.id, tenantId: created.tenantId, after: profileView(created) });
      res.location(`/api/v1/sla-profiles/${created.id}`);
      sendEtag(res, created.updatedAt);
      return profileView(created);
    },
  });

  api.route(router, {
    method: 'patch', path: '/sla-profiles/:slaProfileId', summary: 'Rename an SLA profile or change its thresholds (If-Match required)', tags,
    access: { type: 'site', action: 'write' }, params: profileParams, body: slaProfileChange, response: slaProfileView,
    handler: async ({ params, body, principal }, req, res) => {
      const before = await profileOf(principal, params.slaProfileId, 'write');
      // Changed figures make it a custom profile: the preset no longer says what it holds.
      const figures = Object.keys(body).some((key) => key !== 'name');
      const after = await named(() => updateIfMatch(req, before,
        (updatedAt) => prisma.slaProfile.updateMany({ where: { id: before.id, updatedAt }, data: { ...body, ...(figures ? { preset: null } : {}) } }),
        () => profileOf(principal, params.slaProfileId, 'write')), 'an SLA profile');
      await recordAudit(prisma, principal, req, { action: 'sla-profile.update', objectType: 'sla-profile', objectId: after.id, tenantId: after.tenantId, before: profileView(before), after: profileView(after) });
      sendEtag(res, after.updatedAt);
      return profileView(after);
    },
  });

  api.route(router, {
    method: 'delete', path: '/sla-profiles/:slaProfileId', summary: 'Delete an SLA profile no policy uses', tags,
    access: { type: 'site', action: 'write' }, params: profileParams, status: 204, response: z.null(),
    handler: async ({ params, principal }, req, res) => {
      const before = await profileOf(principal, params.slaProfileId, 'write');
      if (before._count.policies > 0) throw problems.conflict(`${before._count.policies} application SLA polic(ies) use ${before.name}: give them another profile first.`);
      await prisma.slaProfile.delete({ where: { id: before.id } });
      await recordAudit(prisma, principal, req, { action: 'sla-profile.delete', objectType: 'sla-profile', objectId: before.id, tenantId: before.tenantId, before: profileView(before) });
      res.status(204).end();
    },
  });

  // ---- application SLA policies

  api.route(router, {
    method: 'get', path: '/app-sla-policies', summary: 'List application SLA policies (what a site may steer by)', tags,
    access: { type: 'site', action: 'read' }, query: tenantQuery, response: pageOf(appSlaPolicyView),
    handler: async ({ query, principal }) => {
      const page = toPage(await prisma.appSlaPolicy.findMany({ ...pageArgs(query, principal.tenantWhere('site', query.tenantId)), include: policyInclude }), query.limit);
      return { items: page.items.map(policyView), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'get', path: '/app-sla-policies/:slaPolicyId', summary: 'Get an application SLA policy (with its ETag)', tags,
    access: { type: 'site', action: 'read' }, params: policyParams, response: appSlaPolicyView,
    handler: async ({ params, principal }, _req, res) => {
      const row = await policyOf(principal, params.slaPolicyId, 'read');
      sendEtag(res, row.updatedAt);
      return policyView(row);
    },
  });

  api.route(router, {
    method: 'post', path: '/app-sla-policies', summary: 'Create an application SLA policy', tags,
    access: { type: 'site', action: 'write' }, body: appSlaPolicyInput, status: 201, response: appSlaPolicyView,
    handler: async ({ body, principal }, req, res) => {
      principal.assert(body.tenantId, 'site', 'write', `Tenant ${body.tenantId}`);
      await assertProfileOfTenant(body.tenantId, body.slaProfileId);
      const created = await named(() => prisma.appSlaPolicy.create({ data: body, include: policyInclude }), 'an application SLA policy');
      await recordAudit(prisma, principal, req, { action: 'app-sla-policy.create', objectType: 'app-sla-policy', objectId: created.id, tenantId: created.tenantId, after: policyView(created) });
      res.location(`/api/v1/app-sla-policies/${created.id}`);
      sendEtag(res, created.updatedAt);
      return policyView(created);
    },
  });

  api.route(router, {
    method: 'patch', path: '/app-sla-policies/:slaPolicyId', summary: 'Change an application SLA policy (If-Match required); sites take it at their next SLA push', tags,
    access: { type: 'site', action: 'write' }, params: policyParams, body: appSlaPolicyChange, response: appSlaPolicyView,
    handler: async ({ params, body, principal }, req, res) => {
      const before = await policyOf(principal, params.slaPolicyId, 'write');
      if (body.slaProfileId) await assertProfileOfTenant(before.tenantId, body.slaProfileId);
      const after = await named(() => updateIfMatch(req, before,
        (updatedAt) => prisma.appSlaPolicy.updateMany({ where: { id: before.id, updatedAt }, data: body }),
        () => policyOf(principal, params.slaPolicyId, 'write')), 'an application SLA policy');
      await recordAudit(prisma, principal, req, { action: 'app-sla-policy.update', objectType: 'app-sla-policy', objectId: after.id, tenantId: after.tenantId, before: policyView(before), after: policyView(after) });
      sendEtag(res, after.updatedAt);
      return policyView(after);
    },
  });

  api.route(router, {
    method: 'delete', path: '/app-sla-policies/:slaPolicyId', summary: 'Delete an application SLA policy no site is attached to', tags,
    access: { type: 'site', action: 'write' }, params: policyParams, status: 204, response: z.null(),
    handler: async ({ params, principal }, req, res) => {
      const before = await policyOf(principal, params.slaPolicyId, 'write');
      // Its rules stay on the sites' devices until they are pushed without it: detaching says so first.
      if (before._count.sites > 0) throw problems.conflict(`${before.name} is attached to ${before._count.sites} site(s): detach it and push their SLA policies first.`);
      await prisma.appSlaPolicy.delete({ where: { id: before.id } });
      await recordAudit(prisma, principal, req, { action: 'app-sla-policy.delete', objectType: 'app-sla-policy', objectId: before.id, tenantId: before.tenantId, before: policyView(before) });
      res.status(204).end();
    },
  });

  // ---- sites

  const siteParams = z.object({ siteId: z.uuid() });
  const attached = z.object({
    policyIds: z.array(z.uuid()).describe('Attached to the site itself'),
    bySiteGroup: z.array(z.object({ policyId: z.uuid(), tag: z.string() })).describe('Taken through one of its tags'),
  });
  const attachedTo = async (site: { id: string; tenantId: string; tags: string[] }) => {
    const [own, grouped] = await Promise.all([
      prisma.siteAppSlaPolicy.findMany({ where: { siteId: site.id }, select: { policyId: true }, orderBy: { policyId: 'asc' } }),
      prisma.appSlaPolicy.findMany({ where: { tenantId: site.tenantId, siteTags: { hasSome: site.tags } }, select: { id: true, siteTags: true }, orderBy: { id: 'asc' } }),
    ]);
    return { policyIds: own.map((o) => o.policyId), bySiteGroup: grouped.map((p) => ({ policyId: p.id, tag: p.siteTags.find((t) => site.tags.includes(t))! })) };
  };
  const siteOf = async (principal: Principal, siteId: string, action: Action) => {
    const site = await prisma.site.findUnique({ where: { id: siteId }, select: { id: true, tenantId: true, tags: true } });
    principal.assert(site?.tenantId, 'site', action, `Site ${siteId}`);
    return site!;
  };

  api.route(router, {
    method: 'get', path: '/sites/:siteId/app-sla-policies', summary: 'The application SLA policies a site takes', tags,
    access: { type: 'site', action: 'read' }, params: siteParams, response: attached,
    handler: async ({ params, principal }) => attachedTo(await siteOf(principal, params.siteId, 'read')),
  });

  api.route(router, {
    method: 'get', path: '/app-sla-policies/:slaPolicyId/sites', summary: 'The sites that take an application SLA policy: attached to it, or by one of its site groups', tags,
    access: { type: 'site', action: 'read' }, params: policyParams, query: pageQuery,
    response: pageOf(z.object({
      id: z.uuid(), name: z.string(), status: z.string(),
      via: z.enum(['site', 'site_group']).describe('Attached to the site itself, or taken through one of its tags'),
    })),
    handler: async ({ params, query, principal }) => {
      const policy = await policyOf(principal, params.slaPolicyId, 'read');
      const rows = await prisma.site.findMany({
        ...pageArgs(query, { tenantId: policy.tenantId, OR: [{ appSlaPolicies: { some: { policyId: policy.id } } }, { tags: { hasSome: policy.siteTags } }] }),
        select: { id: true, name: true, status: true, appSlaPolicies: { where: { policyId: policy.id }, select: { policyId: true } } },
      });
      const page = toPage(rows, query.limit);
      return { items: page.items.map(({ appSlaPolicies, ...site }) => ({ ...site, via: appSlaPolicies.length > 0 ? 'site' as const : 'site_group' as const })), nextCursor: page.nextCursor };
    },
  });

  api.route(router, {
    method: 'put', path: '/sites/:siteId/app-sla-policies', summary: "Attach exactly these application SLA policies to a site (its devices take them at the next SLA push)", tags,
    access: { type: 'site', action: 'write' }, params: siteParams,
    body: z.object({ policyIds: z.array(z.uuid()).max(50).refine((ids) => new Set(ids).size === ids.length, 'names each policy once') }),
    response: attached,
    handler: async ({ params, body, principal }, req) => {
      const site = await siteOf(principal, params.siteId, 'write');
      const found = await prisma.appSlaPolicy.findMany({ where: { id: { in: body.policyIds }, tenantId: site.tenantId }, select: { id: true } });
      const errors = body.policyIds.flatMap((id, index) => (found.some((f) => f.id === id) ? [] : [{ path: `policyIds.${index}`, message: 'is not an application SLA policy of the site\'s tenant' }]));
      if (errors.length > 0) throw problems.validation(errors);
      const before = await attachedTo(site);
      await prisma.$transaction([
        prisma.siteAppSlaPolicy.deleteMany({ where: { siteId: site.id } }),
        prisma.siteAppSlaPolicy.createMany({ data: body.policyIds.map((policyId) => ({ siteId: site.id, policyId })) }),
      ]);
      const after = await attachedTo(site);
      await recordAudit(prisma, principal, req, { action: 'site.sla-policies', objectType: 'site', objectId: site.id, tenantId: site.tenantId, before, after });
      return after;
    },
  });

  return router;
}
