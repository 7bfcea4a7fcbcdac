// A site's SLA steering, its side effects: the site as steering needs it, the link switches it
// records and publishes, its sustained-violation alarm, and starting it (signal-with-start, so
// whoever speaks to it first — a push of the site's policies, the site's activation, a poller —
// starts it, and only once).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { alarmTypes } from '../domain/alarm-types.ts';
import type { SteeringPlan, SwitchRecord } from '../domain/sla-steering.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { clearAlarm, raiseAlarm } from '../inventory/alarms.ts';
import { recordLinkSwitches, siteSteers, steeringPlan } from '../inventory/sla-steering.ts';
import type { slaSteering } from '../workflows/sla-steering.ts';
import {
  slaEvaluationSignal, slaPoliciesChangedSignal, slaSteeringStateQuery, slaSteeringWorkflowId, stopSlaSteeringSignal, type SlaEvaluation, type SlaSteeringInput,
} from '../workflows/sla-steering.messages.ts';
import { publishEvent, runningWorkflow } from './events/publish.ts';

const alarmKey = (siteId: string, policy: string) => `${alarmTypes.slaViolation}/${siteId}/${policy}`;

/** Starts a site's steering, or signals the one running: whoever speaks to it first starts it, once. */
const steeringStart = (siteId: string) => ({ workflowId: slaSteeringWorkflowId(siteId), taskQueue: taskQueues.orchestration, args: [{ siteId }] as [SlaSteeringInput] });

const policiesChanged = (client: Client, siteId: string) =>
  client.workflow.signalWithStart<typeof slaSteering, []>('slaSteering', { ...steeringStart(siteId), signal: slaPoliciesChangedSignal, signalArgs: [] });

/**
 * Where the site's running steering has each application now, per policy (application → link),
 * as `GET /api/v1/sites/{id}/sla` shows it: what a push of the site's policies keeps. Nothing
 * when steering does not run.
 */
export async function steeredLinks(client: Client, siteId: string): Promise<Record<string, Record<string, string>>> {
  const handle = client.workflow.getHandle(slaSteeringWorkflowId(siteId));
  const running = await handle.describe().then((d) => d.status.name === 'RUNNING', (error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  });
  if (!running) return {};
  const view = await handle.query(slaSteeringStateQuery);
  const links: Record<string, Record<string, string>> = {};
  for (const app of view.applications) if (app.link !== null) (links[app.policy] ??= {})[app.application] = app.link;
  return links;
}

/** For the telemetry pollers: an evaluation to the site's steering, started if it is not running. */
export async function sendSlaEvaluation(client: Client, evaluation: SlaEvaluation): Promise<void> {
  await client.workflow.signalWithStart<typeof slaSteering, [SlaEvaluation]>('slaSteering', { ...steeringStart(evaluation.siteId), signal: slaEvaluationSignal, signalArgs: [evaluation] });
}

/** A site going into service starts its steering when it has steered applications; one leaving it stops it. */
export async function followSiteService(deps: { prisma: PrismaClient; client: Client }, siteId: string, inService: boolean): Promise<void> {
  if (inService) {
    if (await siteSteers(deps.prisma, siteId)) await policiesChanged(deps.client, siteId);
    return;
  }
  await deps.client.workflow.getHandle(slaSteeringWorkflowId(siteId)).signal(stopSlaSteeringSignal).catch((error: unknown) => {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  });
}

export function createSlaSteeringActivities(deps: { prisma: PrismaClient; client: Client }) {
  const { prisma, client } = deps;
  return {
    async loadSteeringPlan(input: { siteId: string }): Promise<SteeringPlan> {
      return steeringPlan(prisma, input.siteId);
    },

    /** Starts the site's steering, or tells the running one to reload the site's policies. */
    async startSlaSteering(input: { siteId: string }): Promise<void> {
      await policiesChanged(client, input.siteId);
    },

    /** Each switch recorded once (a LinkSwitchEvent), and one event for the commit that made them. */
    async recordLinkSwitches(input: { tenantId: string; siteId: string; switches: SwitchRecord[] }): Promise<void> {
      await recordLinkSwitches(prisma, input);
      await publishEvent(deps, {
        tenantId: input.tenantId, type: 'sla.link_switched', workflowId: runningWorkflow(),
        data: { siteId: input.siteId, switches: input.switches.map(({ key: _, ...s }) => s) },
      });
    },

    /** A policy's applications out of their SLA for its smoothing window: one alarm per site and policy. */
    async raiseSlaAlarm(input: { tenantId: string; siteId: string; policy: string; message: string }): Promise<void> {
      const alarm = { tenantId: input.tenantId, siteId: input.siteId, type: alarmTypes.slaViolation, severity: 'major' as const, message: input.message, dedupeKey: alarmKey(input.siteId, input.policy) };
      const { alarm: raised, raised: isNew } = await raiseAlarm(prisma, alarm);
      if (isNew) await publishEvent(deps, { tenantId: input.tenantId, type: 'alarm.raised', workflowId: runningWorkflow(), data: { ...raised } });
    },

    async clearSlaAlarm(input: { tenantId: string; siteId: string; policy: string }): Promise<void> {
      for (const cleared of await clearAlarm(prisma, alarmKey(input.siteId, input.policy))) {
        await publishEvent(deps, { tenantId: input.tenantId, type: 'alarm.cleared', workflowId: runningWorkflow(), data: { ...cleared } });
      }
    },
  };
}

export type SlaSteeringActivities = ReturnType<typeof createSlaSteeringActivities>;
