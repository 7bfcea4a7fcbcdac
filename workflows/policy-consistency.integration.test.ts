// One rendering of a site's policies whatever pushes them: a site onboarded after a policy
// deployment runs exactly what the deployment gave the sites it reached (the address book,
// security policies, NAT, UTM and APBR byte for byte), not the tenant's older per-tenant firewall
// policies; a dry run then finds every site unchanged, and the SLA push changes nothing either.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Element } from '@xmldom/xmldom';
import { elementChildren, serialize } from '../activities/devices/netconf/xml.ts';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';

interface Started { deploymentId: string; version: number | null; progressUrl: string }
interface SiteRow { siteId: string; siteName: string; status: string; diff: string }

/** The parts of `<security>` a policy version owns. */
const policyParts = ['address-book', 'policies', 'nat', 'utm', 'advance-policy-based-routing'];

const intent = {
  departments: [{ name: 'Sales' }, { name: 'Guests' }],
  addresses: [{ name: 'crm', prefix: '198.51.100.0/28' }],
  firewallRules: [
    { name: 'sales-crm', from: { kind: 'department', name: 'Sales' }, to: { kind: 'address', name: 'crm' }, applications: ['https'], action: 'allow', log: true },
    { name: 'guests-web', from: { kind: 'department', name: 'Guests' }, to: { kind: 'internet' }, applications: ['http', 'https'], action: 'allow' },
    { name: 'guests-no-sales', from: { kind: 'department', name: 'Guests' }, to: { kind: 'department', name: 'Sales' }, action: 'deny', log: true },
  ],
  nat: [{ kind: 'source', name: 'guests-breakout', department: 'Guests' }],
  sdwanRules: [{ name: 'voice', applications: ['voice'], slaProfile: 'Store voice', pathPreference: ['broadband'], breakout: 'local' }],
};

describe('policy consistency › a site onboarded after a deployment', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  const sites: { id: string; serial: string }[] = [];

  const running = (serial: string) => lab.fleet.device(serial)!.store.datastore('running');
  /** Each policy part of the device's running `<security>`, as the device holds it. */
  const policyPartsOf = (serial: string) => {
    const security = elementChildren(running(serial).documentElement as unknown as Element).find((e) => e.localName === 'security');
    return Object.fromEntries(policyParts.map((part) => [part, security && elementChildren(security).filter((e) => e.localName === part).map((e) => serialize(e)).join('')]));
  };

  async function untilDone<T extends { execution?: string }>(url: string): Promise<T> {
    for (const until = Date.now() + 120_000; ;) {
      const { body } = await lab.api<T>('GET', url);
      if (body.execution !== 'RUNNING' && body.execution !== 'UNKNOWN' && body.execution !== undefined) return body;
      if (Date.now() > until) assert.fail(`${url} did not end`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  async function deploy(body: Record<string, unknown>): Promise<{ started: Started; status: string; sites: SiteRow[] }> {
    const started = await lab.api<Started>('POST', `/api/v1/tenants/${tenantId}/policy-deployments`, { concurrency: 2, failureBudgetPct: 100, ...body });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await untilDone<{ execution: string; status: string }>(started.body.progressUrl);
    assert.equal(done.execution, 'COMPLETED');
    const { body: rows } = await lab.api<{ items: SiteRow[] }>('GET', `${started.body.progressUrl}/sites`);
    return { started: started.body, status: done.status, sites: rows.items };
  }
  async function onboardStore(index: number, serial: string): Promise<string> {
    const created = await lab.api<{ id: string; activationCodes: { code: string }[] }>('POST', '/api/v1/sites', {
      tenantId, name: `Store ${index + 1}`, timezone: 'Europe/Brussels', tags: ['stores'], topology: 'full_mesh',
      devices: [{ role: 'primary', model: 'SRX-SIM-300', serial }],
      wanLinks: [{ name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/0', bandwidthMbps: 100, monthlyCost: 40, addressing: { mode: 'static', address: `192.0.2.${10 + index * 4}/30`, gateway: `192.0.2.${9 + index * 4}`, dnsServers: ['192.0.2.53'] } }],
      departments: ['Sales', 'Guests'],
      lanSegments: [
        { name: 'sales', vlanId: 10, prefix: `10.150.${index * 2}.0/24`, department: 'Sales' },
        { name: 'guests', vlanId: 20, prefix: `10.150.${index * 2 + 1}.0/24`, department: 'Guests' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await lab.api('POST', `/api/v1/sites/${created.body.id}/onboarding`, {})).status, 202);
    lab.fleet.device(serial)!.setActivationCode(created.body.activationCodes[0]!.code);
    for (let i = 0; i < 480 && (await database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } })).status !== 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal((await database.prisma.site.findUniqueOrThrow({ where: { id: created.body.id } })).status, 'active');
    sites.push({ id: created.body.id, serial });
    return created.body.id;
  }

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-300', 'SRX-SIM-300'], baseAddress: '127.150.0.1', snmpPort: 43161, netconfPort: 43830 }));
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await database.prisma.slaProfile.create({ data: { tenantId, name: 'Store voice', maxLatencyMs: 150, maxJitterMs: 30, maxLossPermille: 10 } });
    // The tenant's older per-tenant firewall policy: what a site got before it had a policy version.
    await database.prisma.firewallPolicy.create({ data: { tenantId, name: 'Legacy', scope: 'tenant', rules: [{ name: 'legacy-any', from: 'Guests', to: 'internet', action: 'permit', log: false }] } });
    await onboardStore(0, 'BLS0000001');
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('runs byte for byte the policy parts the deployment gave the others, and a dry run finds nothing to change', async () => {
    const read = await fetch(`${lab.apiUrl}/api/v1/tenants/${tenantId}/policy-intent`, { headers: { cookie: lab.adminCookie } });
    const saved = await fetch(`${lab.apiUrl}/api/v1/tenants/${tenantId}/policy-intent`, {
      method: 'PUT', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', 'if-match': read.headers.get('etag')! }, body: JSON.stringify(intent),
    });
    assert.equal(saved.status, 200, await saved.text());
    const first = await deploy({});
    assert.deepEqual([first.started.version, first.status, first.sites.map((s) => s.status)], [1, 'completed', ['deployed']]);
    const deployed = policyPartsOf('BLS0000001');
    assert.match(deployed.policies!, /sales-crm/);
    assert.match(deployed['advance-policy-based-routing']!, /sdwan-voice/);

    await onboardStore(1, 'BLS0000002');
    const onboarded = policyPartsOf('BLS0000002');
    for (const part of policyParts) assert.equal(onboarded[part], deployed[part], `security ${part}`);
    assert.doesNotMatch(running('BLS0000002').toString(), /legacy-any/, 'the per-tenant policies a version replaced are not rendered');

    const check = await deploy({ dryRun: true });
    assert.deepEqual(check.sites.map((s) => [s.status, s.diff]), [['no_change', ''], ['no_change', '']]);
  });

  it('the SLA push of a site renders the same version: it changes nothing', async () => {
    const before = running('BLS0000002').toString();
    const started = await lab.api<{ progressUrl: string }>('POST', `/api/v1/sites/${sites[1]!.id}/sla-policies/push`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await untilDone<{ execution: string; devices?: { changed: boolean }[]; error?: string }>(started.body.progressUrl);
    assert.equal(done.execution, 'COMPLETED', done.error);
    assert.deepEqual(done.devices!.map((d) => d.changed), [false]);
    assert.equal(running('BLS0000002').toString(), before);
  });
});
