import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { siteCompliance, type ComplianceBucket, type ReportLink, type ReportPolicy } from './sla-report.ts';
import { slaPresets } from './sla.ts';

const minute = 60_000;
const from = Date.parse('2026-12-01T10:00:00Z');
const good = { rttMs: 30, jitterMs: 3, lossPermille: 1 };
const slow = { rttMs: 400, jitterMs: 3, lossPermille: 1 };
const buckets = (...figures: (typeof good | null)[]): ComplianceBucket[] => figures.map((measured, i) => ({ at: from + i * minute, minutes: 1, measured }));
const voice: ReportPolicy = {
  name: 'Voice', configName: 'voice', profile: 'baseline', applications: ['junos:SIP'],
  rule: { thresholds: { ...slaPresets.baseline }, preferredLinkTypes: ['broadband', 'mpls'], costMode: 'preference', fallback: 'best_path', fallbackVarianceMs: 20 },
};

describe('siteCompliance', () => {
  const links: ReportLink[] = [
    { id: 'a', name: 'internet', type: 'broadband', monthlyCost: 40, buckets: buckets(good, slow, slow, good, null, good) },
    { id: 'b', name: 'mpls', type: 'mpls', monthlyCost: 420, buckets: buckets(good, good, good, good, good, good) },
  ];

  it('counts each link\'s minutes within the policy\'s SLA, an unanswered minute out of it, and each run out of it as one violation', () => {
    const { links: rows } = siteCompliance({ links, policies: [voice], switches: [], from, to: from + 6 * minute });
    const internet = rows.find((r) => r.link === 'internet')!;
    assert.deepEqual([internet.minutesMeasured, internet.minutesWithinSla, internet.percentWithinSla, internet.violations], [6, 3, 50, 2]);
    assert.equal(rows.find((r) => r.link === 'mpls')!.percentWithinSla, 100);
    assert.deepEqual(internet.averages, { rttMs: 178, jitterMs: 3, lossPermille: 1 });
  });

  it('follows an application through its switches: the minutes it spent on a link within the SLA count, and its switches in the period', () => {
    const switches = [
      { policy: 'voice', application: 'junos:SIP', fromLink: 'internet', toLink: 'mpls', at: from + 2 * minute },
      { policy: 'voice', application: 'junos:SIP', fromLink: 'mpls', toLink: 'internet', at: from + 5 * minute },
    ];
    const [sip] = siteCompliance({ links, policies: [voice], switches, from, to: from + 6 * minute }).applications;
    // internet good, internet slow, then mpls ×3, then internet good.
    assert.deepEqual([sip!.minutesMeasured, sip!.minutesWithinSla, sip!.violations, sip!.switches, sip!.link], [6, 5, 1, 2, 'internet']);
  });

  it('puts an application that never switched on the link its policy prefers', () => {
    const [sip] = siteCompliance({ links, policies: [voice], switches: [], from, to: from + 6 * minute }).applications;
    assert.equal(sip!.link, 'internet');
    assert.equal(sip!.minutesWithinSla, 3);
    assert.equal(sip!.minutesMeasured, 6, 'a minute with no probe answered counts, out of the SLA');
  });

  it('says nothing of a period with no measurement, rather than 0 % or 100 %', () => {
    const { links: rows, applications } = siteCompliance({ links, policies: [voice], switches: [], from: from + 60 * minute, to: from + 120 * minute });
    assert.equal(rows[0]!.percentWithinSla, null);
    assert.equal(applications[0]!.percentWithinSla, null);
  });
});
