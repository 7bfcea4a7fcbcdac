// slaSteering on the real Temporal server, with real device leases, the inventory and the box
// stood in for by activities: the test plays the poller, signalling evaluations, and reads what
// was pushed (the link each APBR rule leads to), recorded and alarmed. Windows are seconds long.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connectTestClient, eventually, recordHistory, startTestWorker, withChangesInTurn, createTestLeases } from '../scripts/testing.ts';
import type { SitePlan } from '../domain/site-plan.ts';
import { violatesSla, type CostMode, type FallbackMode, type LinkMeasurement, type SlaThresholds } from '../domain/sla.ts';
import type { DampeningSettings, SteeringPlan, SwitchRecord } from '../domain/sla-steering.ts';
import { taskQueues } from '../domain/task-queues.ts';
import { slaSteering } from './sla-steering.ts';
import { slaEvaluationSignal, slaSteeringStateQuery, slaSteeringWorkflowId, type SlaEvaluation } from './sla-steering.messages.ts';

const require = createRequire(import.meta.url);
const thresholds: SlaThresholds = { rttMs: 150, jitterMs: 30, lossPermille: 10, match: 'any' };
const good: LinkMeasurement = { rttMs: 20, jitterMs: 2, lossPermille: 0 };
const bad: LinkMeasurement = { rttMs: 400, jitterMs: 60, lossPermille: 80 };
const links = [
  { id: randomUUID(), name: 'internet', type: 'broadband', monthlyCost: 40 },
  { id: randomUUID(), name: 'mpls', type: 'mpls', monthlyCost: 420 },
  { id: randomUUID(), name: 'lte', type: 'lte', monthlyCost: 20 },
];
const sip = 'junos:SIP';

interface Scenario { costMode?: CostMode; fallback?: FallbackMode; dampening?: Partial<DampeningSettings>; preferred?: string[]; pushMs?: number }

function steeringPlan(siteId: string, scenario: Scenario): SteeringPlan {
  const preferredLinks = scenario.preferred ?? ['internet', 'mpls', 'lte'];
  const plan: SitePlan = {
    siteId, tenantId: 'tenant', name: 'Ghent store', role: 'spoke', status: 'active', topology: 'full_mesh', lanSegments: [], peers: [], targetImages: [],
    devices: [{
      id: 'device-1', role: 'primary', hostname: 'ghent-01', model: 'SRX-SIM-300', platform: 'junos', serial: 'BLS0000001', status: 'online', softwareVersion: '22.4R1',
      target: { deviceId: 'device-1', serial: `BLS-${siteId.slice(0, 8)}`, platform: 'junos', host: '127.0.0.1', netconfPort: 830, snmpPort: 161 }, primaryLinks: ['internet'],
      wanLinks: links.map((l, i) => ({ name: l.name, interfaceName: `ge-0/0/${i}`, address: 'dhcp' as const })),
    }],
    policies: { firewall: [], steering: [{ name: 'voice', applications: [sip], preferredLinks, maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10, breakout: 'local' }] },
  };
  const costMode = scenario.costMode ?? 'preference';
  const initial = costMode === 'bandwidth_optimised' ? 'lte' : preferredLinks[0]!;
  return {
    plan, links,
    policies: [{
      name: 'voice', applications: [sip], initialLinks: { [sip]: initial },
      rule: { thresholds, preferredLinkTypes: preferredLinks.map((n) => links.find((l) => l.name === n)!.type), costMode, fallback: scenario.fallback ?? 'best_path', fallbackVarianceMs: 20 },
      dampening: { flapThreshold: 2, flapWindowMs: 20_000, holdDownMs: 4_000, smoothingWindowMs: 1_500, ...scenario.dampening },
    }],
  };
}

describe('slaSteering', { timeout: 120_000 }, () => {
  let client: Client;
  let close: () => Promise<void>;
  const workers: { stop(): Promise<void> }[] = [];
  let leases: Awaited<ReturnType<typeof createTestLeases>>;
  const scenarios = new Map<string, Scenario>();
  /** Per site: the link voice's APBR rule led to in each push. */
  const pushes = new Map<string, string[]>();
  const switches = new Map<string, SwitchRecord[]>();
  const alarms = new Map<string, string[]>();
  const siteOf = (serial: string) => [...scenarios.keys()].find((id) => serial === `BLS-${id.slice(0, 8)}`)!;

  before(async () => {
    ({ client, close } = await connectTestClient());
    leases = await createTestLeases(client);
    workers.push(await startTestWorker({
      taskQueue: taskQueues.orchestration, workflowsPath: require.resolve('./index.ts'),
      activities: {
        ...leases.activities,
        async loadSteeringPlan({ siteId }: { siteId: string }) { return steeringPlan(siteId, scenarios.get(siteId)!); },
        async recordLinkSwitches(input: { siteId: string; switches: SwitchRecord[] }) { switches.set(input.siteId, [...(switches.get(input.siteId) ?? []), ...input.switches]); },
        async raiseSlaAlarm(input: { siteId: string }) { alarms.set(input.siteId, [...(alarms.get(input.siteId) ?? []), 'raised']); },
        async clearSlaAlarm(input: { siteId: string }) { alarms.set(input.siteId, [...(alarms.get(input.siteId) ?? []), 'cleared']); },
      },
    }));
    workers.push(await startTestWorker({
      taskQueue: taskQueues.devices, workflowsPath: require.resolve('./index.ts'),
      activities: withChangesInTurn({
        async applyConfiguration(input: { target: { serial: string }; config: string }) {
          const siteId = siteOf(input.target.serial);
          await new Promise((resolve) => setTimeout(resolve, scenarios.get(siteId)!.pushMs ?? 50));
          const link = /<rule><name>voice-([a-z]+)<\/name>/.exec(input.config)![1]!;
          pushes.set(siteId, [...(pushes.get(siteId) ?? []), link]);
          return { changed: true };
        },
        async recordConfiguration(input: { target: { serial: string } }) {
          return { version: pushes.get(siteOf(input.target.serial))!.length };
        },
      }),
    }));
  });
  after(async () => {
    for (const worker of workers) await worker.stop();
    await leases.drop();
    await close();
  });

  async function start(scenario: Scenario): Promise<{ siteId: string; handle: WorkflowHandle<typeof slaSteering>; report(quality: Record<string, LinkMeasurement | 'down'>): Promise<void> }> {
    const siteId = randomUUID();
    scenarios.set(siteId, scenario);
    const handle = await client.workflow.start(slaSteering, { taskQueue: taskQueues.orchestration, workflowId: slaSteeringWorkflowId(siteId), args: [{ siteId }] });
    let last = new Date().toISOString();
    // The poller's part: every link's figures, and the links out of voice's SLA.
    const report = async (quality: Record<string, LinkMeasurement | 'down'>) => {
      const at = new Date();
      const evaluation: SlaEvaluation = {
        siteId, deviceSerial: 'BLS0000001', at: at.toISOString(), changedAt: new Date(Math.max(Date.parse(last), at.getTime() - 3_000)).toISOString(),
        links: links.map((l) => { const q = quality[l.name] ?? good; return q === 'down' ? { link: l.name, up: false } : { link: l.name, up: true, measured: q }; }),
        violations: { [sip]: links.filter((l) => { const q = quality[l.name] ?? good; return q === 'down' || violatesSla(thresholds, q); }).map((l) => l.name) },
      };
      last = evaluation.at;
      await handle.signal(slaEvaluationSignal, evaluation);
    };
    return { siteId, handle, report };
  }
  const pushed = (siteId: string) => pushes.get(siteId) ?? [];
  const until = (what: string, siteId: string, holds: (links: string[]) => boolean) => eventually(what, async () => pushed(siteId), holds, 20_000);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('moves voice off a degraded link at once, and back only once it has complied for the smoothing window', async () => {
    const { siteId, handle, report } = await start({});
    await report({});
    await report({ internet: bad });
    await until('voice moved to MPLS', siteId, (l) => l.length === 1);
    assert.deepEqual(pushed(siteId), ['mpls']);
    // The box has it once applied; steering takes it as made once it is recorded too.
    const state = await eventually('the switch made', () => handle.query(slaSteeringStateQuery), (s) => !s.switching, 10_000);
    assert.deepEqual([state.applications[0]!.link, state.applications[0]!.reason, state.applications[0]!.violations], ['mpls', 'violation', 1]);
    await report({});
    await sleep(700);
    assert.deepEqual(pushed(siteId), ['mpls'], 'not back before the smoothing window');
    await until('voice back on broadband', siteId, (l) => l.length === 2);
    assert.deepEqual(pushed(siteId), ['mpls', 'internet']);
    // Recorded just after the box has it.
    const recorded = await eventually('both switches recorded', async () => switches.get(siteId) ?? [], (r) => r.length === 2, 10_000);
    assert.deepEqual(recorded.map((s) => [s.from, s.to, s.reason]), [['internet', 'mpls', 'violation'], ['mpls', 'internet', 'recovered']]);
    assert.ok(recorded.every((s) => s.detectionMs !== null && s.detectionMs <= 3_000 && s.reactionMs >= 0), JSON.stringify(recorded));
    assert.deepEqual(recorded[0]!.measurements['internet'], { up: true, ...bad });
    await recordHistory(client, slaSteeringWorkflowId(siteId), 'sla-steering-record-apart');
    await handle.terminate();
  });

  it('holds a flapping link down after the flap threshold, and takes it back only after the hold-down', async () => {
    const { siteId, handle, report } = await start({});
    await report({});
    for (let flap = 0; flap < 4; flap++) {
      await report({ internet: bad });
      await sleep(400);
      await report({});
      await sleep(1_700);
    }
    const state = await handle.query(slaSteeringStateQuery);
    const away = pushed(siteId).filter((l) => l === 'mpls').length;
    assert.ok(away <= 2, `at most the flap threshold of moves away: ${pushed(siteId).join(', ')}`);
    assert.equal(pushed(siteId).at(-1), 'mpls', 'held on MPLS');
    assert.equal(state.applications[0]!.heldDown[0]?.link, 'internet');
    await until('voice back on broadband after the hold-down', siteId, (l) => l.at(-1) === 'internet');
    await handle.terminate();
  });

  it('in a brownout of every link, takes the best path: the least loss', async () => {
    const { siteId, handle, report } = await start({});
    await report({ internet: { rttMs: 300, jitterMs: 40, lossPermille: 60 }, mpls: { rttMs: 200, jitterMs: 35, lossPermille: 20 }, lte: { rttMs: 500, jitterMs: 90, lossPermille: 90 } });
    await until('voice on the best path', siteId, (l) => l.length === 1);
    assert.deepEqual(pushed(siteId), ['mpls']);
    // The push is recorded before the workflow takes its result in: read the reason once it has.
    await eventually('the reason taken in', () => handle.query(slaSteeringStateQuery), (state) => state.applications[0]!.reason === 'fallback_best_path', 10_000);
    await handle.terminate();
  });

  it('strict, stays on the most preferred link up when every link is out of its SLA', async () => {
    const { siteId, handle, report } = await start({ fallback: 'strict' });
    await report({ internet: 'down', mpls: bad, lte: { ...bad, lossPermille: 20 } });
    await until('voice on MPLS, the most preferred link up', siteId, (l) => l.length === 1);
    assert.deepEqual(pushed(siteId), ['mpls']);
    await eventually('the reason taken in', () => handle.query(slaSteeringStateQuery), (state) => state.applications[0]!.reason === 'fallback_strict', 10_000);
    await handle.terminate();
  });

  it('bandwidth-optimised, moves to the cheapest link that complies', async () => {
    const { siteId, handle, report } = await start({ costMode: 'bandwidth_optimised' });
    await report({ lte: bad });
    await until('voice on broadband, cheapest compliant', siteId, (l) => l.length === 1);
    assert.deepEqual(pushed(siteId), ['internet']);
    await handle.terminate();
  });

  it('coalesces: evaluations arriving during a switch make one more switch at most', async () => {
    const { siteId, handle, report } = await start({ pushMs: 1_500 });
    await report({ internet: bad });
    await sleep(300);
    for (let i = 0; i < 15; i++) await report({ internet: bad, lte: i % 2 ? bad : { ...bad, rttMs: 401 + i } });
    await until('one switch', siteId, (l) => l.length >= 1);
    await sleep(2_000);
    assert.deepEqual(pushed(siteId), ['mpls']);
    await handle.terminate();
  });

  it('raises one alarm for a violation lasting the smoothing window, and clears it on recovery', async () => {
    const { siteId, handle, report } = await start({ fallback: 'strict' });
    await report({ internet: bad, mpls: bad, lte: bad });
    await eventually('alarm raised', async () => alarms.get(siteId) ?? [], (a) => a.length === 1, 10_000);
    await report({ internet: { ...bad, rttMs: 401 }, mpls: bad, lte: bad });
    await sleep(1_000);
    assert.deepEqual(alarms.get(siteId), ['raised'], 'a repeat raises nothing');
    await report({});
    await eventually('alarm cleared', async () => alarms.get(siteId) ?? [], (a) => a.length === 2, 10_000);
    assert.deepEqual(alarms.get(siteId), ['raised', 'cleared']);
    await handle.terminate();
  });
});
