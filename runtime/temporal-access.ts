// How Branchline's own processes (API, workers, setup) reach Temporal: over TLS or not, and, before
// a server that checks tokens (Temporal's default authorizer, as docker-compose.yml runs it), with
// the access token of Branchline's client at the identity provider — obtained by the OAuth 2.0
// client-credentials grant and renewed before it expires.
import type { ConnectionOptions } from '@temporalio/client';
import { ConfigError, type Config } from './config.ts';

/** Branchline's client at the identity provider. */
export interface ServiceClient {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
}

/** Where a renewal that failed is told (pino's shape). */
interface WarningLog {
  warn(details: object, message: string): void;
}

const requestTimeoutMs = 10_000;
const retryMs = 10_000;

async function tokenEndpointOf(issuerUrl: string): Promise<string> {
  const url = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(requestTimeoutMs) });
  if (!response.ok) throw new Error(`its discovery document ${url} answered ${response.status}`);
  const { token_endpoint: endpoint } = (await response.json()) as { token_endpoint?: unknown };
  if (typeof endpoint !== 'string') throw new Error(`its discovery document ${url} names no token_endpoint`);
  return endpoint;
}

async function requestToken(endpoint: string, client: ServiceClient): Promise<{ value: string; lifetimeMs: number }> {
  // client_secret_basic (RFC 6749, 2.3.1): the id and secret form-encoded, then base64.
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(client.scope ? { scope: client.scope } : {}) }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  const answer = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
  if (!response.ok || typeof answer.access_token !== 'string') {
    const reason = [answer.error, answer.error_description].filter((part) => typeof part === 'string').join(': ');
    throw new Error(`it refused client ${client.clientId} a token (${response.status}${reason ? ` ${reason}` : ''})`);
  }
  // An answer without a lifetime is renewed as if it lasted five minutes.
  const seconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 300;
  return { value: answer.access_token, lifetimeMs: seconds * 1000 };
}

/** The access token Branchline shows Temporal, kept fresh: renewed at three quarters of its life. */
export class ServiceToken {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners: ((value: string) => void)[] = [];

  private constructor(
    private readonly endpoint: string,
    private readonly client: ServiceClient,
    private value: string,
    private readonly log: WarningLog,
  ) {}

  /** The first token, or a sentence saying why there is none (the process cannot work without it). */
  static async obtain(client: ServiceClient, log: WarningLog): Promise<ServiceToken> {
    try {
      const endpoint = await tokenEndpointOf(client.issuerUrl);
      const first = await requestToken(endpoint, client);
      const token = new ServiceToken(endpoint, client, first.value, log);
      token.renewIn(first.lifetimeMs * 0.75);
      return token;
    } catch (error) {
      throw new ConfigError(
        `Branchline could not get its token for Temporal from the identity provider ${client.issuerUrl}: ${(error as Error).message}. ` +
        'Check OIDC_ISSUER_URL, TEMPORAL_OAUTH_CLIENT_ID and TEMPORAL_OAUTH_CLIENT_SECRET.',
      );
    }
  }

  get current(): string {
    return this.value;
  }

  /** Called with each renewed token (a worker's native connection is handed it this way). */
  onRenewal(listener: (value: string) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private renewIn(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.renew(), Math.max(1000, delayMs));
    // The token never keeps a process alive by itself (setup ends when its work does).
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const next = await requestToken(this.endpoint, this.client);
      this.value = next.value;
      for (const listener of this.listeners) listener(next.value);
      this.renewIn(next.lifetimeMs * 0.75);
    } catch (error) {
      // The current token may still be good for a while: keep it, and ask again soon.
      this.log.warn({ err: error, issuer: this.client.issuerUrl }, `could not renew the token for Temporal; trying again in ${retryMs / 1000} s`);
      this.renewIn(retryMs);
    }
  }
}

/** How a process connects to Temporal: TLS (with the system's certificate authorities) or not, and the token if any. */
export interface TemporalAccess {
  tls: boolean;
  token?: ServiceToken | undefined;
}

/** Branchline's client at the identity provider, when the configuration names one. */
export function serviceClientOf(config: Config): ServiceClient | undefined {
  if (!config.TEMPORAL_OAUTH_CLIENT_ID || !config.TEMPORAL_OAUTH_CLIENT_SECRET || !config.OIDC_ISSUER_URL) return undefined;
  return { issuerUrl: config.OIDC_ISSUER_URL, clientId: config.TEMPORAL_OAUTH_CLIENT_ID, clientSecret: config.TEMPORAL_OAUTH_CLIENT_SECRET, scope: config.TEMPORAL_OAUTH_SCOPE };
}

export async function temporalAccess(config: Config, log: WarningLog): Promise<TemporalAccess> {
  const client = serviceClientOf(config);
  return { tls: config.TEMPORAL_TLS, token: client ? await ServiceToken.obtain(client, log) : undefined };
}

/** A client connection's options. The token is read on every call, so a renewal applies at once. */
export function clientConnectionOptions(address: string, access: TemporalAccess): ConnectionOptions {
  const { token } = access;
  // Said outright: the SDK would otherwise switch to TLS as soon as there is a key.
  return { address, tls: access.tls ? {} : false, ...(token ? { apiKey: () => token.current } : {}) };
}
