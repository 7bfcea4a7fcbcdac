import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applicationSignatures, chooseLink, signaturePattern, slaPresets, violatesSla, applicationCatalogue, type CandidateLink, type SteeringRule } from './sla.ts';

const voice: SteeringRule = {
  thresholds: slaPresets.baseline, preferredLinkTypes: ['mpls', 'broadband'], costMode: 'preference', fallback: 'best_path', fallbackVarianceMs: 20,
};
const good = { rttMs: 40, jitterMs: 5, lossPermille: 0 };
const link = (name: string, type: string, measured = good, extra: Partial<CandidateLink> = {}): CandidateLink => ({ name, type, monthlyCost: 100, up: true, measured, ...extra });

describe('violatesSla', () => {
  it('with match any, breaks on one threshold crossed', () => {
    assert.equal(violatesSla(slaPresets.baseline, { ...good, jitterMs: 31 }), true);
    assert.equal(violatesSla(slaPresets.baseline, good), false);
  });

  it('with match all, breaks only when every threshold is crossed', () => {
    const all = { ...slaPresets.baseline, match: 'all' as const };
    assert.equal(violatesSla(all, { ...good, jitterMs: 31 }), false);
    assert.equal(violatesSla(all, { rttMs: 151, jitterMs: 31, lossPermille: 11 }), true);
  });
});

describe('chooseLink', () => {
  it('takes the most preferred compliant link', () => {
    const choice = chooseLink(voice, [link('inet', 'broadband'), link('mpls1', 'mpls')]);
    assert.deepEqual(choice, { link: 'mpls1', reason: 'compliant', compliant: ['mpls1', 'inet'] });
  });

  it('when the preferred link degrades, moves to the next compliant one', () => {
    const choice = chooseLink(voice, [link('inet', 'broadband'), link('mpls1', 'mpls', { ...good, lossPermille: 40 })]);
    assert.equal(choice.link, 'inet');
  });

  it('never chooses a link that is down, and says so when none is up', () => {
    assert.equal(chooseLink(voice, [link('inet', 'broadband'), link('mpls1', 'mpls', good, { up: false })]).link, 'inet');
    assert.deepEqual(chooseLink(voice, [link('mpls1', 'mpls', good, { up: false })]), { link: null, reason: 'no_link_up', compliant: [] });
  });

  it('counts an unmeasured link as compliant, so a new site starts on its preferred link', () => {
    const { measured: _m, ...unmeasured } = link('mpls1', 'mpls');
    assert.equal(chooseLink(voice, [link('inet', 'broadband'), unmeasured]).link, 'mpls1');
  });

  it('bandwidth-optimised, takes the cheapest compliant link whatever the preference', () => {
    const rule = { ...voice, costMode: 'bandwidth_optimised' as const };
    const links = [link('mpls1', 'mpls', good, { monthlyCost: 900 }), link('inet', 'broadband', good, { monthlyCost: 60 }), link('lte', 'lte', good, { monthlyCost: 30 })];
    assert.equal(chooseLink(rule, links).link, 'lte');
    assert.equal(chooseLink(rule, [links[0]!, links[1]!, { ...links[2]!, measured: { ...good, rttMs: 400 } }]).link, 'inet');
  });

  describe('when no link complies', () => {
    const poor = [
      link('mpls1', 'mpls', { rttMs: 210, jitterMs: 10, lossPermille: 12 }),
      link('inet', 'broadband', { rttMs: 195, jitterMs: 10, lossPermille: 12 }),
      link('lte', 'lte', { rttMs: 120, jitterMs: 50, lossPermille: 30 }),
    ];

    it('best path: the least loss, and within the variance of its round trip, the most preferred', () => {
      assert.deepEqual(chooseLink(voice, poor), { link: 'mpls1', reason: 'fallback_best_path', compliant: [] });
      assert.equal(chooseLink({ ...voice, fallbackVarianceMs: 5 }, poor).link, 'inet');
    });

    it('strict: holds the application on its most preferred link that is up', () => {
      assert.deepEqual(chooseLink({ ...voice, fallback: 'strict' }, poor), { link: 'mpls1', reason: 'fallback_strict', compliant: [] });
    });
  });
});

describe('the application catalogue', () => {
  it('names every application by an AppID signature', () => {
    for (const group of Object.values(applicationCatalogue)) for (const signature of group.signatures) assert.match(signature, signaturePattern);
  });

  it('expands groups and keeps signatures, sorted, once each', () => {
    assert.deepEqual(applicationSignatures(['voice', 'junos:SIP', 'junos:SSH']), ['junos:H323', 'junos:RTCP', 'junos:RTP', 'junos:SIP', 'junos:SSH']);
  });
});
