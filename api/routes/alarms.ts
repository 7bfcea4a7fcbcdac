import { Router } from 'express';
import { z } from 'zod';
import { alarmSeverity, alarmState } from '../../domain/choices.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { ApiDefinition } from '../openapi.ts';
import { pageArgs, pageOf, pageQuery, toPage } from '../pagination.ts';

const alarm = z.object({
  id: z.uuid(),
  tenantId: z.uuid().nullable(),
  siteId: z.uuid().nullable(),
  deviceId: z.uuid().nullable(),
  type: z.string(),
  severity: z.enum(alarmSeverity.values),
  state: z.enum(alarmState.values),
  message: z.string(),
  raisedAt: z.date(),
  clearedAt: z.date().nullable(),
}).openapi('Alarm');

/** Alarms the workflows and the ZTP front door raise (a box that never phoned home, a wrong activation code…). */
export function alarmsRouter(api: ApiDefinition, deps: { prisma: PrismaClient }): Router {
  const router = Router();
  api.route(router, {
    method: 'get',
    path: '/alarms',
    summary: 'List alarms',
    tags: ['Alarms'],
    access: { type: 'alarm', action: 'read' },
    query: pageQuery.extend({
      tenantId: z.uuid().optional(),
      siteId: z.uuid().optional(),
      deviceId: z.uuid().optional(),
      state: z.enum(alarmState.values).optional(),
    }),
    response: pageOf(alarm),
    handler: async ({ query, principal }) => {
      const where = {
        ...principal.tenantWhere('alarm', query.tenantId),
        ...(query.siteId ? { siteId: query.siteId } : {}),
        ...(query.deviceId ? { deviceId: query.deviceId } : {}),
        ...(query.state ? { state: query.state } : {}),
      };
      const rows = await deps.prisma.alarm.findMany({ ...pageArgs(query, where), omit: { dedupeKey: true } });
      return toPage(rows, query.limit);
    },
  });
  return router;
}
