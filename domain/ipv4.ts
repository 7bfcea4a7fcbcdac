// IPv4 addresses as numbers, for the inventory's address arithmetic (allocation pools, LAN
// prefixes, the simulator's loopback addresses). Pure: shared by the API, activities and simulator.

/** The number of a dotted-quad address, or undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets.reduce((n, octet) => n * 256 + octet, 0) : undefined;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

/** `a.b.c.d/len` as its address and length, or undefined when it is not one. */
export function parseIpv4Prefix(text: string): { address: number; length: number } | undefined {
  const [address, length, ...rest] = text.split('/');
  const parsed = parseIpv4(address ?? '');
  if (parsed === undefined || length === undefined || rest.length > 0 || !/^\d{1,2}$/.test(length) || Number(length) > 32) return undefined;
  return { address: parsed, length: Number(length) };
}

/**
 * The network an address with its prefix length is in, host bits ignored (`192.0.2.10/30` is in
 * 192.0.2.8 … 192.0.2.11); `aligned` when the text names the network itself. Undefined when it is no prefix.
 */
export function ipv4Network(text: string): { first: number; last: number; length: number; aligned: boolean } | undefined {
  const parsed = parseIpv4Prefix(text);
  if (!parsed) return undefined;
  const size = 2 ** (32 - parsed.length);
  const first = Math.floor(parsed.address / size) * size;
  return { first, last: first + size - 1, length: parsed.length, aligned: first === parsed.address };
}
