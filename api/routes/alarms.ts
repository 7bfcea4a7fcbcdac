import { Router } from 'express';
import { z } from 'zod';
import { alarmSeverity, alarmState } from '../../domain/choices.ts';
import { acknowledgeAlarms, clearAlarmsByHand, type AlarmChange } from '../../inventory/alarms.ts';
import type { Prisma } from '../../prisma/client.ts';
import type { Principal } from '../access/principal.ts';
import { recordAudit } from '../audit.ts';
import { publishAlarmEvents, type EventDependencies } from '../events.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageOf, pageQuery, toPage } from '../pagination.ts';
import { forbidden } from '../access/principal.ts';
import { problems } from '../problems.ts';

const alarm = z.object({
  id: z.uuid(),
  tenantId: z.uuid().nullable(),
  siteId: z.uuid().nullable(),
  siteName: z.string().nullable(),
  deviceId: z.uuid().nullable(),
  deviceHostname: z.string().nullable(),
  type: z.string(),
  severity: z.enum(alarmSeverity.values),
  state: z.enum(alarmState.values),
  message: z.string(),
  raisedAt: z.date(),
  acknowledgedBy: z.string().nullable().describe('Who acknowledged it'),
  acknowledgedAt: z.date().nullable(),
  acknowledgeNote: z.string().nullable(),
  clearedAt: z.date().nullable(),
  clearedBy: z.string().nullable().describe('Who cleared it by hand; null when its cause cleared it'),
  clearNote: z.string().nullable(),
}).openapi('Alarm');

const select = {
  id: true, tenantId: true, siteId: true, deviceId: true, type: true, severity: true, state: true, message: true, raisedAt: true,
  acknowledgedBy: true, acknowledgedAt: true, acknowledgeNote: true, clearedAt: true, clearedBy: true, clearNote: true,
  site: { select: { name: true } }, device: { select: { hostname: true } },
} as const;
type Row = Prisma.AlarmGetPayload<{ select: typeof select }>;
const toAlarm = ({ site, device, ...row }: Row) => ({ ...row, siteName: site?.name ?? null, deviceHostname: device?.hostname ?? null });

/** `open`: active or acknowledged, what still needs someone. */
const stateFilter = z.enum([...alarmState.values, 'open']);

const action = z.object({
  ids: z.array(z.uuid()).min(1).max(200).describe('The alarms to act on, at once'),
  note: z.string().trim().max(1_000).optional().describe('Why: kept with the alarm and in its event'),
});
const actionResult = (verb: string) => z.object({
  changed: z.array(z.uuid()).describe(`The alarms ${verb} by this request`),
  unchanged: z.array(z.uuid()).describe(`The alarms that were ${verb} already (or cleared), left as they were`),
});

/** Alarms the workflows and the ZTP front door raise (a box that never phoned home, a wrong activation code…). */
export function alarmsRouter(api: ApiDefinition, deps: EventDependencies): Router {
  const router = Router();
  const { prisma } = deps;

  /**
   * The alarms asked for, each checked: another tenant's (or an unknown id) answers 404 and one
   * the role may not change 403, before anything changes.
   */
  async function writable(principal: Principal, ids: string[]) {
    const unique = [...new Set(ids)];
    const rows = await prisma.alarm.findMany({ where: { id: { in: unique } }, select: { id: true, tenantId: true, state: true } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of unique) {
      const row = byId.get(id);
      if (row && row.tenantId === null) {
        // An alarm of no tenant is the service provider's.
        if (!principal.isGlobal('alarm', 'read')) throw problems.notFound(`Alarm ${id}`);
        if (!principal.isGlobal('alarm', 'write')) throw forbidden('Your role may not change this alarm.');
        continue;
      }
      principal.assert(row?.tenantId, 'alarm', 'write', `Alarm ${id}`);
    }
    return unique;
  }

  async function audited(principal: Principal, req: Parameters<typeof recordAudit>[2], verb: 'acknowledge' | 'clear', changed: AlarmChange[], note: string | null) {
    for (const a of changed) {
      await recordAudit(prisma, principal, req, { action: `alarm.${verb}`, objectType: 'alarm', objectId: a.alarmId, tenantId: a.tenantId, after: { type: a.type, message: a.message, note } });
    }
  }

  api.route(router, {
    method: 'get',
    path: '/alarms',
    summary: 'List alarms, newest first',
    tags: ['Alarms'],
    access: { type: 'alarm', action: 'read' },
    query: pageQuery.extend({
      tenantId: z.uuid().optional(),
      siteId: z.uuid().optional(),
      deviceId: z.uuid().optional(),
      state: stateFilter.optional().describe('A state, or open (active or acknowledged)'),
      severity: z.enum(alarmSeverity.values).optional(),
      type: z.string().max(100).optional(),
    }),
    response: pageOf(alarm),
    handler: async ({ query, principal }) => {
      const where: Prisma.AlarmWhereInput = {
        ...principal.tenantWhere('alarm', query.tenantId),
        ...(query.siteId ? { siteId: query.siteId } : {}),
        ...(query.deviceId ? { deviceId: query.deviceId } : {}),
        ...(query.state === 'open' ? { state: { not: 'cleared' } } : query.state ? { state: query.state } : {}),
        ...(query.severity ? { severity: query.severity } : {}),
        ...(query.type ? { type: query.type } : {}),
      };
      // Newest first: ids are uuid v7, in creation order, so the cursor pages backwards.
      const rows = await prisma.alarm.findMany({
        where: query.cursor ? { ...where, id: { lt: query.cursor } } : where,
        orderBy: { id: 'desc' }, take: query.limit + 1, select,
      });
      return toPage(rows.map(toAlarm), query.limit);
    },
  });

  api.route(router, {
    method: 'post',
    path: '/alarms/acknowledge',
    summary: 'Acknowledge alarms: someone is on it (who, when and a note are kept)',
    tags: ['Alarms'],
    access: { type: 'alarm', action: 'write' },
    body: action,
    response: actionResult('acknowledged'),
    handler: async ({ body, principal }, req) => {
      const ids = await writable(principal, body.ids);
      const note = body.note || null;
      const changed = await acknowledgeAlarms(prisma, { ids, by: principal.actor.name, note });
      await audited(principal, req, 'acknowledge', changed, note);
      await publishAlarmEvents(deps, 'alarm.acknowledged', changed, { by: principal.actor.name, note });
      const done = new Set(changed.map((a) => a.alarmId));
      return { changed: [...done], unchanged: ids.filter((id) => !done.has(id)) };
    },
  });

  api.route(router, {
    method: 'post',
    path: '/alarms/clear',
    summary: 'Clear alarms by hand: their cause is over (kept in the history with who cleared them)',
    tags: ['Alarms'],
    access: { type: 'alarm', action: 'write' },
    body: action,
    response: actionResult('cleared'),
    handler: async ({ body, principal }, req) => {
      const ids = await writable(principal, body.ids);
      const note = body.note || null;
      const changed = await clearAlarmsByHand(prisma, { ids, by: principal.actor.name, note });
      await audited(principal, req, 'clear', changed, note);
      await publishAlarmEvents(deps, 'alarm.cleared', changed, { by: principal.actor.name, note });
      const done = new Set(changed.map((a) => a.alarmId));
      return { changed: [...done], unchanged: ids.filter((id) => !done.has(id)) };
    },
  });
  return router;
}
