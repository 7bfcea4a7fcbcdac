// Zero-touch provisioning's front door. A box fresh from the factory posts its serial and the
// site's one-time activation code; the API admits it only when a site expects that serial and the
// code matches (or an operator assigned the box), then signals the device's waiting `ztp` run.
// Anything else is refused and changes nothing, except that a wrong code raises an alarm and an
// unknown serial is listed once among the unclaimed devices, for an operator to assign.
import { timingSafeEqual } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { raiseAlarm } from '../../activities/sites.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { phoneHomeSignal, ztpWorkflowId } from '../../workflows/ztp.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageQuery } from '../pagination.ts';
import { HttpProblem, problems } from '../problems.ts';
import { serialSchema } from '../schemas/site.ts';
import { activationCodeHash } from '../site-inventory.ts';

const phoneHome = z.object({
  serial: serialSchema,
  model: z.string().min(1).max(60),
  softwareVersion: z.string().min(1).max(60),
  address: z.ipv4(),
  netconfPort: z.number().int().min(1).max(65535).default(830),
  snmpPort: z.number().int().min(1).max(65535).default(161),
  hostKeySha256: z.string().min(16).max(128),
  activationCode: z.string().min(1).max(100).optional(),
}).openapi('PhoneHome');

const unclaimedDevice = z.object({
  serial: z.string(),
  model: z.string(),
  softwareVersion: z.string().nullable(),
  address: z.string().nullable(),
  firstSeenAt: z.date(),
  lastSeenAt: z.date(),
  attempts: z.number().int(),
}).openapi('UnclaimedDevice');

const refused = (detail: string) => new HttpProblem(403, 'ztp-refused', 'Not admitted', detail);

function sameCode(code: string, hash: string): boolean {
  const given = Buffer.from(activationCodeHash(code), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function ztpRouter(api: ApiDefinition, deps: { prisma: PrismaClient; temporal: Client }): Router {
  const router = Router();
  const { prisma, temporal } = deps;

  api.route(router, {
    method: 'post',
    path: '/ztp/phone-home',
    summary: 'A factory-default box calls home (zero-touch provisioning)',
    tags: ['Zero-touch provisioning'],
    // The box proves itself with the activation code (or its pinned host key), not a sign-in.
    access: 'public',
    body: phoneHome,
    response: z.object({ admitted: z.literal(true), hostname: z.string() }),
    handler: async ({ body }, _req, res) => {
      const device = await prisma.device.findUnique({ where: { serial: body.serial }, include: { site: true } });
      if (!device) {
        const seen = { model: body.model, softwareVersion: body.softwareVersion, address: body.address, hostKeySha256: body.hostKeySha256, lastSeenAt: new Date() };
        await prisma.unclaimedDevice.upsert({
          where: { serial: body.serial },
          create: { serial: body.serial, ...seen },
          update: { ...seen, attempts: { increment: 1 } },
        });
        throw problems.notFound(`A site expecting serial ${body.serial} (the box is listed among the unclaimed devices for an operator to assign)`);
      }
      const alarm = (type: string, message: string) => raiseAlarm(prisma, {
        tenantId: device.site.tenantId, siteId: device.siteId, deviceId: device.id, type, severity: 'major', message, dedupeKey: `${type}:${device.id}`,
      });
      // A planned device waits for its first box; a device in RMA for its replacement.
      if (device.status !== 'planned' && device.status !== 'rma') throw problems.conflict(`${body.serial} is ${device.status} already; it is not waiting for zero-touch provisioning.`);
      const byCode = !!device.activationCodeHash && !!body.activationCode && sameCode(body.activationCode, device.activationCodeHash);
      const byAssignment = !device.activationCodeHash && !!device.hostKeySha256 && device.hostKeySha256 === body.hostKeySha256;
      if (!byCode && !byAssignment) {
        await alarm('ztp.activation-refused', `${body.serial} phoned home from ${body.address} for ${device.site.name} with ${body.activationCode ? 'a wrong' : 'no'} activation code.`);
        throw refused(`${body.serial}: the activation code does not match.`);
      }
      if (body.model !== device.model) {
        await alarm('ztp.model-mismatch', `${body.serial} is a ${body.model}, but ${device.site.name} expects a ${device.model}.`);
        throw refused(`${body.serial} is a ${body.model}; the site expects a ${device.model}.`);
      }
      try {
        await temporal.workflow.getHandle(ztpWorkflowId(device.id)).signal(phoneHomeSignal, {
          serial: body.serial, model: body.model, softwareVersion: body.softwareVersion, address: body.address,
          netconfPort: body.netconfPort, snmpPort: body.snmpPort, hostKeySha256: body.hostKeySha256,
        });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        res.setHeader('Retry-After', '30');
        throw problems.unavailable(`${device.site.name} is not being onboarded yet; call again later.`);
      }
      return { admitted: true as const, hostname: device.hostname };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/unclaimed-devices',
    summary: 'Boxes that phoned home with a serial no site expects',
    tags: ['Zero-touch provisioning'],
    // A box nobody expects belongs to no tenant yet: whoever may manage devices sees the list.
    access: { type: 'device', action: 'read' },
    query: pageQuery.pick({ limit: true }),
    response: z.object({ items: z.array(unclaimedDevice) }),
    handler: async ({ query }) => {
      const rows = await prisma.unclaimedDevice.findMany({ orderBy: { lastSeenAt: 'desc' }, take: query.limit, omit: { hostKeySha256: true } });
      return { items: rows };
    },
  });

  api.route(router, {
    method: 'post',
    path: '/unclaimed-devices/:serial/assign',
    summary: "Assign an unclaimed box to a planned site's device; its next phone-home is admitted (pinned to its host key)",
    tags: ['Zero-touch provisioning'],
    access: { type: 'device', action: 'write' },
    params: z.object({ serial: serialSchema }),
    body: z.object({ siteId: z.uuid(), role: z.enum(['primary', 'secondary']).default('primary') }),
    response: z.object({ serial: z.string(), deviceId: z.string(), hostname: z.string() }),
    handler: async ({ params, body, principal }, req) => {
      const site = await prisma.site.findUnique({ where: { id: body.siteId }, select: { tenantId: true } });
      principal.assert(site?.tenantId, 'device', 'write', `Site ${body.siteId}`);
      const box = await prisma.unclaimedDevice.findUnique({ where: { serial: params.serial } });
      if (!box) throw problems.notFound(`Unclaimed device ${params.serial}`);
      const device = await prisma.device.findFirst({ where: { siteId: body.siteId, role: body.role } });
      if (!device) throw problems.notFound(`A ${body.role} device of site ${body.siteId}`);
      if (device.status !== 'planned') throw problems.conflict(`That device is ${device.status}; only a planned device takes a new box.`);
      // A box of a model Branchline does not know cannot be what the device is planned as either.
      if (box.model !== device.model) {
        throw problems.validation([{ path: 'siteId', message: `the box is a ${box.model}; that device is planned as a ${device.model}` }]);
      }
      await prisma.$transaction([
        prisma.device.update({ where: { id: device.id }, data: { serial: box.serial, hostKeySha256: box.hostKeySha256, activationCodeHash: null } }),
        prisma.unclaimedDevice.delete({ where: { serial: box.serial } }),
      ]);
      await recordAudit(prisma, principal, req, {
        action: 'device.assign', objectType: 'device', objectId: device.id, tenantId: site!.tenantId,
        before: { serial: device.serial }, after: { serial: box.serial, model: box.model, address: box.address },
      });
      return { serial: box.serial, deviceId: device.id, hostname: device.hostname };
    },
  });

  return router;
}
