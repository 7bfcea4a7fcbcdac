// A site's SLA steering end to end: an active site whose box is a simulated SRX, a voice policy
// pushed through the API (which starts `sla/<siteId>`), impairments set on the box's links by the
// simulator's control API, and the test playing the poller: it reads the box's RPM results and
// signals each change of the evaluation. Traffic is seen moving where the box reports it
// (application-paths). The worker runs as a process, so one test can kill it in mid-switch.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { slaPresets } from '../domain/sla.ts';
import { seedDemo } from '../prisma/seed.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import { pollForSteering, type TestPoller } from '../scripts/sla-test-poller.ts';
import { createTestDatabase, eventually, testServices, type TestDatabase } from '../scripts/testing.ts';
import { slaSteeringWorkflowId } from './sla-steering.messages.ts';

const serial = 'BLS0000001';
const sip = 'junos:SIP';
/** The box's ports: MPLS is ge-0/0/0 (the simulator's wan0), broadband ge-0/0/1 (wan1). */
const simLink = { mpls: 'wan0', internet: 'wan1' } as const;
const degraded = { latencyMs: 400, jitterMs: 5, lossPermille: 0 };

interface Switch { fromLink: string | null; toLink: string | null; reason: string; detectionMs: number | null; reactionMs: number | null }

describe('SLA steering of a site', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let siteId: string;
  let policyId: string;
  let poller: TestPoller;

  const box = () => lab.fleet.device(serial)!;
  const journal = () => box().store.journal.map((entry) => entry.kind);
  const sipPath = async () => {
    const paths = await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/application-paths`)).json() as { application: string; link: string }[];
    return paths.find((p) => p.application === sip)?.link;
  };
  const until = (what: string, link: string, timeoutMs = 60_000) => eventually(what, sipPath, (l) => l === link, timeoutMs);
  const impair = async (link: keyof typeof simLink, shape: unknown) => {
    poller?.changed();
    const response = await fetch(`${lab.fleet.controlUrl}/devices/${serial}/links/${simLink[link]}/impairment`, shape === null ? { method: 'DELETE' } : {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shape),
    });
    assert.equal(response.status, 200);
  };
  const switches = async () => (await lab.api<{ items: Switch[] }>('GET', `/api/v1/sites/${siteId}/link-switches?limit=500`)).body.items;
  /** Nothing in flight: no commit waiting for its confirmation, no switch being made or recorded. */
  const settled = async () => {
    await eventually('steering settled', async () => ({
      pending: !!box().store.confirmPending?.junos,
      switching: (await lab.api<{ switching: boolean }>('GET', `/api/v1/sites/${siteId}/sla`)).body.switching,
    }), (s) => !s.pending && !s.switching, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  };
  /** The switches once `count` are recorded (a switch is recorded just after the box has it). */
  const recordedSwitches = (count: number) => eventually(`${count} switches recorded`, switches, (s) => s.length >= count, 30_000);
  const patchPolicy = async (change: object) => {
    const path = `/api/v1/app-sla-policies/${policyId}`;
    const etag = (await fetch(lab.apiUrl + path, { headers: { cookie: lab.adminCookie } })).headers.get('etag')!;
    const response = await fetch(lab.apiUrl + path, { method: 'PATCH', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', 'if-match': etag }, body: JSON.stringify(change) });
    assert.equal(response.status, 200);
  };
  async function push() {
    const started = await lab.api<{ progressUrl: string }>('POST', `/api/v1/sites/${siteId}/sla-policies/push`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await eventually('the push completed', async () => (await lab.api<{ execution: string }>('GET', started.body.progressUrl)).body.execution, (e) => e === 'COMPLETED');
  }

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    const tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const { temporalAddress, namespace } = testServices();
    lab = await startLab({
      databaseUrl: database.url, temporalAddress, namespace, models: ['SRX-SIM-300'], baseAddress: '127.53.0.1', snmpPort: 35161, netconfPort: 35830,
      worker: 'process', logDirectory: join(import.meta.dirname, '..', '.data', 'test-logs', 'sla-steering'),
    });
    const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, name: 'Mechelen depot', timezone: 'Europe/Brussels', tags: [], topology: 'full_mesh',
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
      wanLinks: [
        { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420, addressing: { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['192.0.2.53'] } },
        { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/1', bandwidthMbps: 500, monthlyCost: 40 },
      ],
      departments: ['Staff'], lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.97.10.0/24', department: 'Staff' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    siteId = created.body.id;
    assert.equal((await lab.api('POST', `/api/v1/sites/${siteId}/onboarding`, {})).status, 202);
    box().setActivationCode(created.body.activationCodes[0]!.code);
    await eventually('the site active', async () => (await database.prisma.site.findUniqueOrThrow({ where: { id: siteId } })).status, (s) => s === 'active', 180_000);
    const profile = await lab.api<{ id: string }>('POST', '/api/v1/sla-profiles', { tenantId, name: 'Voice', preset: 'baseline' });
    // Short windows: the flap threshold and window as Versa's defaults, the times in seconds.
    const policy = await lab.api<{ id: string }>('POST', '/api/v1/app-sla-policies', {
      tenantId, name: 'Voice', applications: [sip], slaProfileId: profile.body.id, preferredLinkTypes: ['broadband', 'mpls'],
      flapThreshold: 2, flapWindowSeconds: 40, holdDownSeconds: 20, smoothingWindowSeconds: 3,
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    policyId = policy.body.id;
    assert.equal((await lab.api('PUT', `/api/v1/sites/${siteId}/app-sla-policies`, { policyIds: [policyId] })).status, 200);
    await push();
    assert.equal(await sipPath(), simLink.internet, 'voice starts on its preferred broadband');
    poller = pollForSteering({ client: lab.client, siteId, serial, box, applications: { [sip]: slaPresets.baseline } });
  });

  after(async () => {
    await poller?.stop();
    await lab?.client.workflow.getHandle(slaSteeringWorkflowId(siteId)).terminate().catch(() => undefined);
    await lab?.stop();
    await database?.drop();
  });

  afterEach(async () => {
    // A failed test leaves no impairment to the next.
    for (const link of ['mpls', 'internet'] as const) await impair(link, null);
  });

  it('moves voice to MPLS when broadband degrades, and back after it recovers and has complied for the smoothing window', async () => {
    await impair('internet', { shape: 'step', to: degraded });
    await until('voice on MPLS', simLink.mpls);
    await settled(); // the box steers by the commit; steering takes it as made once it is recorded
    const state = await lab.api<{ steering: string; applications: { link: string; reason: string }[]; links: { link: string; up: boolean }[] }>('GET', `/api/v1/sites/${siteId}/sla`);
    assert.deepEqual([state.body.steering, state.body.applications[0]?.link, state.body.applications[0]?.reason], ['running', 'mpls', 'violation']);
    await impair('internet', null);
    const recovered = Date.now();
    await until('voice back on broadband', simLink.internet);
    assert.ok(Date.now() - recovered >= 3_000, 'not before the smoothing window');
    const recorded = await recordedSwitches(2);
    assert.deepEqual(recorded.map((s) => [s.fromLink, s.toLink, s.reason]), [['internet', 'mpls', 'violation'], ['mpls', 'internet', 'recovered']]);
    console.log(JSON.stringify({ figure: 'degrade-and-recover', detectionToSignalMs: poller.detections, switches: recorded.map((s) => ({ reason: s.reason, detectionMs: s.detectionMs, reactionMs: s.reactionMs })) }));
  });

  it('under an oscillating broadband link, switches at most the flap threshold of times away, then holds it down', async () => {
    const before = (await switches()).length;
    // Each half of the period holds a whole RPM test (5 probes a second apart, then a second's pause).
    await impair('internet', { shape: 'oscillation', to: degraded, periodMs: 24_000, durationMs: 60_000 });
    await eventually('broadband held down', async () => (await lab.api<{ applications: { heldDown: { link: string }[] }[] }>('GET', `/api/v1/sites/${siteId}/sla`)).body,
      (state) => state.applications[0]?.heldDown[0]?.link === 'internet', 60_000);
    await settled();
    const made = (await switches()).slice(before);
    assert.ok(made.filter((s) => s.toLink === 'mpls').length <= 2, JSON.stringify(made));
    assert.equal(made.at(-1)?.toLink, 'mpls');
    assert.equal(await sipPath(), simLink.mpls);
    console.log(JSON.stringify({ figure: 'oscillation', switches: made.map((s) => `${s.fromLink}→${s.toLink} (${s.reason})`) }));
    await impair('internet', null);
    await until('voice back on broadband after the hold-down', simLink.internet, 60_000);
  });

  it('in a brownout of every link, follows the fallback: the best path', async () => {
    // The switch back after the hold-down may still be on its way to its record.
    await settled();
    await impair('mpls', { shape: 'brownout', to: { latencyMs: 250 }, durationMs: 120_000 });
    await impair('internet', { shape: 'brownout', to: { latencyMs: 600 }, durationMs: 120_000 });
    const before = (await switches()).length;
    await until('voice on MPLS, the best path', simLink.mpls);
    assert.equal((await recordedSwitches(before + 1)).at(-1)?.reason, 'fallback_best_path');
    await impair('mpls', null);
    await impair('internet', null);
    await until('voice back on broadband', simLink.internet);
  });

  it('with the worker killed in the middle of a switch, commits it exactly once', async () => {
    await settled();
    const before = journal().length;
    const since = new Date().toISOString();
    box().faults.replyDelayMs = 300;
    await impair('internet', { shape: 'step', to: degraded });
    await eventually('the switch committed, not yet confirmed', async () => journal().slice(before), (j) => j.includes('confirmed-commit'), 60_000);
    await lab.killWorker();
    box().faults.replyDelayMs = 0;
    await lab.startWorker();
    await until('voice on MPLS', simLink.mpls, 120_000);
    await eventually('the switch confirmed', async () => journal().slice(before), (j) => j.length >= 2, 120_000);
    const made = await eventually('the switch recorded', async () => (await lab.api<{ items: Switch[] }>('GET', `/api/v1/sites/${siteId}/link-switches?since=${encodeURIComponent(since)}`)).body.items, (s) => s.length > 0, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.deepEqual(journal().slice(before), ['confirmed-commit', 'confirm']);
    assert.deepEqual(made.map((s) => [s.fromLink, s.toLink]), [['internet', 'mpls']]);
    await impair('internet', null);
    await until('voice back on broadband', simLink.internet);
  });

  it('bandwidth-optimised, takes the cheapest link that complies', async () => {
    await settled();
    await patchPolicy({ costMode: 'bandwidth_optimised', preferredLinkTypes: ['mpls', 'broadband'] });
    const since = new Date().toISOString();
    await push();
    assert.equal(await sipPath(), simLink.internet, 'broadband, the cheapest, though MPLS is preferred');
    await impair('internet', { shape: 'step', to: degraded });
    await until('voice on MPLS', simLink.mpls);
    await impair('internet', null);
    await until('voice back on the cheapest', simLink.internet);
    const made = await eventually('both switches recorded', async () => (await lab.api<{ items: Switch[] }>('GET', `/api/v1/sites/${siteId}/link-switches?since=${encodeURIComponent(since)}`)).body.items, (s) => s.some((x) => x.reason === 'cheaper'), 30_000);
    assert.deepEqual(made.map((s) => s.reason), ['violation', 'cheaper']);
    const tenantWide = await lab.api<{ items: Switch[] }>('GET', `/api/v1/link-switches?siteId=${siteId}&reason=cheaper`);
    assert.equal(tenantWide.body.items.length, 1);
  });
});
