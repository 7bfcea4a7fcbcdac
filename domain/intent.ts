// A tenant's policy intent, in the operator's words: address objects and groups, application
// groups (over the SLA catalogue), departments (each a zone at the sites that have it), UTM
// profiles by reference, firewall rules, NAT and SD-WAN rules. One aggregate per tenant, stored
// and versioned whole; `validateIntent` checks it as one, with an error per field and a warning
// for every rule an earlier one shadows. Pure: the API, the compiler and the UI share it.
import { z } from 'zod';
import { wanLinkType } from './choices.ts';
import { ipv4Network } from './ipv4.ts';
import { applicationCatalogue, signaturePattern } from './sla.ts';

/** A name Junos takes for a zone, address, policy or rule set: letters, digits, - and _, at most 31 (room for a suffix). */
const objectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/, 'is a letter, then up to 30 letters, digits, - or _');
const tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'is a site tag: lowercase letters, digits and hyphens');
const prefix = z.string().refine((text) => ipv4Network(text)?.aligned === true, 'is an IPv4 network with its prefix length, host bits zero (10.1.0.0/16)');
/** A device-side profile (a Junos feature profile or IDP policy), referred to by name only. */
const profileReference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'is the name of a profile the devices hold');

/** Where a rule's traffic comes from. */
export const ruleSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('department'), name: objectName }),
  z.object({ kind: z.literal('site-group'), tag }),
  z.object({ kind: z.literal('address'), name: objectName }).describe('An address object or group'),
]);
/** Where it goes: out to the Internet, to the corporate network (the other sites), to another department, or to an address. */
export const ruleDestinationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('internet') }),
  z.object({ kind: z.literal('corporate') }).describe('The other sites, over the overlay'),
  z.object({ kind: z.literal('department'), name: objectName }),
  z.object({ kind: z.literal('address'), name: objectName }),
]);

export const firewallActions = ['allow', 'deny', 'reject'] as const;

export const firewallRuleSchema = z.object({
  name: objectName,
  from: ruleSourceSchema,
  to: ruleDestinationSchema,
  /** Empty: any application. Junos predefined applications (http, junos-https), catalogue groups, AppID signatures or the tenant's application groups. */
  applications: z.array(z.string().min(1).max(63)).max(50).default([]),
  action: z.enum(firewallActions),
  utmProfile: objectName.optional(),
  log: z.boolean().default(false),
  /** Only at the sites carrying this tag. */
  siteGroup: tag.optional(),
}).strict();

export const natRuleSchema = z.discriminatedUnion('kind', [
  /** Local breakout: the departments' traffic to the Internet leaves with the WAN interface's address. */
  z.object({ kind: z.literal('source'), name: objectName, department: objectName.optional().describe('None: every department'), siteGroup: tag.optional() }).strict(),
  /** A host (or network) answering on a public address of the same size, both ways. */
  z.object({ kind: z.literal('static'), name: objectName, internal: objectName.describe('An address object'), external: prefix, siteGroup: tag.optional() }).strict(),
  /** One public port forwarded to an inside host's port. */
  z.object({
    kind: z.literal('port-forward'), name: objectName, external: prefix, protocol: z.enum(['tcp', 'udp']),
    externalPort: z.number().int().min(1).max(65535), internal: objectName.describe('An address object (a host)'), internalPort: z.number().int().min(1).max(65535), siteGroup: tag.optional(),
  }).strict(),
]);

export const sdwanRuleSchema = z.object({
  name: objectName,
  /** Catalogue groups, AppID signatures or the tenant's application groups. */
  applications: z.array(z.string().min(1).max(63)).min(1, 'names at least one application').max(50),
  /** The tenant's SLA profile (thresholds) the applications need. */
  slaProfile: z.string().min(1).max(63),
  pathPreference: z.array(z.enum(wanLinkType.values)).max(wanLinkType.values.length).default([]),
  breakout: z.enum(['local', 'central']),
  siteGroup: tag.optional(),
}).strict();

export const intentSchema = z.object({
  addresses: z.array(z.object({ name: objectName, prefix }).strict()).max(2000).default([]),
  addressGroups: z.array(z.object({ name: objectName, members: z.array(objectName).min(1, 'holds at least one address').max(500) }).strict()).max(500).default([]),
  applicationGroups: z.array(z.object({ name: objectName, applications: z.array(z.string().min(1).max(63)).min(1).max(100) }).strict()).max(200).default([]),
  departments: z.array(z.object({ name: objectName, description: z.string().max(200).optional() }).strict()).max(100).default([]),
  utmProfiles: z.array(z.object({
    name: objectName, antivirus: profileReference.optional(), webFiltering: profileReference.optional(), contentFiltering: profileReference.optional(),
    /** An IDP policy on the devices (IPS). */
    ips: profileReference.optional(),
  }).strict()).max(50).default([]),
  firewallRules: z.array(firewallRuleSchema).max(2000).default([]),
  nat: z.array(natRuleSchema).max(500).default([]),
  sdwanRules: z.array(sdwanRuleSchema).max(200).default([]),
}).strict();

export type Intent = z.infer<typeof intentSchema>;
export type FirewallRuleIntent = z.infer<typeof firewallRuleSchema>;
export type NatRuleIntent = z.infer<typeof natRuleSchema>;
export type SdwanRuleIntent = z.infer<typeof sdwanRuleSchema>;
export type RuleSource = z.infer<typeof ruleSourceSchema>;
export type RuleDestination = z.infer<typeof ruleDestinationSchema>;

export const emptyIntent: Intent = intentSchema.parse({});

/** Zone names every site has already (render/junos.ts): no department may take them. */
export const reservedZones = ['untrust', 'trust', 'vpn', 'internet', 'corporate'];

/** Junos predefined applications by the short names an operator uses; `junos-…` names pass as they are. */
export const predefinedApplications: Readonly<Record<string, string>> = {
  any: 'any', dns: 'junos-dns-udp', http: 'junos-http', https: 'junos-https', ssh: 'junos-ssh', ping: 'junos-icmp-ping', icmp: 'junos-icmp-all',
  sip: 'junos-sip', ntp: 'junos-ntp', smtp: 'junos-smtp', ftp: 'junos-ftp', rdp: 'junos-rdp', telnet: 'junos-telnet',
};

export interface FieldProblem {
  path: string;
  message: string;
}

export interface IntentCheck {
  errors: FieldProblem[];
  /** Valid but likely wrong: a rule an earlier one shadows. */
  warnings: FieldProblem[];
}

/** What the intent refers to outside itself. */
export interface IntentContext {
  /** The tenant's SLA profile names. */
  slaProfiles: readonly string[];
  /**
   * The addresses the tenant's boxes answer NETCONF and SSH on that Branchline knows ahead: their
   * static WAN addresses (the untrust zone lets both in), each with where it is. A DHCP or PPPoE
   * address is the provider's to give: no rule can be checked against it here.
   */
  managementAddresses?: readonly { address: string; where: string }[];
}

/** The ports a box is managed on: SSH, and NETCONF over SSH. */
export const managementPorts: Readonly<Record<number, string>> = { 22: 'SSH', 830: 'NETCONF' };

/**
 * A NAT rule that would take a box's management away: static or destination NAT is looked up
 * before Junos tells traffic for the box itself from traffic through it, so a rule translating
 * the box's own address (every port for static NAT, the port for a forward) sends SSH or NETCONF
 * to the inside host. The device's confirmed commit would revert it; refused here where known.
 */
function natTakingManagement(rule: NatRuleIntent, addresses: NonNullable<IntentContext['managementAddresses']>): FieldProblem | undefined {
  if (rule.kind === 'source') return undefined;
  if (rule.kind === 'port-forward' && !(rule.externalPort in managementPorts)) return undefined;
  const external = ipv4Network(rule.external)!;
  const taken = addresses.find(({ address }) => {
    const host = ipv4Network(`${address.split('/')[0]}/32`);
    return !!host && host.first >= external.first && host.first <= external.last;
  });
  if (!taken) return undefined;
  const what = rule.kind === 'static' ? 'every port' : `${managementPorts[rule.externalPort]} (${rule.externalPort})`;
  return {
    path: rule.kind === 'static' ? 'external' : 'externalPort',
    message: `would send ${what} of ${taken.address.split('/')[0]}, ${taken.where}, to the inside host: the box would be cut off from its management (the device would revert it)`,
  };
}

/** How an application name resolves: a static Junos application, or AppID signatures; undefined when it is none. */
export function resolveApplication(intent: Pick<Intent, 'applicationGroups'>, name: string): { static: string[]; dynamic: string[] } | undefined {
  const group = intent.applicationGroups.find((g) => g.name === name);
  if (group) {
    const parts = group.applications.map((a) => resolveApplication({ applicationGroups: [] }, a));
    if (parts.some((p) => !p)) return undefined;
    return { static: parts.flatMap((p) => p!.static), dynamic: parts.flatMap((p) => p!.dynamic) };
  }
  if (name in applicationCatalogue) return { static: [], dynamic: [...applicationCatalogue[name as keyof typeof applicationCatalogue].signatures] };
  if (signaturePattern.test(name)) return { static: [], dynamic: [name] };
  const predefined = predefinedApplications[name.toLowerCase()];
  if (predefined) return { static: [predefined], dynamic: [] };
  if (/^junos-[a-z0-9-]{1,57}$/.test(name)) return { static: [name], dynamic: [] };
  return undefined;
}

/** The addresses an address object or group stands for (a group's members are address objects). */
export function addressesOf(intent: Pick<Intent, 'addresses' | 'addressGroups'>, name: string): string[] {
  const group = intent.addressGroups.find((g) => g.name === name);
  return group ? [...group.members].sort() : [name];
}

const sameEndpoint = (a: RuleSource | RuleDestination, b: RuleSource | RuleDestination) => JSON.stringify(a) === JSON.stringify(b);

/** Whether `earlier`'s endpoint matches all the traffic of `later`'s: the same, or an address group holding the address. */
function endpointCovers(intent: Intent, earlier: RuleSource | RuleDestination, later: RuleSource | RuleDestination): boolean {
  if (sameEndpoint(earlier, later)) return true;
  if (earlier.kind !== 'address' || later.kind !== 'address') return false;
  const covering = new Set(addressesOf(intent, earlier.name));
  return addressesOf(intent, later.name).every((a) => covering.has(a));
}

function applicationsCover(intent: Intent, earlier: string[], later: string[]): boolean {
  if (earlier.length === 0 || earlier.includes('any')) return true;
  if (later.length === 0 || later.includes('any')) return false;
  const expand = (names: string[]) => names.flatMap((n) => { const r = resolveApplication(intent, n); return r ? [...r.static, ...r.dynamic] : [n]; });
  const covering = new Set(expand(earlier));
  return expand(later).every((a) => covering.has(a));
}

/**
 * The rules an earlier rule shadows: every packet the later one would match, the earlier one
 * matches first (at every site the later applies to), so the later never takes effect.
 */
export function shadowedRules(intent: Intent): { index: number; by: number }[] {
  const found: { index: number; by: number }[] = [];
  intent.firewallRules.forEach((rule, index) => {
    const by = intent.firewallRules.findIndex((earlier, e) => e < index
      && (earlier.siteGroup === undefined || earlier.siteGroup === rule.siteGroup)
      && endpointCovers(intent, earlier.from, rule.from) && endpointCovers(intent, earlier.to, rule.to)
      && applicationsCover(intent, earlier.applications, rule.applications));
    if (by >= 0) found.push({ index, by });
  });
  return found;
}

function duplicates(items: { name: string }[], path: string, what: string): FieldProblem[] {
  const seen = new Set<string>();
  return items.flatMap((item, index) => {
    if (!seen.has(item.name)) {
      seen.add(item.name);
      return [];
    }
    return [{ path: `${path}.${index}.name`, message: `names ${what} "${item.name}" a second time` }];
  });
}

/** The whole intent checked as one: names unique, every reference resolving, NAT without clashes, shadowed rules warned of. */
export function validateIntent(intent: Intent, context: IntentContext): IntentCheck {
  const errors: FieldProblem[] = [];
  const addressNames = new Set(intent.addresses.map((a) => a.name));
  const groupNames = new Set(intent.addressGroups.map((g) => g.name));
  const departments = new Set(intent.departments.map((d) => d.name));
  const utmProfiles = new Set(intent.utmProfiles.map((p) => p.name));

  errors.push(...duplicates(intent.addresses, 'addresses', 'an address'), ...duplicates(intent.addressGroups, 'addressGroups', 'an address group'),
    ...duplicates(intent.applicationGroups, 'applicationGroups', 'an application group'), ...duplicates(intent.departments, 'departments', 'a department'),
    ...duplicates(intent.utmProfiles, 'utmProfiles', 'a UTM profile'), ...duplicates(intent.firewallRules, 'firewallRules', 'a rule'),
    ...duplicates(intent.nat, 'nat', 'a NAT rule'), ...duplicates(intent.sdwanRules, 'sdwanRules', 'an SD-WAN rule'));
  intent.addressGroups.forEach((group, index) => {
    if (addressNames.has(group.name)) errors.push({ path: `addressGroups.${index}.name`, message: `is the name of an address object already` });
    group.members.forEach((member, m) => {
      if (!addressNames.has(member)) errors.push({ path: `addressGroups.${index}.members.${m}`, message: `is no address object of the tenant` });
    });
  });
  intent.departments.forEach((department, index) => {
    if (reservedZones.includes(department.name.toLowerCase())) errors.push({ path: `departments.${index}.name`, message: `is a zone every site has already (${reservedZones.join(', ')})` });
  });
  intent.applicationGroups.forEach((group, index) => {
    if (resolveApplication({ applicationGroups: [] }, group.name)) errors.push({ path: `applicationGroups.${index}.name`, message: 'is the name of an application already' });
    group.applications.forEach((application, a) => {
      if (!resolveApplication({ applicationGroups: [] }, application)) errors.push({ path: `applicationGroups.${index}.applications.${a}`, message: unknownApplication });
    });
  });

  const checkAddress = (name: string, path: string) => {
    if (!addressNames.has(name) && !groupNames.has(name)) errors.push({ path, message: 'is no address object or group of the tenant' });
  };
  const checkDepartment = (name: string, path: string) => {
    if (!departments.has(name)) errors.push({ path, message: 'is no department of the tenant' });
  };
  const checkApplications = (applications: string[], path: string) => applications.forEach((application, a) => {
    if (!resolveApplication(intent, application)) errors.push({ path: `${path}.${a}`, message: unknownApplication });
  });

  intent.firewallRules.forEach((rule, index) => {
    const path = `firewallRules.${index}`;
    if (rule.from.kind === 'department') checkDepartment(rule.from.name, `${path}.from.name`);
    if (rule.from.kind === 'address') checkAddress(rule.from.name, `${path}.from.name`);
    if (rule.to.kind === 'department') checkDepartment(rule.to.name, `${path}.to.name`);
    if (rule.to.kind === 'address') checkAddress(rule.to.name, `${path}.to.name`);
    if (sameEndpoint(rule.from, rule.to)) errors.push({ path: `${path}.to`, message: 'is where the traffic comes from: a rule leads somewhere else' });
    checkApplications(rule.applications, `${path}.applications`);
    if (rule.utmProfile !== undefined) {
      if (!utmProfiles.has(rule.utmProfile)) errors.push({ path: `${path}.utmProfile`, message: 'is no UTM profile of the tenant' });
      if (rule.action !== 'allow') errors.push({ path: `${path}.utmProfile`, message: 'inspects allowed traffic only: a rule that denies or rejects takes none' });
    }
  });

  const hostOf = (name: string) => intent.addresses.find((a) => a.name === name);
  const publicPorts = new Map<string, number>();
  intent.nat.forEach((rule, index) => {
    const path = `nat.${index}`;
    if (rule.kind === 'source') {
      if (rule.department !== undefined) checkDepartment(rule.department, `${path}.department`);
      return;
    }
    const internal = hostOf(rule.internal);
    if (!internal) errors.push({ path: `${path}.internal`, message: 'is no address object of the tenant' });
    if (rule.kind === 'static' && internal && ipv4Network(internal.prefix)!.length !== ipv4Network(rule.external)!.length) {
      errors.push({ path: `${path}.external`, message: `is not the size of ${rule.internal} (${internal.prefix}): static NAT maps address for address` });
    }
    if (rule.kind === 'port-forward' && ipv4Network(rule.external)!.length !== 32) errors.push({ path: `${path}.external`, message: 'is one public address (/32)' });
    const cutsManagement = natTakingManagement(rule, context.managementAddresses ?? []);
    if (cutsManagement) errors.push({ ...cutsManagement, path: `${path}.${cutsManagement.path}` });
    // Two rules taking the same public address (and port) at the same sites: the second never applies.
    const key = `${rule.siteGroup ?? ''} ${rule.external} ${rule.kind === 'port-forward' ? `${rule.protocol}/${rule.externalPort}` : '*'}`;
    const clash = [...publicPorts].find(([other]) => other === key
      || (other.startsWith(`${rule.siteGroup ?? ''} ${rule.external} `) && (other.endsWith(' *') || key.endsWith(' *'))));
    if (clash) errors.push({ path: `${path}.external`, message: `is taken by NAT rule "${intent.nat[clash[1]]!.name}" already` });
    else publicPorts.set(key, index);
  });

  const slaProfiles = new Set(context.slaProfiles);
  intent.sdwanRules.forEach((rule, index) => {
    const path = `sdwanRules.${index}`;
    checkApplications(rule.applications, `${path}.applications`);
    rule.applications.forEach((application, a) => {
      if (resolveApplication(intent, application)?.static.length) errors.push({ path: `${path}.applications.${a}`, message: 'is a port-based application: SD-WAN steers AppID applications (catalogue groups, junos:NAME)' });
    });
    if (!slaProfiles.has(rule.slaProfile)) errors.push({ path: `${path}.slaProfile`, message: 'is no SLA profile of the tenant' });
    if (new Set(rule.pathPreference).size !== rule.pathPreference.length) errors.push({ path: `${path}.pathPreference`, message: 'names each link type once' });
  });

  const warnings = shadowedRules(intent).map(({ index, by }) => {
    const [rule, earlier] = [intent.firewallRules[index]!, intent.firewallRules[by]!];
    const conflict = rule.action !== earlier.action ? ` and ${earlier.action}s what it would ${rule.action}` : '';
    return { path: `firewallRules.${index}`, message: `is shadowed by rule "${earlier.name}" (firewallRules.${by}), which matches all its traffic first${conflict}: it never takes effect` };
  });
  return { errors, warnings };
}

const unknownApplication = 'is no application: a Junos application (http, junos-https), a catalogue group (voice, web…), an AppID signature (junos:SIP) or an application group';

export const intentSections = ['addresses', 'addressGroups', 'applicationGroups', 'departments', 'utmProfiles', 'firewallRules', 'nat', 'sdwanRules'] as const;

/** What changed from one intent to another, section by section, by name: what the operator reviews before a rollback. */
export function compareIntents(from: Intent, to: Intent): Record<(typeof intentSections)[number], { added: string[]; removed: string[]; changed: string[] }> {
  const compare = (a: readonly { name: string }[], b: readonly { name: string }[]) => {
    const before = new Map(a.map((item) => [item.name, JSON.stringify(item)]));
    const after = new Map(b.map((item) => [item.name, JSON.stringify(item)]));
    const order = (names: string[]) => names.sort();
    return {
      added: order([...after.keys()].filter((n) => !before.has(n))),
      removed: order([...before.keys()].filter((n) => !after.has(n))),
      changed: order([...after.keys()].filter((n) => before.has(n) && before.get(n) !== after.get(n))),
    };
  };
  return Object.fromEntries(intentSections.map((section) => [section, compare(from[section], to[section])])) as ReturnType<typeof compareIntents>;
}

/** A firewall policy as tenants kept them before intent: rules between zone names, for the whole tenant, a site group or a department. */
export interface LegacyFirewallPolicy {
  name: string;
  scope: 'tenant' | 'site_group' | 'department';
  scopeRef: string | null;
  rules: { name: string; from: string; to: string; applications?: string[]; action: 'permit' | 'deny' | 'reject'; log?: boolean }[];
}

/**
 * A tenant's firewall policies from before intent, as its first intent: each rule in the same
 * order, its departments declared, "corporate" the overlay and "internet" the Internet. Rules whose
 * source is not a department (traffic in from the Internet or the overlay) have no intent form
 * and are left out, named in `skipped`.
 */
export function intentFromLegacyPolicies(policies: readonly LegacyFirewallPolicy[]): { intent: Intent; skipped: string[] } {
  const departments = new Set<string>();
  const skipped: string[] = [];
  const firewallRules: FirewallRuleIntent[] = [];
  // The policy's name and the rule's, or the rule's alone when both do not fit a Junos name; unique.
  const taken = new Set<string>();
  const nameOf = (policy: string, rule: string) => {
    const normal = (text: string) => { const n = text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+|-+$/g, ''); return n || 'rule'; };
    const both = normal(`${policy}-${rule}`);
    const base = (both.length <= 31 ? both : normal(rule)).slice(0, 27);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return name;
  };
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const name = nameOf(policy.name, rule.name);
      if (reservedZones.includes(rule.from.toLowerCase())) {
        skipped.push(name);
        continue;
      }
      departments.add(rule.from);
      const to: RuleDestination = rule.to === 'internet' ? { kind: 'internet' } : rule.to === 'corporate' ? { kind: 'corporate' } : { kind: 'department', name: rule.to };
      if (to.kind === 'department') departments.add(to.name);
      firewallRules.push({
        name, from: { kind: 'department', name: rule.from }, to,
        applications: (rule.applications ?? []).filter((application) => application !== 'any'),
        action: rule.action === 'permit' ? 'allow' : rule.action, log: rule.log ?? false,
        ...(policy.scope === 'site_group' && policy.scopeRef ? { siteGroup: policy.scopeRef } : {}),
      });
    }
  }
  return { intent: { ...emptyIntent, departments: [...departments].map((department) => ({ name: department })), firewallRules }, skipped };
}
