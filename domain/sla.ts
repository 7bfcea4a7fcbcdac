// Application SLAs, what the SLA steering of a site decides by: the thresholds an application
// needs (an SLA profile), the catalogue of applications a device recognises, and the one rule that
// picks the link an application should take from the links' measurements. Pure: the API validates
// with these values, the renderer and the simulator name applications by them, and the steering
// workflow calls `chooseLink` on every change of a link's measurements.

/** How thresholds combine, as Junos's metrics profile says it (`match any-one | all`). */
export const slaMatches = ['any', 'all'] as const;
export type SlaMatch = (typeof slaMatches)[number];

/** How a policy chooses among compliant links: its link preference, or the cheapest (CSO's bandwidth-optimised mode). */
export const costModes = ['preference', 'bandwidth_optimised'] as const;
export type CostMode = (typeof costModes)[number];

/**
 * What happens when no link complies: the best link by measured quality, links within `varianceMs`
 * of the best round trip counting as equal (Cisco AAR's fallback-to-best-path with variance); or
 * strict, the application held on its most preferred link that is up. Cisco's strict drops the
 * traffic instead; a branch that loses its voice altogether is worse off than one on a poor link.
 */
export const fallbackModes = ['best_path', 'strict'] as const;
export type FallbackMode = (typeof fallbackModes)[number];

export interface SlaThresholds {
  rttMs: number;
  jitterMs: number;
  lossPermille: number;
  match: SlaMatch;
}

/**
 * Presets by the names CSO gives them. The figures follow ITU-T G.114 (one-way delay up to 150 ms
 * suits most voice users, so 300 ms round trip is the liberal bound) and the common voice design
 * guidance (Cisco's QoS SRND: jitter at most 30 ms, loss at most 1 %): baseline is that guidance
 * as a round trip, conservative keeps headroom for the codec and the far end's own network.
 */
export const slaPresets = {
  liberal: { rttMs: 300, jitterMs: 50, lossPermille: 30, match: 'any' },
  baseline: { rttMs: 150, jitterMs: 30, lossPermille: 10, match: 'any' },
  conservative: { rttMs: 100, jitterMs: 10, lossPermille: 5, match: 'any' },
} as const satisfies Record<string, SlaThresholds>;
export type SlaPreset = keyof typeof slaPresets;
export const slaPresetNames = Object.keys(slaPresets) as [SlaPreset, ...SlaPreset[]];

/**
 * Common business applications, by group, with the AppID signatures (`junos:<NAME>`) an SRX
 * recognises them by in APBR and unified policies. The YANG types a dynamic application as a
 * string: the names come from Juniper's application signature package.
 */
export const applicationCatalogue = {
  voice: { label: 'Voice', preset: 'conservative', signatures: ['junos:SIP', 'junos:RTP', 'junos:RTCP', 'junos:H323'] },
  'video-conferencing': { label: 'Video conferencing', preset: 'baseline', signatures: ['junos:MS-TEAMS', 'junos:ZOOM', 'junos:WEBEX', 'junos:GOTOMEETING'] },
  'saas-office': { label: 'SaaS office suites', preset: 'baseline', signatures: ['junos:OFFICE365', 'junos:GOOGLE-DOCS', 'junos:SALESFORCE', 'junos:SLACK'] },
  web: { label: 'Web browsing', preset: 'liberal', signatures: ['junos:HTTP', 'junos:SSL', 'junos:QUIC'] },
  bulk: { label: 'Bulk transfer and backup', preset: 'liberal', signatures: ['junos:FTP', 'junos:SMB', 'junos:RSYNC', 'junos:SCP'] },
} as const satisfies Record<string, { label: string; preset: SlaPreset; signatures: readonly string[] }>;
export type ApplicationGroup = keyof typeof applicationCatalogue;
export const applicationGroups = Object.keys(applicationCatalogue) as [ApplicationGroup, ...ApplicationGroup[]];

/** An AppID signature: junos: and the application's name in capitals, digits and dashes. */
export const signaturePattern = /^junos:[A-Z0-9][A-Z0-9_-]{0,62}$/;

/** A policy's applications as signatures: groups of the catalogue expand, signatures stay; sorted, once each. */
export function applicationSignatures(applications: readonly string[]): string[] {
  const expanded = applications.flatMap((name) => (name in applicationCatalogue ? applicationCatalogue[name as ApplicationGroup].signatures : [name]));
  return [...new Set(expanded)].sort();
}

/** One link's quality as measured (smoothed by the caller). */
export interface LinkMeasurement {
  rttMs: number;
  jitterMs: number;
  lossPermille: number;
}

/** Whether a measurement breaks the thresholds: any one of them, or all of them, as the profile matches. */
export function violatesSla(thresholds: SlaThresholds, measured: LinkMeasurement): boolean {
  const over = [measured.rttMs > thresholds.rttMs, measured.jitterMs > thresholds.jitterMs, measured.lossPermille > thresholds.lossPermille];
  return thresholds.match === 'all' ? over.every(Boolean) : over.some(Boolean);
}

export interface CandidateLink {
  name: string;
  type: string;
  monthlyCost: number;
  /** Down links (cut, no probe answered) are never chosen. */
  up: boolean;
  /** None yet: the link counts as compliant until measured (the first configuration of a site). */
  measured?: LinkMeasurement;
}

export interface SteeringRule {
  thresholds: SlaThresholds;
  /** Link types in order of preference; links of other types come after them, in name order. */
  preferredLinkTypes: readonly string[];
  costMode: CostMode;
  fallback: FallbackMode;
  /** For best_path: round trips within this many milliseconds of the best count as equal. */
  fallbackVarianceMs: number;
}

export type LinkChoiceReason = 'compliant' | 'fallback_best_path' | 'fallback_strict' | 'no_link_up';

export interface LinkChoice {
  link: string | null;
  reason: LinkChoiceReason;
  /** The links that met the SLA, in the order they were ranked. */
  compliant: string[];
}

const preferenceRank = (rule: SteeringRule, link: CandidateLink) => {
  const rank = rule.preferredLinkTypes.indexOf(link.type);
  return rank === -1 ? rule.preferredLinkTypes.length : rank;
};

/** Preference, then name: the order an operator reads in the policy. */
const byPreference = (rule: SteeringRule) => (a: CandidateLink, b: CandidateLink) =>
  preferenceRank(rule, a) - preferenceRank(rule, b) || a.name.localeCompare(b.name);

/**
 * The link an application should take: among the links up that meet its SLA, the most preferred
 * (or, bandwidth-optimised, the cheapest, preference breaking ties); when none meets it, the
 * fallback's choice. Deterministic for the same input, so a workflow may call it.
 */
export function chooseLink(rule: SteeringRule, links: readonly CandidateLink[]): LinkChoice {
  const up = links.filter((link) => link.up).sort(byPreference(rule));
  if (up.length === 0) return { link: null, reason: 'no_link_up', compliant: [] };
  const compliant = up.filter((link) => !link.measured || !violatesSla(rule.thresholds, link.measured));
  if (rule.costMode === 'bandwidth_optimised') compliant.sort((a, b) => a.monthlyCost - b.monthlyCost || byPreference(rule)(a, b));
  if (compliant.length > 0) return { link: compliant[0]!.name, reason: 'compliant', compliant: compliant.map((l) => l.name) };
  if (rule.fallback === 'strict') return { link: up[0]!.name, reason: 'fallback_strict', compliant: [] };
  // Every link up is measured here (an unmeasured one would have complied): the least loss, and
  // among the links that close to it in round trip, the most preferred.
  const best = [...up].sort((a, b) => a.measured!.lossPermille - b.measured!.lossPermille
    || a.measured!.rttMs - b.measured!.rttMs)[0]!;
  const equal = up.filter((l) => l.measured!.lossPermille <= best.measured!.lossPermille
    && l.measured!.rttMs <= best.measured!.rttMs + rule.fallbackVarianceMs);
  return { link: equal[0]!.name, reason: 'fallback_best_path', compliant: [] };
}
