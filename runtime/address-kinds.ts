// What kind of place an IP address is, for deciding where webhooks may go: only public addresses,
// and the networks an SP admin allows (WEBHOOK_ALLOWED_NETWORKS). Pure: the API checks a
// subscription's URL with it, the worker every delivery, the configuration its allowance.
import { isIPv4, isIPv6 } from 'node:net';
import { parseIpv4 } from '../domain/ipv4.ts';

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface Network {
  family: 4 | 6;
  base: bigint;
  length: number;
  text: string;
}

export type AddressKind =
  | 'public' | 'unspecified' | 'this-network' | 'loopback' | 'private' | 'shared' | 'link-local' | 'metadata'
  | 'unique-local' | 'multicast' | 'broadcast' | 'reserved';

const descriptions: Record<Exclude<AddressKind, 'public'>, string> = {
  unspecified: 'an unspecified address',
  'this-network': "a 'this network' address",
  loopback: 'a loopback address',
  private: 'a private address',
  shared: 'a carrier-grade NAT address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata service',
  'unique-local': 'a unique local address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function ipv6Value(text: string): bigint | undefined {
  if (!isIPv6(text)) return undefined;
  let body = text;
  let tail: number[] = [];
  // A dotted quad at the end (::ffff:127.0.0.1) is the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (quad) {
    const v4 = parseIpv4(quad[1]!);
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    body = body.slice(0, -quad[1]!.length);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', rest] = body.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = groupsOf(head);
  const right = [...(rest === undefined ? [] : groupsOf(rest)), ...tail];
  const groups = rest === undefined ? [...left, ...right] : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** An address as DNS answers it or a URL holds it (IPv6 without brackets; a zone id is ignored); undefined when it is none. */
export function parseAddress(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, value: BigInt(parseIpv4(bare)!) };
  const value = ipv6Value(bare);
  return value === undefined ? undefined : { family: 6, value };
}

export function formatAddress(address: IpAddress): string {
  if (address.family === 4) return [24n, 16n, 8n, 0n].map((shift) => (address.value >> shift) & 255n).join('.');
  const groups = [...Array(8).keys()].map((i) => Number((address.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The longest run of zero groups (two or more) becomes ::, as RFC 5952 writes it.
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > best.length) best = { start, length };
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** `a.b.c.d/len`, `x::/len`, or a lone address (a network of one); the reason when it is none. */
export function parseNetwork(text: string): Network | string {
  const [addressText = '', lengthText, ...rest] = text.trim().split('/');
  const address = parseAddress(addressText);
  if (!address || rest.length > 0) return `${text.trim()} is not an address or a network such as 10.20.0.0/16 or fd00:1::/64`;
  const length = lengthText === undefined ? bits(address.family) : /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : NaN;
  if (!(length <= bits(address.family))) return `${text.trim()} has a prefix length that is not 0 to ${bits(address.family)}`;
  const hostBits = address.value & ((1n << BigInt(bits(address.family) - length)) - 1n);
  // 10.0.0.1/8 is likelier a typo than a wish to allow 10/8: say so rather than guess.
  if (hostBits !== 0n) {
    return `${text.trim()} has bits set beyond its prefix length (the network is ${formatAddress({ family: address.family, value: address.value - hostBits })}/${length})`;
  }
  return { family: address.family, base: address.value, length, text: `${formatAddress(address)}/${length}` };
}

function contains(network: Network, address: IpAddress): boolean {
  if (network.family !== address.family) return false;
  const host = BigInt(bits(network.family) - network.length);
  return address.value >> host === network.base >> host;
}

/** A comma- or space-separated list of networks, or every reason it is not one. */
export function parseNetworks(text: string): { networks: Network[] } | { problems: string[] } {
  const parsed = text.split(/[\s,]+/).filter(Boolean).map(parseNetwork);
  const problems = parsed.filter((entry): entry is string => typeof entry === 'string');
  return problems.length > 0 ? { problems } : { networks: parsed as Network[] };
}

function network(text: string): Network {
  const parsed = parseNetwork(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

/** Most specific first: the first that contains an address says what it is. */
const specialNetworks: [Network, AddressKind][] = ([
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'this-network'],
  ['10.0.0.0/8', 'private'],
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud's, inside the carrier-grade NAT range
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.169.254/32', 'metadata'], // AWS, Google Cloud, Azure, OpenStack…
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'metadata'], // AWS's, over IPv6
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // site-local, deprecated but still routed by some stacks
  ['ff00::/8', 'multicast'],
  ['2001::/32', 'reserved'], // Teredo: the IPv4 end is hidden in the address
  ['2001:db8::/32', 'reserved'],
  ['3fff::/20', 'reserved'],
  ['64:ff9b:1::/48', 'private'],
] as const).map(([text, kind]) => [network(text), kind]);

/** IPv6 prefixes that carry an IPv4 address, and where: such an address goes where its IPv4 one does. */
const carriers: { network: Network; shift: bigint }[] = [
  { network: network('::ffff:0:0/96'), shift: 0n }, // IPv4-mapped
  { network: network('64:ff9b::/96'), shift: 0n }, // NAT64
  { network: network('2002::/16'), shift: 80n }, // 6to4
];

const globalUnicast = network('2000::/3');

export interface Classified {
  kind: AddressKind;
  /** The IPv4 address an IPv6 one carries (IPv4-mapped, NAT64, 6to4): what it was classified by. */
  carried?: IpAddress;
}

export function classifyAddress(address: IpAddress): Classified {
  if (address.family === 6) {
    const carrier = carriers.find((c) => contains(c.network, address));
    if (carrier) {
      const carried: IpAddress = { family: 4, value: (address.value >> carrier.shift) & 0xffffffffn };
      return { kind: classifyAddress(carried).kind, carried };
    }
  }
  const special = specialNetworks.find(([net]) => contains(net, address));
  if (special) return { kind: special[1] };
  // Outside 2000::/3 nothing is assigned for the public internet.
  if (address.family === 6 && !contains(globalUnicast, address)) return { kind: 'reserved' };
  return { kind: 'public' };
}

export type Verdict =
  | { allowed: true }
  /** `allowable`: an SP admin may open its network; otherwise nothing can. */
  | { allowed: false; kind: AddressKind; description: string; allowable: boolean; carried?: IpAddress };

/**
 * Kinds no allowance opens: metadata services hand out the host's cloud credentials, and no
 * receiver lives at the others (0.0.0.0 reaches this very host's services on Linux).
 */
const neverAllowed: ReadonlySet<AddressKind> = new Set(['metadata', 'unspecified', 'this-network', 'multicast', 'broadcast']);

/** Whether a webhook may go to an address: a public one, or one in a network the SP allows. */
export function judgeAddress(address: IpAddress, allowed: readonly Network[]): Verdict {
  const { kind, carried } = classifyAddress(address);
  if (kind === 'public') return { allowed: true };
  const allowable = !neverAllowed.has(kind);
  if (allowable && allowed.some((net) => contains(net, address) || (carried !== undefined && contains(net, carried)))) return { allowed: true };
  return { allowed: false, kind, description: descriptions[kind], allowable, ...(carried ? { carried } : {}) };
}

/** Names of cloud metadata services: refused by name, whatever they resolve to here. */
const metadataNames = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** How a host name is special before any DNS answer: metadata, loopback by definition (RFC 6761), or for private networks only. */
export function specialName(hostname: string): 'metadata' | 'loopback' | 'private-use' | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (metadataNames.has(name)) return 'metadata';
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  if (/\.(internal|local|localdomain|home\.arpa|lan)$/.test(name) || name === 'internal') return 'private-use';
  return undefined;
}
