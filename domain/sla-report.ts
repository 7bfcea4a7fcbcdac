// SLA compliance over a period, from the per-link rollups: for each WAN link and each policy that
// may use it, the minutes it was within the policy's SLA; for each steered application, the minutes
// the link it was on (followed through its link switches) was within its SLA; violations and
// switches counted. Pure: inventory/sla-report.ts reads what it needs, the API renders CSV and PDF.
import { chooseLink, violatesSla, type CandidateLink, type LinkMeasurement, type SteeringRule } from './sla.ts';

/** One rollup bucket of a link: a bucket with no answered reading is measured, and out of every SLA. */
export interface ComplianceBucket {
  /** The bucket's start, epoch milliseconds. */
  at: number;
  minutes: number;
  /** Its averages; none when no probe answered in the bucket. */
  measured: LinkMeasurement | null;
}

export interface ReportLink { id: string; name: string; type: string; monthlyCost: number; buckets: ComplianceBucket[] }
export interface ReportPolicy {
  /** As operators name it, and as steering records it in link switches (its configuration name). */
  name: string;
  configName: string;
  profile: string;
  /** The AppID signatures it steers. */
  applications: string[];
  rule: SteeringRule;
}
export interface ReportSwitch { policy: string; application: string; fromLink: string | null; toLink: string | null; at: number }

export interface LinkCompliance {
  link: string; type: string; policy: string; profile: string;
  minutesMeasured: number; minutesWithinSla: number; percentWithinSla: number | null;
  /** Times the link fell out of the SLA (a run of buckets out of it is one). */
  violations: number;
  averages: LinkMeasurement | null;
}

export interface ApplicationCompliance {
  policy: string; application: string;
  minutesMeasured: number; minutesWithinSla: number; percentWithinSla: number | null;
  violations: number;
  /** Link switches of the application within the period. */
  switches: number;
  /** The link it was on at the end of the period. */
  link: string | null;
}

const within = (rule: SteeringRule, bucket: ComplianceBucket) => bucket.measured !== null && !violatesSla(rule.thresholds, bucket.measured);
const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 100);

function averagesOf(buckets: readonly ComplianceBucket[]): LinkMeasurement | null {
  const measured = buckets.filter((b) => b.measured !== null);
  const minutes = measured.reduce((sum, b) => sum + b.minutes, 0);
  if (minutes === 0) return null;
  const mean = (pick: (m: LinkMeasurement) => number) => Math.round((measured.reduce((sum, b) => sum + pick(b.measured!) * b.minutes, 0) / minutes) * 10) / 10;
  return { rttMs: mean((m) => m.rttMs), jitterMs: mean((m) => m.jitterMs), lossPermille: mean((m) => m.lossPermille) };
}

/** Counts what a run of judged buckets adds up to: minutes, minutes within, and the runs out of the SLA. */
function tally(judged: readonly { minutes: number; ok: boolean }[]) {
  let minutesMeasured = 0;
  let minutesWithinSla = 0;
  let violations = 0;
  let previousOk = true;
  for (const { minutes, ok } of judged) {
    minutesMeasured += minutes;
    if (ok) minutesWithinSla += minutes;
    else if (previousOk) violations += 1;
    previousOk = ok;
  }
  return { minutesMeasured, minutesWithinSla, percentWithinSla: percent(minutesWithinSla, minutesMeasured), violations };
}

/**
 * The link an application was on from moment to moment: where its last switch before the period
 * took it; else where the first switch in the period took it from; else where the policy puts it
 * with nothing measured (its most preferred link, or the cheapest when bandwidth-optimised).
 */
function linkTimeline(policy: ReportPolicy, application: string, links: readonly ReportLink[], switches: readonly ReportSwitch[], from: number) {
  const own = switches.filter((s) => s.policy === policy.configName && s.application === application).sort((a, b) => a.at - b.at);
  const before = own.filter((s) => s.at < from).at(-1);
  const candidates: CandidateLink[] = links.map((l) => ({ name: l.name, type: l.type, monthlyCost: l.monthlyCost, up: true }));
  const start = before ? before.toLink : own.find((s) => s.at >= from)?.fromLink ?? chooseLink(policy.rule, candidates).link;
  const changes = own.filter((s) => s.at >= from);
  return {
    at(t: number): string | null {
      let link = start;
      for (const change of changes) if (change.at <= t) link = change.toLink;
      return link;
    },
    switches: changes.length,
    end: changes.at(-1)?.toLink ?? start,
  };
}

export function siteCompliance(input: { links: readonly ReportLink[]; policies: readonly ReportPolicy[]; switches: readonly ReportSwitch[]; from: number; to: number }) {
  const inPeriod = (b: ComplianceBucket) => b.at >= input.from && b.at < input.to;
  const links: LinkCompliance[] = input.policies.flatMap((policy) => input.links.map((link) => {
    const buckets = link.buckets.filter(inPeriod).sort((a, b) => a.at - b.at);
    return {
      link: link.name, type: link.type, policy: policy.name, profile: policy.profile,
      ...tally(buckets.map((b) => ({ minutes: b.minutes, ok: within(policy.rule, b) }))),
      averages: averagesOf(buckets),
    };
  }));
  const byLink = new Map(input.links.map((l) => [l.name, new Map(l.buckets.filter(inPeriod).map((b) => [b.at, b]))]));
  const times = [...new Set(input.links.flatMap((l) => l.buckets.filter(inPeriod).map((b) => b.at)))].sort((a, b) => a - b);
  const applications: ApplicationCompliance[] = input.policies.flatMap((policy) => policy.applications.map((application) => {
    const timeline = linkTimeline(policy, application, input.links, input.switches, input.from);
    const judged = times.flatMap((t) => {
      const link = timeline.at(t);
      const bucket = link === null ? undefined : byLink.get(link)?.get(t);
      // No link, or no bucket of its link (nothing polled it then): nothing is known of that time.
      return bucket ? [{ minutes: bucket.minutes, ok: within(policy.rule, bucket) }] : [];
    });
    return { policy: policy.name, application, ...tally(judged), switches: timeline.switches, link: timeline.end };
  }));
  return { links, applications };
}
