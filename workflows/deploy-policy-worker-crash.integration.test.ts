// A worker killed with SIGKILL in the middle of a policy deployment (a box's confirmed commit made,
// not yet confirmed), and started again: the deployment completes, every site deployed, each box
// committed and confirmed exactly once with one version recorded, and no lease left held.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';

const serials = ['BLS0000001', 'BLS0000002', 'BLS0000003'];

describe('a worker killed mid policy deployment', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  const siteIds: string[] = [];

  const journal = (serial: string) => lab.fleet.device(serial)!.store.journal.map((entry) => entry.kind);

  before(async () => {
    ({ database, lab } = await startSeededLab({
      models: serials.map(() => 'SRX-SIM-300'), baseAddress: '127.48.0.1', snmpPort: 44161, netconfPort: 44830, workerProcess: 'deploy-policy-worker-crash',
    }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    for (const [index, serial] of serials.entries()) {
      const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
        tenantId, name: `Liège store ${index + 1}`, timezone: 'Europe/Brussels', tags: [], topology: 'full_mesh',
        devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40, addressing: { mode: 'static', address: `192.0.2.${10 + index * 4}/30`, gateway: `192.0.2.${9 + index * 4}`, dnsServers: ['192.0.2.53'] } }],
        departments: ['Sales'], lanSegments: [{ name: 'sales', vlanId: 10, prefix: `10.48.${index}.0/24`, department: 'Sales' }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      siteIds.push(created.body.id);
      assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
      lab.fleet.device(serial)!.setActivationCode(created.body.activationCodes[0]!.code);
    }
    for (let i = 0; i < 480 && (await database.prisma.site.count({ where: { id: { in: siteIds }, status: 'active' } })) < serials.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(await database.prisma.site.count({ where: { id: { in: siteIds }, status: 'active' } }), serials.length);
  });
  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('completes after a restart, each box committed and confirmed once, its version recorded once, no lease left', async () => {
    const path = `/api/v1/tenants/${tenantId}/policy-intent`;
    const etag = (await fetch(lab.apiUrl + path, { headers: { cookie: lab.adminCookie } })).headers.get('etag')!;
    const saved = await fetch(lab.apiUrl + path, {
      method: 'PUT', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', 'if-match': etag },
      body: JSON.stringify({ departments: [{ name: 'Sales' }], firewallRules: [{ name: 'sales-web', from: { kind: 'department', name: 'Sales' }, to: { kind: 'internet' }, applications: ['https'], action: 'allow', log: true }] }),
    });
    assert.equal(saved.status, 200, await saved.text());
    const before = new Map(serials.map((serial) => [serial, journal(serial).length]));
    const versionsBefore = await database.prisma.configVersion.count({ where: { device: { serial: { in: serials } } } });
    // Slow replies keep one box's change open long enough to die in the middle of it.
    const slow = lab.fleet.device(serials[1]!)!;
    slow.faults.replyDelayMs = 300;
    const started = await lab.api<{ deploymentId: string; progressUrl: string }>('POST', `/api/v1/tenants/${tenantId}/policy-deployments`, { concurrency: 3, failureBudgetPct: 100 });
    assert.equal(started.status, 202, JSON.stringify(started.body));

    // Its confirmed commit made, not yet confirmed: now the worker dies.
    const until = Date.now() + 120_000;
    while (journal(serials[1]!).slice(before.get(serials[1]!)).length < 1 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await lab.killWorker();
    assert.deepEqual(journal(serials[1]!).slice(before.get(serials[1]!)), ['confirmed-commit']);
    assert.ok(slow.store.confirmPending?.junos, 'the commit waits for its confirmation');

    slow.faults.replyDelayMs = 0;
    await lab.startWorker();
    for (const end = Date.now() + 240_000; ;) {
      const { body } = await lab.api<{ execution: string; status: string }>('GET', started.body.progressUrl);
      if (body.execution !== 'RUNNING' && body.execution !== 'UNKNOWN') {
        assert.deepEqual([body.execution, body.status], ['COMPLETED', 'completed']);
        break;
      }
      if (Date.now() > end) assert.fail('the deployment did not end');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const { body: sites } = await lab.api<{ items: { status: string }[] }>('GET', `${started.body.progressUrl}/sites`);
    assert.deepEqual(sites.items.map((s) => s.status), serials.map(() => 'deployed'));
    for (const serial of serials) assert.deepEqual(journal(serial).slice(before.get(serial)), ['confirmed-commit', 'confirm'], `${serial} changed once`);
    assert.equal(await database.prisma.configVersion.count({ where: { device: { serial: { in: serials } } } }), versionsBefore + serials.length, 'a version per box, recorded once');
    assert.equal(await database.prisma.deviceLease.count({ where: { holderWorkflowId: { startsWith: 'deployPolicy/' } } }), 0, 'every lease given back');
  });
});
