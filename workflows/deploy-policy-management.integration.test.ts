// A policy deployment whose NAT would cut a box off from its management, through the API to a
// simulated SRX managed over its PPPoE link: on a static WAN address the intent refuses the rule
// up front; on the PPPoE address (the provider's to give, unknown to Branchline) the deployment
// commits it, the box stops answering NETCONF (Junos looks destination NAT up before it tells
// traffic for itself), its confirmed commit reverts it, and the site is reported rolled back with
// the reason, the box running byte for byte what it ran, the change never committed again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';

interface Started { deploymentId: string; version: number | null; progressUrl: string }
interface SiteRow { siteName: string; status: string; error: string | null }
interface Deployment { execution: string; status: string; progress?: { failures: { hostname: string; error: string; rolledBack: boolean }[] } }

const serial = 'BLS0000001';

describe('policy deployment that would cut the management path', { timeout: 420_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  const box = () => lab.fleet.device(serial)!;
  const running = () => box().store.datastore('running').toString();
  const intentPath = () => `/api/v1/tenants/${tenantId}/policy-intent`;
  const putIntent = async (body: unknown) => {
    const etag = (await fetch(lab.apiUrl + intentPath(), { headers: { cookie: lab.adminCookie } })).headers.get('etag')!;
    const response = await fetch(lab.apiUrl + intentPath(), {
      method: 'PUT', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', 'if-match': etag }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { errors?: { path: string; message: string }[] } };
  };
  /** The intent with one NAT rule forwarding `external` port 830 to an inside NAS. */
  const forwarding830 = (external: string) => ({
    departments: [{ name: 'Staff' }], addresses: [{ name: 'nas', prefix: '10.243.10.5/32' }],
    nat: [{ kind: 'port-forward', name: 'nas-admin', external, protocol: 'tcp', externalPort: 830, internal: 'nas', internalPort: 830 }],
  });

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-300'], baseAddress: '127.243.0.1', snmpPort: 43161, netconfPort: 43830 }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, name: 'Aalst depot', timezone: 'Europe/Brussels', topology: 'full_mesh',
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
      wanLinks: [
        { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 300,
          addressing: { mode: 'static', address: '192.0.2.22/30', gateway: '192.0.2.21', dnsServers: ['9.9.9.9'] } },
        { name: 'internet', type: 'dsl', interfaceName: 'ge-0/0/1', bandwidthMbps: 200, monthlyCost: 40,
          addressing: { mode: 'pppoe', username: 'aalst@isp.example', password: 'aalst-pppoe', authentication: 'chap' } },
      ],
      departments: ['Staff'],
      lanSegments: [{ name: 'staff', vlanId: 10, prefix: '10.243.10.0/24', department: 'Staff' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
    box().setActivationCode(created.body.activationCodes[0]!.code);
    for (let i = 0; i < 480 && (await database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } })).status !== 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } })).status, 'active');
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it("refuses, field by field, forwarding NETCONF on a site's static WAN address, changing nothing", async () => {
    const refused = await putIntent(forwarding830('192.0.2.22/32'));
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors!.map((e) => e.path), ['nat.0.externalPort']);
    assert.match(refused.body.errors![0]!.message, /NETCONF \(830\) of 192\.0\.2\.22, the address of Aalst depot's WAN link mpls.*cut off/);
    assert.equal(await database.prisma.tenantIntent.count({ where: { tenantId } }), 0);
  });

  it('on the PPPoE address it cannot know: the box reverts the commit by itself, the site is rolled back for the lost management path, nothing pushed again', async () => {
    // The box is managed over its PPPoE session; a confirm-timeout minute lasts 1 s here.
    const faults = await fetch(`${lab.fleet.controlUrl}/devices/${serial}/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ managementInterface: 'pp0.0', confirmMinuteMs: 1000 }),
    });
    assert.equal(faults.status, 200, await faults.text());
    const pppoeAddress = box().interfaces().find((i) => i.name === 'pp0.0')!.addresses![0]!;
    assert.equal((await putIntent(forwarding830(pppoeAddress))).status, 200, 'the provider gave that address: nothing to check it against');
    const before = running();
    const journalBefore = box().store.journal.length;

    const started = await lab.api<Started>('POST', `/api/v1/tenants/${tenantId}/policy-deployments`, { concurrency: 1, failureBudgetPct: 100 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    let deployment: Deployment | undefined;
    for (const until = Date.now() + 300_000; ;) {
      deployment = (await lab.api<Deployment>('GET', started.body.progressUrl)).body;
      if (deployment.execution !== 'RUNNING' && deployment.execution !== 'UNKNOWN') break;
      if (Date.now() > until) assert.fail('the deployment did not end');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.deepEqual([deployment.execution, deployment.status], ['COMPLETED', 'completed_with_failures']);
    const { body: sites } = await lab.api<{ items: SiteRow[] }>('GET', `${started.body.progressUrl}/sites`);
    assert.deepEqual(sites.items.map((s) => [s.siteName, s.status]), [['Aalst depot', 'rolled_back']]);
    assert.match(sites.items[0]!.error!, /stopped answering.*reverted it on its own.*cuts the device off/);
    assert.deepEqual(deployment.progress?.failures.map((f) => f.rolledBack), [true], 'the deployment reports the site rolled back');

    assert.equal(running(), before, 'the box runs byte for byte what it ran');
    assert.deepEqual(box().store.journal.slice(journalBefore).map((e) => e.kind), ['confirmed-commit', 'revert'], 'committed once, reverted by the box, never again');
    assert.equal(box().faults.managementCut, false, 'NETCONF reaches the box again');
  });
});
