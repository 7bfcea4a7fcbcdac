import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slaPresets } from './sla.ts';
import { adoptPolicies, applyMoves, decide, emptySteeringState, hubPathType, observe, type Observation, type SteeredLink, type SteeredPolicy } from './sla-steering.ts';

const sip = 'junos:SIP';
const links: SteeredLink[] = [
  { name: 'mpls', type: 'mpls', monthlyCost: 420 },
  { name: 'internet', type: 'broadband', monthlyCost: 40 },
];
const voice: SteeredPolicy = {
  name: 'voice', applications: [sip], initialLinks: { [sip]: 'mpls' },
  rule: { thresholds: slaPresets.baseline, preferredLinkTypes: ['mpls', 'broadband'], costMode: 'preference', fallback: 'best_path', fallbackVarianceMs: 20 },
  dampening: { flapThreshold: 2, flapWindowMs: 300_000, holdDownMs: 900_000, smoothingWindowMs: 10_000 },
};
/** What a poller signals: every link up, those named out of voice's SLA. */
const evaluation = (at: number, violated: string[]): Observation => ({
  links: links.map((l) => ({ link: l.name, up: true })), violations: { [sip]: violated }, at: new Date(at).toISOString(), changedAt: new Date(at).toISOString(),
});

/** Steering as the workflow runs it: each evaluation observed, then the moves due made; answers where voice went. */
function steering(options?: { unseenLinksComply: boolean }) {
  const state = emptySteeringState();
  adoptPolicies(state, [voice], 0, true);
  return {
    state,
    at(now: number, violated: string[]) {
      observe(state, [voice], evaluation(now, violated), now, options);
      const { moves } = decide(state, [voice], links, now);
      applyMoves(state, moves, now);
      return moves.map((m) => `${m.from}→${m.to}`);
    },
  };
}

describe('SLA steering state', () => {
  it('counts a link\'s first fall out of the SLA as a flap, the pollers having said nothing while it complied', () => {
    const voiceOn = steering();
    assert.deepEqual(voiceOn.at(1_000, ['mpls']), ['mpls→internet']);
    voiceOn.at(40_000, []);
    assert.deepEqual(voiceOn.at(60_000, []), ['internet→mpls'], 'back once MPLS has complied for the smoothing window');
    // The second fall reaches the threshold: MPLS is held down, and voice stays off it.
    assert.deepEqual(voiceOn.at(80_000, ['mpls']), ['mpls→internet']);
    assert.equal(voiceOn.state.applications[sip]!.links['mpls']!.heldDownUntil, 80_000 + 900_000);
    voiceOn.at(120_000, []);
    assert.deepEqual(voiceOn.at(200_000, []), [], 'MPLS complies again, but is held down');
  });

  it('as runs started before counted, from the second fall on', () => {
    const voiceOn = steering({ unseenLinksComply: false });
    voiceOn.at(1_000, ['mpls']);
    voiceOn.at(40_000, []);
    voiceOn.at(60_000, []);
    voiceOn.at(80_000, ['mpls']);
    assert.equal(voiceOn.state.applications[sip]!.links['mpls']!.heldDownUntil, null);
  });

  it('takes a central policy\'s applications through the hub first, out by its links when the hub path breaks the SLA; a local policy never into the hub', () => {
    const teams = 'junos:MS-TEAMS';
    const hubPath: SteeredLink = { name: 'hub-ghent', type: hubPathType, monthlyCost: 0 };
    const central: SteeredPolicy = {
      ...voice, name: 'central', applications: [teams], initialLinks: { [teams]: hubPath.name },
      rule: { ...voice.rule, preferredLinkTypes: [hubPathType, 'broadband', 'mpls'] }, links: [hubPath.name, 'mpls', 'internet'],
    };
    const local: SteeredPolicy = { ...voice, links: ['mpls', 'internet'] };
    const all = [...links, hubPath];
    const state = emptySteeringState();
    adoptPolicies(state, [local, central], 0, true);
    const observed = (now: number, violated: string[]) => observe(state, [local, central], {
      links: all.map((l) => ({ link: l.name, up: true })), violations: { [sip]: violated, [teams]: violated }, at: new Date(now).toISOString(), changedAt: new Date(now).toISOString(),
    }, now);
    observed(1_000, ['hub-ghent', 'mpls']);
    const moves = decide(state, [local, central], all, 1_000).moves.map((m) => `${m.application}: ${m.from}→${m.to}`);
    assert.deepEqual(moves, [`${sip}: mpls→internet`, `${teams}: hub-ghent→internet`]);
  });
});
