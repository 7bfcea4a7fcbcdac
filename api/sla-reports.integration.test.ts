// SLA compliance reports through the API, from rollups and link switches written as the pollers and
// steering write them: the CSV parsed back, the PDF opened with a PDF reader and its text read, per
// site and per tenant; bad periods refused with problem details.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { LinkBucket } from '../domain/link-rollups.ts';
import { recordLinkMinutes } from '../inventory/link-metrics.ts';
import { steeringConfigName } from '../inventory/policies.ts';
import { startSeededLab, type Lab } from '../scripts/lab.ts';
import type { TestDatabase } from '../scripts/testing.ts';

const minute = 60_000;

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r') continue;
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header!.map((name, i) => [name, cells[i] ?? ''])));
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  return pages.join('\n');
}

describe('SLA compliance reports', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let lab: Lab;
  let tenantId: string;
  let siteId: string;
  let policyId: string;
  /** Ten closed minutes, a while ago: broadband good for five, then 400 ms for five; MPLS good throughout. */
  const start = Math.floor((Date.now() - 30 * minute) / minute) * minute;
  const period = `from=${new Date(start).toISOString()}&to=${new Date(start + 10 * minute).toISOString()}`;

  const download = async (path: string) => {
    const response = await fetch(lab.apiUrl + path, { headers: { cookie: lab.adminCookie } });
    return { status: response.status, type: response.headers.get('content-type') ?? '', disposition: response.headers.get('content-disposition') ?? '', bytes: new Uint8Array(await response.arrayBuffer()) };
  };

  before(async () => {
    ({ database, lab } = await startSeededLab({ models: ['SRX-SIM-300'], baseAddress: '127.140.0.1', snmpPort: 41161, netconfPort: 41830 }));
    const { prisma } = database;
    tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    const site = await prisma.site.create({
      data: {
        tenantId, name: 'Lier depot, "north"', status: 'active',
        wanLinks: { create: [
          { name: 'mpls', type: 'mpls', interfaceName: 'ge-0/0/0', bandwidthMbps: 50, monthlyCost: 420 },
          { name: 'internet', type: 'broadband', interfaceName: 'ge-0/0/1', bandwidthMbps: 500, monthlyCost: 40 },
        ] },
      },
      include: { wanLinks: true },
    });
    siteId = site.id;
    const profile = await lab.api<{ id: string }>('POST', '/api/v1/sla-profiles', { tenantId, name: 'Report voice', preset: 'baseline' });
    const policy = await lab.api<{ id: string }>('POST', '/api/v1/app-sla-policies', {
      tenantId, name: 'Report voice', applications: ['junos:SIP', 'junos:RTP'], slaProfileId: profile.body.id, preferredLinkTypes: ['broadband', 'mpls'],
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    policyId = policy.body.id;
    assert.equal((await lab.api('PUT', `/api/v1/sites/${siteId}/app-sla-policies`, { policyIds: [policyId] })).status, 200);

    const linkId = (name: string) => site.wanLinks.find((l) => l.name === name)!.id;
    const bucket = (link: string, i: number, rttMs: number): LinkBucket => ({
      wanLinkId: linkId(link), bucket: start + i * minute, samples: 12, upSamples: 12, rttMinMs: rttMs, rttMaxMs: rttMs, rttSumMs: rttMs * 12,
      jitterMinMs: 2, jitterMaxMs: 2, jitterSumMs: 24, lossMinPermille: 0, lossMaxPermille: 0, lossSumPermille: 0,
    });
    await recordLinkMinutes(prisma, Array.from({ length: 10 }, (_, i) => [bucket('internet', i, i < 5 ? 30 : 400), bucket('mpls', i, 20)]).flat());
    // Steering moved SIP (not RTP) to MPLS when broadband degraded.
    await prisma.linkSwitchEvent.create({
      data: { tenantId, siteId, policy: steeringConfigName('Report voice'), application: 'junos:SIP', fromLinkId: linkId('internet'), toLinkId: linkId('mpls'), reason: 'violation', at: new Date(start + 5 * minute) },
    });
  });

  after(async () => {
    await lab?.stop();
    await database?.drop();
  });

  it('a site\'s CSV holds each link\'s share of minutes within each policy\'s SLA, and each application\'s on the links it was switched to', async () => {
    const answer = await download(`/api/v1/sites/${siteId}/sla/report?${period}&format=csv`);
    assert.equal(answer.status, 200);
    assert.match(answer.type, /^text\/csv/);
    assert.match(answer.disposition, /attachment; filename="?sla-compliance-lier-depot-north-\d{4}-\d\d-\d\d\.csv"?$/);
    const rows = parseCsv(new TextDecoder().decode(answer.bytes));
    const link = (name: string) => rows.find((r) => r['scope'] === 'link' && r['link'] === name)!;
    assert.equal(link('internet')['site'], 'Lier depot, "north"');
    assert.deepEqual([link('internet')['minutes_measured'], link('internet')['minutes_within_sla'], link('internet')['percent_within_sla'], link('internet')['violations']], ['10', '5', '50', '1']);
    assert.equal(link('internet')['avg_rtt_ms'], '215');
    assert.deepEqual([link('mpls')['percent_within_sla'], link('mpls')['violations']], ['100', '0']);
    const app = (name: string) => rows.find((r) => r['scope'] === 'application' && r['application'] === name)!;
    assert.deepEqual([app('junos:SIP')['percent_within_sla'], app('junos:SIP')['switches'], app('junos:SIP')['link_at_end']], ['100', '1', 'mpls']);
    assert.deepEqual([app('junos:RTP')['percent_within_sla'], app('junos:RTP')['violations'], app('junos:RTP')['link_at_end']], ['50', '1', 'internet']);
  });

  it('a site\'s PDF is a PDF a reader opens, naming the site and holding the same figures', async () => {
    const answer = await download(`/api/v1/sites/${siteId}/sla/report?${period}&format=pdf`);
    assert.equal(answer.status, 200);
    assert.equal(answer.type, 'application/pdf');
    const text = await pdfText(answer.bytes);
    assert.match(text, /SLA compliance: Lier depot, "north"/);
    assert.match(text, /internet\s+\(broadband\)\s+Report voice \(Report voice\)\s+50\.00 %\s+10\s+1\s+215 ms/);
    assert.match(text, /junos:SIP\s+Report voice\s+100\.00 %\s+10\s+0\s+1\s+mpls/);
  });

  it('a tenant\'s report holds every site that steers, in both formats', async () => {
    const csv = parseCsv(new TextDecoder().decode((await download(`/api/v1/tenants/${tenantId}/sla/report?${period}&format=csv`)).bytes));
    assert.ok(csv.some((r) => r['site'] === 'Lier depot, "north"' && r['link'] === 'internet' && r['percent_within_sla'] === '50'));
    const pdf = await download(`/api/v1/tenants/${tenantId}/sla/report?${period}&format=pdf`);
    assert.equal(pdf.type, 'application/pdf');
    const text = await pdfText(pdf.bytes);
    assert.match(text, /SLA compliance: Globex/);
    assert.match(text, /Lier depot/);
  });

  it('shows a link steering has not heard of with its last recorded minute, a recent one only', async () => {
    const { prisma } = database;
    const mpls = await prisma.wanLink.findFirstOrThrow({ where: { siteId, name: 'mpls' } });
    const recent = Math.floor((Date.now() - 2 * minute) / minute) * minute;
    await recordLinkMinutes(prisma, [{
      wanLinkId: mpls.id, bucket: recent, samples: 12, upSamples: 12, rttMinMs: 18, rttMaxMs: 24, rttSumMs: 252,
      jitterMinMs: 1, jitterMaxMs: 3, jitterSumMs: 24, lossMinPermille: 0, lossMaxPermille: 0, lossSumPermille: 0,
    }]);
    const state = await lab.api<{ steering: string; links: { link: string; up: boolean | null; measured: unknown; at: string | null }[] }>('GET', `/api/v1/sites/${siteId}/sla`);
    assert.equal(state.body.steering, 'not_running');
    const link = (name: string) => state.body.links.find((l) => l.link === name)!;
    assert.deepEqual(link('mpls'), { ...link('mpls'), up: true, measured: { rttMs: 21, jitterMs: 2, lossPermille: 0 }, at: new Date(recent + minute).toISOString() });
    // Broadband's minutes are half an hour old: too old to stand for now.
    assert.deepEqual([link('internet').up, link('internet').measured], [null, null]);
  });

  it('lists the sites a policy is attached to', async () => {
    const sites = await lab.api<{ items: { id: string; via: string }[] }>('GET', `/api/v1/app-sla-policies/${policyId}/sites`);
    assert.deepEqual(sites.body.items, [{ id: siteId, name: 'Lier depot, "north"', status: 'active', via: 'site' }]);
  });

  it('refuses a period that ends before it starts, reaches past the rollups, or a format it does not make, with problem details', async () => {
    const backwards = await lab.api<{ errors: { path: string; message: string }[] }>('GET', `/api/v1/sites/${siteId}/sla/report?from=${new Date(start + minute).toISOString()}&to=${new Date(start).toISOString()}`);
    assert.equal(backwards.status, 400);
    assert.deepEqual(backwards.body.errors, [{ path: 'from', message: 'is before to' }]);
    const ancient = await lab.api<{ errors: { path: string }[] }>('GET', `/api/v1/tenants/${tenantId}/sla/report?from=2020-01-01T00:00:00Z`);
    assert.equal(ancient.status, 400);
    assert.equal(ancient.body.errors[0]!.path, 'from');
    const xml = await lab.api<{ errors: { path: string }[] }>('GET', `/api/v1/sites/${siteId}/sla/report?format=xml`);
    assert.equal(xml.status, 400);
    assert.equal(xml.body.errors[0]!.path, 'format');
    assert.equal((await lab.api('GET', '/api/v1/sites/00000000-0000-4000-8000-000000000000/sla/report')).status, 404);
  });
});
