// A tenant's intent compiled for one site: which rules apply there (their site group, and a
// source the site has), the zones they become, and the address book, NAT and UTM they name. Pure
// and deterministic: the dry run and the deployment compile the same site to the same text.
import { addressesOf, resolveApplication, type Intent, type RuleDestination, type RuleSource } from './intent.ts';
import type { AppSteeringConfig, IntentPolicyConfig, IntentSecurityPolicy } from './render/device-config.ts';
import { chooseLink, type SlaThresholds } from './sla.ts';

/** What of a site the compilation needs. */
export interface IntentSite {
  tags: string[];
  /** Its LAN zones: its departments, and `trust` for segments of none. */
  zones: string[];
  links: { name: string; type: string }[];
}

export interface CompiledSiteIntent {
  intent: IntentPolicyConfig;
  /** The SD-WAN rules as application steering, before the site's own SLA policies. */
  steering: AppSteeringConfig[];
}

const inGroup = (site: IntentSite, siteGroup: string | undefined) => siteGroup === undefined || site.tags.includes(siteGroup);

/** The zones a rule's traffic comes from at the site (none: the rule does not apply there). */
function sourceZones(site: IntentSite, from: RuleSource): string[] {
  switch (from.kind) {
    case 'department': return site.zones.includes(from.name) ? [from.name] : [];
    case 'site-group': return site.tags.includes(from.tag) ? site.zones : [];
    case 'address': return site.zones;
  }
}

/** Where it goes: a department the site lacks is at other sites, over the overlay; an address may be either side of the WAN. */
function destinationZones(site: IntentSite, to: RuleDestination): string[] {
  switch (to.kind) {
    case 'internet': return ['untrust'];
    case 'corporate': return ['vpn'];
    case 'department': return [site.zones.includes(to.name) ? to.name : 'vpn'];
    case 'address': return ['untrust', 'vpn'];
  }
}

const actions = { allow: 'permit', deny: 'deny', reject: 'reject' } as const;
/** Junos names are at most 63 characters. */
const policyName = (...parts: string[]) => parts.join('-').slice(0, 63);

export function compileSiteIntent(intent: Intent, site: IntentSite, slaProfiles: Readonly<Record<string, SlaThresholds>>): CompiledSiteIntent {
  const usedAddresses = new Set<string>();
  const usedUtm = new Set<string>();
  const policies: IntentSecurityPolicy[] = [];
  for (const rule of intent.firewallRules) {
    if (!inGroup(site, rule.siteGroup)) continue;
    const pairs = sourceZones(site, rule.from).flatMap((from) => destinationZones(site, rule.to).map((to) => ({ from, to })));
    const addresses = (endpoint: RuleSource | RuleDestination) => {
      if (endpoint.kind !== 'address') return [];
      usedAddresses.add(endpoint.name);
      return [endpoint.name];
    };
    const applications = rule.applications.filter((a) => a !== 'any').map((a) => resolveApplication(intent, a)!);
    const utm = rule.utmProfile === undefined ? undefined : intent.utmProfiles.find((p) => p.name === rule.utmProfile);
    if (utm && (utm.antivirus || utm.webFiltering || utm.contentFiltering)) usedUtm.add(utm.name);
    for (const { from, to } of pairs) {
      policies.push({
        name: pairs.length === 1 ? rule.name : policyName(rule.name, from, to),
        fromZone: from, toZone: to,
        sourceAddresses: addresses(rule.from), destinationAddresses: addresses(rule.to),
        applications: [...new Set(applications.flatMap((a) => a.static))].sort(),
        dynamicApplications: [...new Set(applications.flatMap((a) => a.dynamic))].sort(),
        action: actions[rule.action], log: rule.log,
        ...(usedUtm.has(utm?.name ?? '') ? { utmPolicy: utm!.name } : {}),
        ...(utm?.ips ? { idpPolicy: utm.ips } : {}),
      });
    }
  }

  const host = (name: string) => intent.addresses.find((a) => a.name === name)!.prefix;
  const nat = intent.nat.filter((rule) => inGroup(site, rule.siteGroup));
  const sourceNat = site.zones.flatMap((zone) => {
    const rules = nat.filter((rule) => rule.kind === 'source' && (rule.department === undefined || rule.department === zone)).map((rule) => rule.name);
    return rules.length === 0 ? [] : [{ zone, rules: [...rules].sort() }];
  });

  const addressNames = [...usedAddresses].flatMap((name) => addressesOf(intent, name));
  const compiled: IntentPolicyConfig = {
    addresses: intent.addresses.filter((a) => addressNames.includes(a.name)).map((a) => ({ name: a.name, prefix: a.prefix })).sort((a, b) => a.name.localeCompare(b.name)),
    addressSets: intent.addressGroups.filter((g) => usedAddresses.has(g.name)).map((g) => ({ name: g.name, members: [...g.members] })),
    policies,
    utmPolicies: intent.utmProfiles.filter((p) => usedUtm.has(p.name)).map((p) => ({
      name: p.name, ...(p.antivirus ? { antivirus: p.antivirus } : {}), ...(p.webFiltering ? { webFiltering: p.webFiltering } : {}), ...(p.contentFiltering ? { contentFiltering: p.contentFiltering } : {}),
    })),
    sourceNat,
    staticNat: nat.flatMap((rule) => (rule.kind === 'static' ? [{ name: rule.name, internal: host(rule.internal), external: rule.external }] : [])),
    portForwards: nat.flatMap((rule) => (rule.kind === 'port-forward'
      ? [{ name: rule.name, external: rule.external, protocol: rule.protocol, externalPort: rule.externalPort, internal: host(rule.internal), internalPort: rule.internalPort }] : [])),
  };

  const steering = intent.sdwanRules.flatMap((rule, index): AppSteeringConfig[] => {
    const thresholds = slaProfiles[rule.slaProfile];
    if (!inGroup(site, rule.siteGroup) || !thresholds) return [];
    const preferredLinks = chooseLink({ thresholds, preferredLinkTypes: rule.pathPreference, costMode: 'preference', fallback: 'strict', fallbackVarianceMs: 0 },
      site.links.map((l) => ({ name: l.name, type: l.type, monthlyCost: 0, up: true }))).compliant;
    const applications = [...new Set(rule.applications.flatMap((a) => resolveApplication(intent, a)?.dynamic ?? []))].sort();
    return [{
      name: `sdwan-${rule.name}`.toLowerCase(), applications, preferredLinks,
      maxLatencyMs: thresholds.rttMs, maxJitterMs: thresholds.jitterMs, maxLossPermille: thresholds.lossPermille, match: thresholds.match,
      breakout: rule.breakout, priority: index + 1,
    }];
  });
  return { intent: compiled, steering };
}
