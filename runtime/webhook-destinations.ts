// Where a webhook may go: a public address, or one in a network the SP allows. The API checks a
// subscription's URL when it is made or changed; every delivery checks it again on what the host
// resolves to at that moment and connects to exactly the address it checked, so a DNS answer that
// changes in between (rebinding) reaches nothing. Redirects are never followed.
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatAddress, judgeAddress, parseAddress, specialName, type Network } from './address-kinds.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A host name's addresses; rejects (with the resolver's code) when it has none. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const resolveTimeoutMs = 5000;

/** The system's resolver (getaddrinfo, as every other program here), given five seconds. */
export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no DNS answer for ${hostname} in ${resolveTimeoutMs / 1000} s`), { code: 'ETIMEOUT' })), resolveTimeoutMs);
    systemLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

export type Destination =
  | { verdict: 'allowed'; url: URL; addresses: ResolvedAddress[] }
  /** Never to be sent: the reason says why, as a field error would (`resolves to …, a loopback address; …`). */
  | { verdict: 'forbidden'; reason: string }
  /** The name has no address now: maybe later. */
  | { verdict: 'unresolved'; reason: string };

const loopbackAddresses: ResolvedAddress[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];

export class WebhookDestinations {
  private readonly allowed: readonly Network[];
  private readonly resolve: Resolve;

  /** `allowed`: the networks an SP admin opened to webhooks (WEBHOOK_ALLOWED_NETWORKS); `resolve` for tests. */
  constructor(options: { allowed?: readonly Network[]; resolve?: Resolve } = {}) {
    this.allowed = options.allowed ?? [];
    this.resolve = options.resolve ?? systemResolve;
  }

  async check(text: string): Promise<Destination> {
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol)) return { verdict: 'forbidden', reason: 'is not an http or https URL' };
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = parseAddress(hostname);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{ address: hostname, family: literal.family }];
    } else {
      const special = specialName(hostname);
      if (special === 'metadata') return { verdict: 'forbidden', reason: `is the name of a cloud metadata service (${hostname}); webhooks never go there` };
      try {
        // localhost is loopback by definition (RFC 6761), whatever a resolver says.
        addresses = special === 'loopback' ? loopbackAddresses : await this.resolve(hostname);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        return { verdict: 'unresolved', reason: special === 'private-use' ? `is a private network's name and does not resolve here (${code})` : `does not resolve (${code})` };
      }
      if (addresses.length === 0) return { verdict: 'unresolved', reason: 'does not resolve (no address)' };
    }
    // One forbidden address is enough to refuse: which one a connection would use is not ours to pick.
    for (const resolved of addresses) {
      const address = parseAddress(resolved.address);
      if (!address) return { verdict: 'forbidden', reason: `resolves to ${resolved.address}, which is not an IP address` };
      const verdict = judgeAddress(address, this.allowed);
      if (!verdict.allowed) {
        const shown = `${formatAddress(address)}${verdict.carried ? ` (${formatAddress(verdict.carried)})` : ''}`;
        const remedy = verdict.allowable ? 'an SP admin may allow that network' : 'webhooks never go there';
        return { verdict: 'forbidden', reason: `${literal ? 'is' : 'resolves to'} ${shown}, ${verdict.description}; ${remedy}` };
      }
    }
    return { verdict: 'allowed', url, addresses };
  }

  /**
   * POSTs to a destination that check() allowed, connecting only to the addresses it checked.
   * Answers the status code; a redirect is answered, not followed.
   */
  post(destination: Extract<Destination, { verdict: 'allowed' }>, request: { headers: Record<string, string>; body: string; timeoutMs: number }): Promise<number> {
    const send = destination.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(destination.url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        // A connection of its own each time: no socket kept from an earlier answer of the resolver.
        agent: false,
        lookup: pinnedLookup(destination.addresses),
        signal: AbortSignal.timeout(request.timeoutMs),
      }, (response) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      });
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A resolver that answers only the addresses already checked (an IP literal never asks one). */
function pinnedLookup(addresses: ResolvedAddress[]) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = addresses.filter((a) => !family || a.family === family);
    const first = usable[0];
    if (!first) {
      callback(Object.assign(new Error(`${hostname} has no checked address of family ${String(family)}`), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, first.address, first.family);
  };
}
