// Zero-touch provisioning's front door. A box fresh from the factory posts its serial and the
// site's one-time activation code; the API admits it only when a site expects that serial and the
// code matches (or an operator assigned the box), then hands the call to the run waiting for that
// box: its site's onboarding, or a `ztp` run of its own (an RMA's new box, an onboarding begun before).
// Anything else is refused, always with the same answer, so the public endpoint does not tell
// which serials exist; a wrong code raises an alarm (cleared once a box is provisioned for the
// device), and a box nobody expects is listed once among the unclaimed devices, for an operator to
// assign (or pick as the spare of a replacement).
import { timingSafeEqual } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { Prisma, type PrismaClient } from '../../prisma/client.ts';
import { alarmTypes } from '../../domain/alarm-types.ts';
import { awaitingBoxDeviceStatuses } from '../../domain/choices.ts';
import { raiseAlarm } from '../../inventory/alarms.ts';
import { publishAlarmEvents, type EventDependencies } from '../events.ts';
import { boxPhonedHomeUpdate, onboardingWorkflowId } from '../../workflows/onboard-site.messages.ts';
import { phoneHomeSignal, ztpWorkflowId, type PhoneHome } from '../../workflows/ztp.messages.ts';
import { recordAudit } from '../audit.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageQuery } from '../pagination.ts';
import { HttpProblem, NotYet, problems } from '../problems.ts';
import { serialSchema } from '../schemas/site.ts';
import { activationCodeHash } from '../site-inventory.ts';

/**
 * Hands an admitted box's call to the run waiting for it, if any does now: its site's onboarding
 * (which refuses a box it is not waiting for), else a ZTP run of the device's own.
 */
async function handedOver(temporal: Client, device: { id: string; siteId: string }, call: PhoneHome): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(onboardingWorkflowId(device.siteId)).executeUpdate(boxPhonedHomeUpdate, { args: [{ deviceId: device.id, ...call }] });
    return true;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError)) throw error;
  }
  try {
    await temporal.workflow.getHandle(ztpWorkflowId(device.id)).signal(phoneHomeSignal, call);
    return true;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return false;
  }
}

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
  deviceId: z.uuid().nullable().describe('The planned device whose activation code the box presented, if it presented one'),
}).openapi('UnclaimedDevice');

const refused = (detail: string) => new HttpProblem(403, 'ztp-refused', 'Not admitted', detail);

/** Unknown serial, wrong code or a device not waiting for a box: one answer, which tells a stranger nothing. */
const notAdmitted = (serial: string) =>
  refused(`No site waits for ${serial} with this activation code; an operator can assign a box that phoned home.`);

function sameCode(code: string, hash: string): boolean {
  const given = Buffer.from(activationCodeHash(code), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The unclaimed boxes these tenants may see and claim: a box that presented the activation code of
 * one of their planned devices, and a box that presented no device's code but whose serial one of
 * their planned devices (or replacements) names. The code is the stronger claim: a box carrying
 * one tenant's code is not another's for typing its serial in.
 */
async function claimableSerials(prisma: PrismaClient, tenantIds: string[], options: { serial?: string; limit: number }): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ serial: string }[]>`
    SELECT u.serial FROM unclaimed_device u
    LEFT JOIN device reported ON reported.id = u.device_id
    LEFT JOIN site reported_site ON reported_site.id = reported.site_id
    WHERE (reported_site.tenant_id = ANY(${tenantIds}::uuid[])
      OR (u.device_id IS NULL AND EXISTS (
        SELECT 1 FROM device expecting JOIN site ON site.id = expecting.site_id
        WHERE expecting.serial = u.serial AND expecting.status = ANY(${awaitingBoxDeviceStatuses.values}::"DeviceStatus"[]) AND site.tenant_id = ANY(${tenantIds}::uuid[]))))
      ${options.serial ? Prisma.sql`AND u.serial = ${options.serial}` : Prisma.empty}
    ORDER BY u.last_seen_at DESC
    LIMIT ${options.limit}`;
  return rows.map((row) => row.serial);
}

export function ztpRouter(api: ApiDefinition, deps: EventDependencies): Router {
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
      const known = await prisma.device.findMany({ where: { serial: body.serial }, include: { site: true } });
      const waiting = known.filter((d) => awaitingBoxDeviceStatuses.has(d.status));
      const proves = (d: (typeof known)[number]) =>
        (!!d.activationCodeHash && !!body.activationCode && sameCode(body.activationCode, d.activationCodeHash)) ||
        // An assigned box has no code to give: the host key it reported is its proof.
        (!d.activationCodeHash && !!d.hostKeySha256 && d.hostKeySha256 === body.hostKeySha256);
      const device = waiting.find(proves);
      const alarm = async (d: (typeof known)[number], type: string, message: string) => {
        const { alarm: row, raised } = await raiseAlarm(prisma, {
          tenantId: d.site.tenantId, siteId: d.siteId, deviceId: d.id, type, severity: 'major', message, dedupeKey: `${type}:${d.id}`,
        });
        if (raised) await publishAlarmEvents(deps, 'alarm.raised', [row]);
      };
      if (!device) {
        for (const d of waiting) {
          await alarm(d, alarmTypes.activationRefused, `${body.serial} phoned home from ${body.address} for ${d.site.name} with ${body.activationCode ? 'a wrong' : 'no'} activation code.`);
        }
        // A box nobody expects waits among the unclaimed; so does one carrying another planned device's code.
        const reportedFor = body.activationCode
          ? await prisma.device.findFirst({ where: { activationCodeHash: activationCodeHash(body.activationCode), status: { in: [...awaitingBoxDeviceStatuses.values] } }, select: { id: true } })
          : null;
        if (known.length === 0 || reportedFor) {
          const seen = { model: body.model, softwareVersion: body.softwareVersion, address: body.address, hostKeySha256: body.hostKeySha256, lastSeenAt: new Date() };
          await prisma.unclaimedDevice.upsert({
            where: { serial: body.serial },
            create: { serial: body.serial, ...seen, deviceId: reportedFor?.id ?? null },
            update: { ...seen, attempts: { increment: 1 }, ...(reportedFor ? { deviceId: reportedFor.id } : {}) },
          });
        }
        throw notAdmitted(body.serial);
      }
      if (known.some((d) => d !== device && !awaitingBoxDeviceStatuses.has(d.status))) {
        // The right code, on a box whose serial a device in service holds: a cloned serial, or a
        // record gone stale. Its tenant hears of it (the box proved it belongs there); the box learns nothing.
        await alarm(device, alarmTypes.serialInService, `${body.serial} phoned home with the activation code for ${device.site.name}, but a device in service has that serial.`);
        throw notAdmitted(body.serial);
      }
      if (body.model !== device.model) {
        await alarm(device, alarmTypes.modelMismatch, `${body.serial} is a ${body.model}, but ${device.site.name} expects a ${device.model}.`);
        throw refused(`${body.serial} is a ${body.model}; the site expects a ${device.model}.`);
      }
      const call: PhoneHome = {
        serial: body.serial, model: body.model, softwareVersion: body.softwareVersion, address: body.address,
        netconfPort: body.netconfPort, snmpPort: body.snmpPort, hostKeySha256: body.hostKeySha256,
      };
      if (!(await handedOver(temporal, device, call))) {
        res.setHeader('Retry-After', '30');
        throw new NotYet(`${device.site.name} is not being onboarded yet; call again later.`);
      }
      return { admitted: true as const, hostname: device.hostname };
    },
  });

  api.route(router, {
    method: 'get',
    path: '/unclaimed-devices',
    summary: 'Boxes that phoned home with a serial no site expects',
    tags: ['Zero-touch provisioning'],
    // A box nobody expects belongs to no tenant yet: SP admins see every one; a tenant sees those
    // that presented one of its activation codes or whose serial one of its sites expects.
    access: { type: 'device', action: 'read' },
    query: pageQuery.pick({ limit: true }),
    response: z.object({ items: z.array(unclaimedDevice) }),
    handler: async ({ query, principal }) => {
      const readable = principal.readableTenants('device');
      const visible = readable === 'all' ? {} : { serial: { in: await claimableSerials(prisma, readable, { limit: query.limit }) } };
      const rows = await prisma.unclaimedDevice.findMany({ where: visible, orderBy: { lastSeenAt: 'desc' }, take: query.limit, omit: { hostKeySha256: true } });
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
      // A box the site's tenant may not claim answers as one that never phoned home.
      const claimable = principal.isGlobal('device', 'write') || (await claimableSerials(prisma, [site!.tenantId], { serial: params.serial, limit: 1 })).length > 0;
      const box = claimable ? await prisma.unclaimedDevice.findUnique({ where: { serial: params.serial } }) : null;
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
