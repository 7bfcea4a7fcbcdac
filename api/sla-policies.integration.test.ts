// SLA profiles and application SLA policies through the API, on an active site whose box is a
// simulated SRX: validation with per-field problems, attaching, the preview as the device's own
// diff, and the push (a run of applySlaPolicies over NETCONF) after which the box steers the
// applications where the policy says, as the simulator reports it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';

const serial = 'BLS0000001';

interface Problem { errors?: { path: string; message: string }[]; detail?: string }
interface Outcome { deviceId: string; changed: boolean; diff?: string; version?: number }

describe('SLA policies', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let siteId: string;
  let profileId: string;
  let policyId: string;

  const box = () => lab.fleet.device(serial)!;
  /** A request with If-Match, which lab.api does not send. */
  const patch = async (path: string, body: unknown, etag?: string) => {
    const response = await fetch(lab.apiUrl + path, {
      method: 'PATCH', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & Problem };
  };
  const etagOf = async (path: string) => (await fetch(lab.apiUrl + path, { headers: { cookie: lab.adminCookie } })).headers.get('etag')!;

  async function push(): Promise<Outcome[]> {
    const started = await lab.api<{ progressUrl: string }>('POST', `/api/v1/sites/${siteId}/sla-policies/push`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (const until = Date.now() + 120_000; ;) {
      const { body } = await lab.api<{ execution: string; devices?: Outcome[]; error?: string }>('GET', started.body.progressUrl);
      if (body.execution === 'COMPLETED') return body.devices!;
      if (body.execution && body.execution !== 'RUNNING') assert.fail(`the push ended ${body.execution}: ${body.error}`);
      if (Date.now() > until) assert.fail('the push did not end');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  /** Where the box sends an application now, as the simulator's control API reports it. */
  const pathOf = async (application: string) => {
    const paths = await (await fetch(`${lab.fleet.controlUrl}/devices/${serial}/application-paths`)).json() as { application: string; link: string; rule: string }[];
    return paths.find((p) => p.application === application);
  };

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-300'], baseAddress: '127.47.0.1', snmpPort: 33161, netconfPort: 33830 }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    // One box, two WAN links: MPLS (static, dear) on ge-0/0/0 and broadband (DHCP, cheap) on ge-0/0/1.
    const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, name: 'Leuven depot', timezone: 'Europe/Brussels', tags: ['depots'], topology: 'full_mesh',
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
      wanLinks: [
        { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420, addressing: { mode: 'static', address: '192.0.2.10/30', gateway: '192.0.2.9', dnsServers: ['192.0.2.53'] } },
        { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/1', bandwidthMbps: 500, monthlyCost: 40 },
      ],
      departments: ['Staff'],
      lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.96.10.0/24', department: 'Staff' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    siteId = created.body.id;
    assert.equal((await lab.api('POST', `/api/v1/sites/${siteId}/onboarding`, {})).status, 202);
    box().setActivationCode(created.body.activationCodes[0]!.code);
    for (let i = 0; i < 240 && (await database.prisma.site.findUniqueOrThrow({ where: { id: siteId } })).status !== 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: siteId } })).status, 'active');
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  describe('profiles', () => {
    it('are made from a preset, its figures given', async () => {
      const created = await lab.api<{ id: string; preset: string; maxLatencyMs: number; maxJitterMs: number; maxLossPermille: number; match: string }>(
        'POST', '/api/v1/sla-profiles', { tenantId, name: 'Voice', preset: 'baseline' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      profileId = created.body.id;
      assert.deepEqual([created.body.preset, created.body.maxLatencyMs, created.body.maxJitterMs, created.body.maxLossPermille, created.body.match], ['baseline', 150, 30, 10, 'any']);
    });

    it('without a preset need every threshold, each missing one named, and a unique name', async () => {
      const missing = await lab.api<Problem>('POST', '/api/v1/sla-profiles', { tenantId, name: 'Custom', maxLatencyMs: 0 });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body.errors!.map((e) => e.path).sort(), ['maxJitterMs', 'maxLatencyMs', 'maxLossPermille']);
      const twice = await lab.api<Problem>('POST', '/api/v1/sla-profiles', { tenantId, name: 'Voice', preset: 'liberal' });
      assert.deepEqual([twice.status, twice.body.errors?.[0]?.path], [400, 'name']);
    });

    it('change only with the ETag last read, and are then custom', async () => {
      const path = `/api/v1/sla-profiles/${profileId}`;
      assert.equal((await patch(path, { maxJitterMs: 25 })).status, 428);
      assert.equal((await patch(path, { maxJitterMs: 25 }, '"stale"')).status, 412);
      const changed = await patch(path, { maxJitterMs: 25, match: 'all' }, await etagOf(path));
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.deepEqual([changed.body['maxJitterMs'], changed.body['match'], changed.body['preset']], [25, 'all', null]);
      assert.equal((await patch(path, { match: 'any' }, await etagOf(path))).status, 200);
    });
  });

  describe('policies', () => {
    it('refuse what a device cannot steer by, each field named', async () => {
      const other = await database.prisma.slaProfile.findFirstOrThrow({ where: { tenant: { slug: 'acme-retail' } } });
      const refused = await lab.api<Problem>('POST', '/api/v1/app-sla-policies', {
        tenantId, name: 'Bad', applications: ['voice', 'skype'], slaProfileId: profileId, preferredLinkTypes: ['mpls', 'mpls'], fallback: 'drop',
      });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.errors!.map((e) => e.path).sort(), ['applications.1', 'fallback', 'preferredLinkTypes']);
      const foreign = await lab.api<Problem>('POST', '/api/v1/app-sla-policies', { tenantId, name: 'Foreign', applications: ['voice'], slaProfileId: other.id });
      assert.deepEqual([foreign.status, foreign.body.errors?.[0]?.path], [400, 'slaProfileId']);
    });

    it('are made with their defaults: local breakout, preference, best path', async () => {
      const created = await lab.api<{ id: string; costMode: string; fallback: string; breakout: string; slaProfile: { name: string } }>('POST', '/api/v1/app-sla-policies', {
        tenantId, name: 'Voice first', applications: ['voice', 'junos:MS-TEAMS'], slaProfileId: profileId, preferredLinkTypes: ['mpls', 'broadband'], priority: 10,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      policyId = created.body.id;
      assert.deepEqual([created.body.costMode, created.body.fallback, created.body.breakout, created.body.slaProfile.name], ['preference', 'best_path', 'local', 'Voice']);
      assert.equal((await lab.api('DELETE', `/api/v1/sla-profiles/${profileId}`)).status, 409, 'a profile in use stays');
    });

    it('attach to a site of their tenant only', async () => {
      const bad = await lab.api<Problem>('PUT', `/api/v1/sites/${siteId}/app-sla-policies`, { policyIds: [policyId, '0190a1b2-0000-7000-8000-000000000000'] });
      assert.deepEqual([bad.status, bad.body.errors?.[0]?.path], [400, 'policyIds.1']);
      const attached = await lab.api<{ policyIds: string[] }>('PUT', `/api/v1/sites/${siteId}/app-sla-policies`, { policyIds: [policyId] });
      assert.deepEqual([attached.status, attached.body.policyIds], [200, [policyId]]);
    });
  });

  describe('on the device', () => {
    it('previews as the device diffs it, changing nothing', async () => {
      const running = box().store.datastore('running').toString();
      const preview = await lab.api<{ devices: Outcome[] }>('POST', `/api/v1/sites/${siteId}/sla-policies/preview`);
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      const [device] = preview.body.devices;
      assert.equal(device!.changed, true);
      assert.match(device!.diff!, /voice-first-mpls/);
      assert.match(device!.diff!, /wan-mpls/);
      assert.match(device!.diff!, /<rtt>150000<\/rtt>/, 'the steering thresholds on the link probes');
      assert.equal(box().store.datastore('running').toString(), running);
    });

    it('pushes by a confirmed commit, after which the box steers the applications to the preferred link', async () => {
      const [device] = await push();
      assert.equal(device!.changed, true);
      const version = await database.prisma.configVersion.findFirstOrThrow({ where: { deviceId: device!.deviceId }, orderBy: { version: 'desc' } });
      assert.deepEqual([version.version, version.source], [device!.version, 'policy']);
      // MPLS is the box's ge-0/0/0, which the simulator calls wan0.
      const [sip, teams] = [await pathOf('junos:SIP'), await pathOf('junos:MS-TEAMS')];
      assert.deepEqual([sip?.link, teams?.link, sip?.rule], ['wan0', 'wan0', 'voice-first-mpls']);
      assert.equal(box().rpmTests().find((t) => t.owner === 'mpls')?.rttThresholdUs, 150_000);
      const again = await lab.api<{ devices: Outcome[] }>('POST', `/api/v1/sites/${siteId}/sla-policies/preview`);
      assert.deepEqual([again.body.devices[0]!.changed, again.body.devices[0]!.diff], [false, ''], 'pushed, nothing is left to change');
    });

    it('bandwidth-optimised, moves the applications to the cheapest link that complies', async () => {
      const path = `/api/v1/app-sla-policies/${policyId}`;
      assert.equal((await patch(path, { costMode: 'bandwidth_optimised' }, await etagOf(path))).status, 200);
      await push();
      const sip = await pathOf('junos:SIP');
      assert.deepEqual([sip?.link, sip?.rule], ['wan1', 'voice-first-internet']);
    });

    it('is refused for a site not active, with the reason', async () => {
      const planned = await database.prisma.site.findFirstOrThrow({ where: { tenantId, status: 'planned' } }).catch(() => undefined);
      if (!planned) return;
      const refused = await lab.api<Problem>('POST', `/api/v1/sites/${planned.id}/sla-policies/push`, {});
      assert.equal(refused.status, 409);
      assert.match(refused.body.detail!, /active/);
    });
  });
});
