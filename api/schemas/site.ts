// The site aggregate as the operator models it before the box ships: details, devices, WAN links,
// LAN and departments, overlay, policies. One schema for the API and the Add-site wizard, built
// step by step (each step extends the one before); `checkSite` adds the checks across fields,
// each reported at the field to fix.
import { z } from 'zod';
import { tenantChoice } from './messages.ts';
import { deviceModel, deviceModelNames, deviceModels } from '../../domain/device-models.ts';
import { pppAuthentication, wanLinkType } from '../../domain/choices.ts';
import { formatIpv4, ipv4Network, parseIpv4 } from '../../domain/ipv4.ts';

const timeZones = new Set(Intl.supportedValuesOf('timeZone'));
const name = z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters');
const ipv4Prefix = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export const siteDetailsStep = z.object({
  tenantId: tenantChoice,
  name,
  /** A hub terminates spokes' tunnels; a spoke is a branch. */
  role: z.enum(['spoke', 'hub']).default('spoke'),
  timezone: z.string().refine((zone) => timeZones.has(zone) || zone === 'UTC', 'is not a known time zone (for example Europe/Paris)'),
  country: z.string().regex(/^[A-Z]{2}$/, 'is a two-letter country code (ISO 3166)').optional(),
  address: z.string().trim().max(300).optional(),
  tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'tags are lowercase letters, digits and hyphens')).max(20).default([]),
});

export const serialSchema = z.string().regex(/^[A-Z0-9-]{4,40}$/, 'is 4 to 40 capital letters, digits or hyphens');

export const siteDeviceInput = z.object({
  role: z.enum(['primary', 'secondary']),
  model: z.enum(deviceModelNames, 'is not a model Branchline knows'),
  /** Unknown until the box ships. */
  serial: serialSchema.optional(),
  hostname: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'is lowercase letters, digits and hyphens, at most 63').optional(),
});

export const siteDevicesStep = siteDetailsStep.extend({
  devices: z.array(siteDeviceInput).min(1, 'a site has a device').max(2, 'a site has at most two devices (dual CPE)'),
});

const ipv4Address = z.string().refine((text) => parseIpv4(text) !== undefined, 'is an IPv4 address such as 192.0.2.9');

/**
 * How a WAN link gets its address: from the provider's DHCP (the default), fixed by the provider,
 * or negotiated by a PPPoE session over the link's port. The password is write-only: the API never
 * answers it, and only the device receives it.
 */
export const wanAddressingInput = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('dhcp') }),
  z.object({
    mode: z.literal('static'),
    address: z.string().regex(ipv4Prefix, 'is an address with its prefix length, such as 192.0.2.10/30'),
    gateway: ipv4Address,
    dnsServers: z.array(z.string()).max(3, 'are at most three')
      .refine((servers) => servers.every((server) => parseIpv4(server) !== undefined), 'are IPv4 addresses such as 9.9.9.9').default([]),
  }),
  z.object({
    mode: z.literal('pppoe'),
    username: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
    password: z.string().min(1, 'is required').max(128, 'is at most 128 characters'),
    authentication: z.enum(pppAuthentication.values, 'is chap or pap').default('chap'),
  }),
], 'is dhcp, static or pppoe');

export const wanLinkInput = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'is lowercase letters, digits and hyphens'),
  type: z.enum(wanLinkType.values),
  /** Which device carries the link (dual CPE). */
  deviceRole: z.enum(['primary', 'secondary']).default('primary'),
  interfaceName: z.string().min(1),
  bandwidthMbps: z.number().int().min(1, 'is at least 1 Mbit/s').max(100_000),
  monthlyCost: z.number().min(0, 'cannot be negative').max(1_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'is a three-letter currency code').default('EUR'),
  backupOnly: z.boolean().default(false),
  addressing: wanAddressingInput.default({ mode: 'dhcp' }),
});

export const siteWanLinksStep = siteDevicesStep.extend({
  wanLinks: z.array(wanLinkInput).min(1, 'a site needs a WAN link').max(4, 'a site has at most four WAN links'),
});

export const lanSegmentInput = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'is lowercase letters, digits and hyphens'),
  vlanId: z.number().int().min(1, 'is from 1 to 4094').max(4094, 'is from 1 to 4094'),
  prefix: z.string().regex(ipv4Prefix, 'is an IPv4 prefix such as 10.1.10.0/24'),
  department: z.string().optional(),
  dhcp: z.boolean().default(true),
});

export const siteLanStep = siteWanLinksStep.extend({
  departments: z.array(z.string().trim().min(1).max(60)).max(50).default([]),
  lanSegments: z.array(lanSegmentInput).max(50).default([]),
});

export const siteOverlayStep = siteLanStep.extend({
  topology: z.enum(['hub_and_spoke', 'full_mesh', 'partial_mesh']),
  primaryHubId: z.uuid().optional(),
  secondaryHubId: z.uuid().optional(),
  /** Partial mesh: peers sharing one of these tags. */
  meshTags: z.array(z.string()).default([]),
});

export const siteAggregateObject = siteOverlayStep.extend({
  appSlaPolicyIds: z.array(z.uuid()).max(50).default([]),
});

type Site = z.infer<typeof siteAggregateObject>;
type Issue = { path: (string | number)[]; message: string };

/** The first and last address of a network prefix; undefined when host bits are set or it is no prefix. */
function prefixRange(prefix: string): [number, number] | undefined {
  const network = ipv4Network(prefix);
  return network?.aligned ? [network.first, network.last] : undefined;
}

const formatRange = ([first, last]: [number, number]) => `${formatIpv4(first)}/${32 - Math.log2(last - first + 1)}`;

/** The network a static WAN address is in (`192.0.2.10/30` → 192.0.2.8 … 192.0.2.11); undefined when it is no address. */
function networkOf(address: string): [number, number] | undefined {
  const network = ipv4Network(address);
  return network && [network.first, network.last];
}

type Link = Site['wanLinks'][number];
type StaticAddressing = Extract<Link['addressing'], { mode: 'static' }>;

/** A static WAN link's own checks: a host address of its prefix, and a gateway beside it in that prefix. */
function staticAddressIssues(addressing: StaticAddressing, path: (string | number)[]): Issue[] {
  const network = networkOf(addressing.address);
  if (!network) return [{ path: [...path, 'address'], message: 'is not an address with its prefix length (such as 192.0.2.10/30)' }];
  const address = parseIpv4(addressing.address.split('/')[0]!)!;
  const gateway = parseIpv4(addressing.gateway);
  const [first, last] = network;
  // A /31 has no network or broadcast address (RFC 3021); a /32 has no room for a gateway.
  const edges = last - first >= 3 ? [first, last] : [];
  const issues: Issue[] = [];
  if (last === first) issues.push({ path: [...path, 'address'], message: 'leaves no room for a gateway: give the prefix length of the link (such as /30)' });
  else if (edges.includes(address)) issues.push({ path: [...path, 'address'], message: `is the ${address === first ? 'network' : 'broadcast'} address of ${formatRange(network)}, not a host address` });
  if (gateway === undefined || last === first) return issues;
  if (gateway < first || gateway > last) issues.push({ path: [...path, 'gateway'], message: `is outside the link's prefix ${formatRange(network)}` });
  else if (gateway === address) issues.push({ path: [...path, 'gateway'], message: "is the link's own address" });
  else if (edges.includes(gateway)) issues.push({ path: [...path, 'gateway'], message: `is the ${gateway === first ? 'network' : 'broadcast'} address of ${formatRange(network)}, not a host address` });
  return issues;
}

function duplicates<T>(items: T[], key: (item: T) => string): number[] {
  const seen = new Set<string>();
  return items.flatMap((item, index) => {
    const k = key(item);
    if (seen.has(k)) return [index];
    seen.add(k);
    return [];
  });
}

/** The checks across fields, on whatever steps are present. */
export function siteIssues(site: Partial<Site>): Issue[] {
  const issues: Issue[] = [];
  const devices = site.devices ?? [];
  for (const index of duplicates(devices, (d) => d.role)) issues.push({ path: ['devices', index, 'role'], message: 'each device has its own role' });
  if (devices.length === 2 && !devices.some((d) => d.role === 'primary')) issues.push({ path: ['devices'], message: 'a dual-CPE site has a primary device' });
  for (const index of duplicates(devices.filter((d) => d.serial), (d) => d.serial!)) issues.push({ path: ['devices', index, 'serial'], message: 'each device has its own serial' });

  const links = site.wanLinks ?? [];
  if (site.wanLinks) {
    for (const index of duplicates(links, (l) => l.name)) issues.push({ path: ['wanLinks', index, 'name'], message: 'each WAN link has its own name' });
    for (const index of duplicates(links, (l) => `${l.deviceRole}/${l.interfaceName}`)) issues.push({ path: ['wanLinks', index, 'interfaceName'], message: 'this port already carries a WAN link' });
    links.forEach((link, index) => {
      const device = devices.find((d) => d.role === link.deviceRole);
      if (!device) return issues.push({ path: ['wanLinks', index, 'deviceRole'], message: `the site has no ${link.deviceRole} device` });
      const model = deviceModel(device.model);
      if (model && !model.wanPorts.includes(link.interfaceName)) {
        issues.push({ path: ['wanLinks', index, 'interfaceName'], message: `${device.model} has no WAN port ${link.interfaceName} (it has ${model.wanPorts.join(', ')})` });
      }
      if (link.type === 'lte' && link.interfaceName !== 'dl0') issues.push({ path: ['wanLinks', index, 'interfaceName'], message: 'an LTE link is on the modem, dl0' });
    });
    links.forEach((link, index) => {
      const { addressing } = link;
      if (addressing.mode !== 'dhcp' && (link.type === 'lte' || link.interfaceName === 'dl0')) {
        issues.push({ path: ['wanLinks', index, 'addressing', 'mode'], message: 'an LTE link takes its address from the mobile network (DHCP)' });
      }
      if (addressing.mode !== 'static') return;
      issues.push(...staticAddressIssues(addressing, ['wanLinks', index, 'addressing']));
      const network = networkOf(addressing.address);
      const overlap = network && links.findIndex((other, j) => {
        const range = j < index && other.addressing.mode === 'static' ? networkOf(other.addressing.address) : undefined;
        return range && range[0] <= network[1] && network[0] <= range[1];
      });
      if (overlap !== undefined && overlap >= 0) issues.push({ path: ['wanLinks', index, 'addressing', 'address'], message: `overlaps WAN link ${links[overlap]!.name}` });
    });
    if (links.length > 0 && links.every((l) => l.backupOnly)) issues.push({ path: ['wanLinks'], message: 'at least one WAN link is not backup-only' });
  }

  const segments = site.lanSegments ?? [];
  for (const index of duplicates(site.departments ?? [], (d) => d.toLowerCase())) issues.push({ path: ['departments', index], message: 'each department has its own name' });
  for (const index of duplicates(segments, (s) => String(s.vlanId))) issues.push({ path: ['lanSegments', index, 'vlanId'], message: 'this VLAN is already used' });
  for (const index of duplicates(segments, (s) => s.name)) issues.push({ path: ['lanSegments', index, 'name'], message: 'each LAN segment has its own name' });
  const ranges = segments.map((s) => prefixRange(s.prefix));
  segments.forEach((segment, index) => {
    const range = ranges[index];
    if (!range) return issues.push({ path: ['lanSegments', index, 'prefix'], message: 'is not a network prefix (host bits set, or out of range)' });
    const overlap = ranges.findIndex((other, j) => j < index && other && other[0] <= range[1] && range[0] <= other[1]);
    if (overlap >= 0) issues.push({ path: ['lanSegments', index, 'prefix'], message: `overlaps LAN segment ${segments[overlap]!.name}` });
    // Reported here rather than at the WAN link: the wizard asks for the LAN after the WAN links.
    for (const link of links) {
      const network = link.addressing.mode === 'static' ? networkOf(link.addressing.address) : undefined;
      if (network && network[0] <= range[1] && range[0] <= network[1]) {
        issues.push({ path: ['lanSegments', index, 'prefix'], message: `overlaps WAN link ${link.name} (${formatRange(network)})` });
        break;
      }
    }
    // The gateway takes the first address; a DHCP server leases from the second to the last but one.
    if (segment.dhcp && range[1] - range[0] < 3) issues.push({ path: ['lanSegments', index, 'prefix'], message: 'leaves no address to lease beside the gateway: a segment serving DHCP is a /30 or larger' });
    if (segment.department && !(site.departments ?? []).includes(segment.department)) {
      issues.push({ path: ['lanSegments', index, 'department'], message: `there is no department ${segment.department}` });
    }
  });

  if (site.role !== 'hub') {
    devices.forEach((device, index) => {
      if (deviceModel(device.model)?.hub) {
        const branchModels = deviceModels.filter((m) => !m.hub).map((m) => m.model).join(', ');
        issues.push({ path: ['devices', index, 'model'], message: `${device.model} is a hub gateway, for hub sites only; a branch uses a branch model (${branchModels})` });
      }
    });
  }

  if (site.role === 'hub') {
    if (site.primaryHubId || site.secondaryHubId) issues.push({ path: ['primaryHubId'], message: 'a hub has no hubs of its own' });
    devices.forEach((device, index) => {
      if (deviceModel(device.model)?.hub === false) issues.push({ path: ['devices', index, 'model'], message: `${device.model} cannot terminate spokes' tunnels; a hub needs a hub gateway model` });
    });
  } else if (site.topology === 'hub_and_spoke') {
    if (!site.primaryHubId) issues.push({ path: ['primaryHubId'], message: 'a hub-and-spoke site needs a primary hub' });
    if (site.secondaryHubId && site.secondaryHubId === site.primaryHubId) issues.push({ path: ['secondaryHubId'], message: 'the secondary hub is another hub than the primary' });
  } else if (site.topology) {
    if (site.primaryHubId) issues.push({ path: ['primaryHubId'], message: 'a mesh site has no hubs' });
    if (site.topology === 'partial_mesh' && (site.meshTags ?? []).length === 0) issues.push({ path: ['meshTags'], message: 'a partial mesh names the tags of its peers' });
  }
  return issues;
}

function withChecks<T extends z.ZodType>(schema: T) {
  return schema.superRefine((value, ctx) => {
    for (const issue of siteIssues(value as Partial<Site>)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
}

/** Exactly what POST /api/v1/sites accepts; the wizard's last step. */
export const siteAggregate = withChecks(siteAggregateObject);
export type SiteAggregate = z.infer<typeof siteAggregate>;

/** The wizard's steps, each with the checks that apply to what it has so far. */
export const siteSteps = [siteDetailsStep, siteDevicesStep, siteWanLinksStep, siteLanStep, siteOverlayStep, siteAggregateObject].map(withChecks);
