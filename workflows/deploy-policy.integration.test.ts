// A tenant's intent deployed to three simulated SRX sites through the API: validation and the ETag,
// a rule for one department reaching exactly the sites that have it with the dry run predicting
// each site's change, a site whose box refuses the commit left as it was while the others take the
// change and then completed by a retry, and a rollback to the previous version ending byte for
// byte where that version left the boxes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';

interface Problem { errors?: { path: string; message: string }[]; detail?: string }
interface Started { deploymentId: string; version: number | null; progressUrl: string }
interface SiteRow { siteId: string; siteName: string; status: string; diff: string; error: string | null }

/** Three stores: Sales only, Sales and Guests, Guests only. */
const stores = [
  { serial: 'BLS0000001', name: 'Ghent store', departments: ['Sales'] },
  { serial: 'BLS0000002', name: 'Bruges store', departments: ['Sales', 'Guests'] },
  { serial: 'BLS0000003', name: 'Namur store', departments: ['Guests'] },
];

const salesWeb = { name: 'sales-web', from: { kind: 'department', name: 'Sales' }, to: { kind: 'internet' }, applications: ['https', 'dns'], action: 'allow', log: true };
const guestsOut = { name: 'guests-out', from: { kind: 'department', name: 'Guests' }, to: { kind: 'internet' }, applications: ['http', 'https'], action: 'allow' };
const departments = [{ name: 'Sales' }, { name: 'Guests' }];

describe('policy deployment', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  const siteIds: string[] = [];

  const running = (serial: string) => lab.fleet.device(serial)!.store.datastore('running').toString();
  const runningAll = () => stores.map((s) => running(s.serial));
  const intentPath = () => `/api/v1/tenants/${tenantId}/policy-intent`;
  const put = async (body: unknown, etag?: string) => {
    const response = await fetch(lab.apiUrl + intentPath(), {
      method: 'PUT', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Problem & { warnings?: { path: string }[] } };
  };
  const etag = async () => (await fetch(lab.apiUrl + intentPath(), { headers: { cookie: lab.adminCookie } })).headers.get('etag')!;

  /** Starts a deployment and waits for it to end: its status and sites. */
  async function deploy(path: string, body: Record<string, unknown>): Promise<{ started: Started; status: string; sites: SiteRow[] }> {
    const started = await lab.api<Started>('POST', path, { concurrency: 2, failureBudgetPct: 100, ...body });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (const until = Date.now() + 120_000; ;) {
      const { body: d } = await lab.api<{ execution: string; status: string }>('GET', started.body.progressUrl);
      if (d.execution !== 'RUNNING' && d.execution !== 'UNKNOWN') {
        assert.equal(d.execution, 'COMPLETED');
        const { body: sites } = await lab.api<{ items: SiteRow[] }>('GET', `${started.body.progressUrl}/sites`);
        return { started: started.body, status: d.status, sites: sites.items.sort((a, b) => a.siteName.localeCompare(b.siteName)) };
      }
      if (Date.now() > until) assert.fail('the deployment did not end');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const statusByName = (sites: SiteRow[]) => Object.fromEntries(sites.map((s) => [s.siteName, s.status]));

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: stores.map(() => 'SRX-SIM-300'), baseAddress: '127.120.0.1', snmpPort: 33161, netconfPort: 33830 }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    for (const [index, store] of stores.entries()) {
      const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
        tenantId, name: store.name, timezone: 'Europe/Brussels', tags: ['stores'], topology: 'full_mesh',
        devices: [{ role: 'primary', model: 'SRX-SIM-300', serial: store.serial }],
        wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40, addressing: { mode: 'static', address: `192.0.2.${10 + index * 4}/30`, gateway: `192.0.2.${9 + index * 4}`, dnsServers: ['192.0.2.53'] } }],
        departments: store.departments,
        lanSegments: store.departments.map((department, d) => ({ name: department.toLowerCase(), vlanId: 10 + d, prefix: `10.120.${index * 10 + d}.0/24`, department })),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      siteIds.push(created.body.id);
      assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
      lab.fleet.device(store.serial)!.setActivationCode(created.body.activationCodes[0]!.code);
    }
    for (let i = 0; i < 480 && (await database.prisma.site.count({ where: { id: { in: siteIds }, status: 'active' } })) < stores.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(await database.prisma.site.count({ where: { id: { in: siteIds }, status: 'active' } }), stores.length);
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('starts a tenant that never stored an intent from its firewall policies from before intent, so a first deployment keeps them', async () => {
    const acme = await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } });
    const { body } = await lab.api<{ intent: { departments: { name: string }[]; firewallRules: { name: string; to: { kind: string }; action: string }[] } }>('GET', `/api/v1/tenants/${acme.id}/policy-intent`);
    assert.deepEqual(body.intent.firewallRules.map((r) => [r.name, r.to.kind, r.action]), [['guests-no-corporate', 'corporate', 'deny'], ['guests-internet', 'internet', 'allow']]);
    assert.deepEqual(body.intent.departments, [{ name: 'Guests' }]);
  });

  it('refuses an inconsistent intent field by field, and a write without the ETag, changing nothing', async () => {
    const bad = await put({ departments, firewallRules: [{ ...salesWeb, from: { kind: 'department', name: 'Finance' }, applications: ['gopher'] }] }, await etag());
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors!.map((e) => e.path), ['firewallRules.0.from.name', 'firewallRules.0.applications.0']);
    assert.equal((await put({ departments })).status, 428);
    assert.equal((await put({ departments }, '"stale"')).status, 412);
    assert.equal(await database.prisma.tenantIntent.count({ where: { tenantId } }), 0);
  });

  let afterFirstVersion: string[];

  it('a rule for one department reaches exactly the sites that have it, as the dry run predicted', async () => {
    const saved = await put({ departments, firewallRules: [salesWeb] }, await etag());
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const before = runningAll();

    const preview = await deploy(`/api/v1/tenants/${tenantId}/policy-deployments`, { dryRun: true });
    assert.equal(preview.started.version, null, 'a dry run is no version');
    assert.deepEqual(statusByName(preview.sites), { 'Bruges store': 'changed', 'Ghent store': 'changed', 'Namur store': 'no_change' });
    assert.match(preview.sites.find((s) => s.siteName === 'Ghent store')!.diff, /sales-web/);
    assert.deepEqual(runningAll(), before, 'a dry run changes no box');

    const first = await deploy(`/api/v1/tenants/${tenantId}/policy-deployments`, {});
    assert.deepEqual([first.started.version, first.status], [1, 'completed']);
    assert.deepEqual(statusByName(first.sites), { 'Bruges store': 'deployed', 'Ghent store': 'deployed', 'Namur store': 'no_change' });
    assert.deepEqual(first.sites.map((s) => s.diff), preview.sites.map((s) => s.diff), 'the deployment found the very diffs the dry run showed');
    afterFirstVersion = runningAll();
    assert.equal(afterFirstVersion[2], before[2], 'the site without Sales is untouched');
    assert.match(afterFirstVersion[0]!, /sales-web/);

    const again = await deploy(`/api/v1/tenants/${tenantId}/policy-deployments`, { dryRun: true });
    assert.deepEqual(again.sites.map((s) => s.status), ['no_change', 'no_change', 'no_change'], 'each box runs what was predicted, nothing more');
  });

  it('a site whose box refuses the commit stays as it was, the others take the change, and a retry completes it', async () => {
    assert.equal((await put({ departments, firewallRules: [salesWeb, guestsOut] }, await etag())).status, 200);
    await fetch(`${lab.fleet.controlUrl}/devices/BLS0000002/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failNextCommit: 'commit check failed: out of policy memory' }) });
    const beforeBruges = running('BLS0000002');

    const second = await deploy(`/api/v1/tenants/${tenantId}/policy-deployments`, {});
    assert.deepEqual([second.started.version, second.status], [2, 'completed_with_failures']);
    assert.deepEqual(statusByName(second.sites), { 'Bruges store': 'rolled_back', 'Ghent store': 'no_change', 'Namur store': 'deployed' });
    assert.match(second.sites.find((s) => s.siteName === 'Bruges store')!.error!, /policy memory/);
    assert.equal(running('BLS0000002'), beforeBruges, 'the refusing box runs what it ran');
    assert.match(running('BLS0000003'), /guests-out/);

    const retry = await deploy(`/api/v1/policy-deployments/${second.started.deploymentId}/retry`, {});
    assert.deepEqual([retry.started.version, retry.status, statusByName(retry.sites)], [2, 'completed', { 'Bruges store': 'deployed' }]);
    assert.match(running('BLS0000002'), /guests-out/);
  });

  it('rolling the tenant back to the previous version ends byte for byte where that version left every box', async () => {
    const versions = await lab.api<{ items: { version: number }[] }>('GET', `/api/v1/tenants/${tenantId}/policy-versions`);
    assert.deepEqual(versions.body.items.map((v) => v.version), [2, 1]);
    const compared = await lab.api<{ changes: { firewallRules: { added: string[] } } }>('GET', `/api/v1/tenants/${tenantId}/policy-versions/compare?from=1&to=2`);
    assert.deepEqual(compared.body.changes.firewallRules.added, ['guests-out']);

    const back = await deploy(`/api/v1/tenants/${tenantId}/policy-rollback`, { version: 1 });
    assert.deepEqual([back.started.version, back.status], [3, 'completed']);
    assert.deepEqual(runningAll(), afterFirstVersion);
    const intent = await lab.api<{ intent: { firewallRules: { name: string }[] } }>('GET', intentPath());
    assert.deepEqual(intent.body.intent.firewallRules.map((r) => r.name), ['sales-web'], 'the version rolled back to is the intent again');
  });
});
