// Finds the principal of a request: an API token in `Authorization: Bearer`, or a person's
// session cookie. Both are looked up by the sha256 of the secret; revoked, expired or disabled
// ones are as good as none.
import type { Request } from 'express';
import type { PrismaClient } from '../../prisma/client.ts';
import { HttpProblem } from '../problems.ts';
import { principalOf, type Principal } from './principal.ts';
import { sha256Hex } from './secrets.ts';

export const sessionCookie = 'branchline_session';

export const unauthenticated = (detail: string) =>
  new HttpProblem(401, 'unauthenticated', 'Sign-in required', detail);

/** The cookie's value; one that is not valid percent-encoding (`%`) is no cookie we set, so none. */
export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

const grantSelect = { opcoId: true, tenantId: true, role: { select: { name: true, scope: true, permissions: true } } } as const;

/** How long a token's principal is reused without reading the database again. */
const tokenCacheMs = 5_000;
/** How long before that the token is read again, in the background: no request waits for the read. */
const refreshAheadMs = 1_000;
/** Tokens (and their last-use marks) kept in memory at most; beyond, the oldest entry goes. */
const maxRemembered = 10_000;

/** Sets a key in an insertion-ordered map, forgetting the oldest entry past the bound. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > maxRemembered) map.delete(map.keys().next().value!);
}

interface TokenEntry {
  principal: Promise<Principal>;
  tokenId?: string;
  until: number;
  /** Being read again ahead of `until`. */
  refreshing?: boolean;
}

export function createAuthenticator(prisma: PrismaClient) {
  /** When each token's last use was recorded: once a minute is enough, not one write per request. */
  const lastUseRecorded = new Map<string, number>();
  /**
   * Machines call often: a token's principal is kept for a few seconds, never past the token's
   * expiry. Revoking through this process forgets it at once; another API process notices within
   * tokenCacheMs. The lookup itself is shared: requests arriving while it is under way wait for it
   * rather than each reading the token again (at a few hundred requests a second, a slow lookup
   * would otherwise be repeated by every request behind it). A token in use is read again in the
   * last second of its entry while the entry still answers, so requests wait for no read of it
   * (one waiting for the shared read was a start's slowest percent under reads), and the new
   * principal replaces the old only once read: a revoked token still stops within tokenCacheMs.
   */
  const tokens = new Map<string, TokenEntry>();

  function byToken(token: string): Promise<Principal> {
    const hash = sha256Hex(token);
    const cached = tokens.get(hash);
    const now = Date.now();
    if (cached && cached.until > now) {
      if (cached.until - now < refreshAheadMs && !cached.refreshing) readAgain(hash, cached);
      return cached.principal;
    }
    if (cached) tokens.delete(hash);
    const entry = tokenEntry(hash);
    remember(tokens, hash, entry);
    return entry.principal;
  }

  /** The token's entry, whose principal is read from the database. */
  function tokenEntry(hash: string): TokenEntry {
    const entry: TokenEntry = {
      principal: lookUpToken(hash).then(({ principal, expiresAt }) => {
        entry.tokenId = principal.actor.id;
        entry.until = Math.min(Date.now() + tokenCacheMs, expiresAt.getTime());
        return principal;
      }, (error: unknown) => {
        // Nothing is kept of a refused or failed lookup: the next request asks again.
        if (tokens.get(hash) === entry) tokens.delete(hash);
        throw error;
      }),
      until: Date.now() + tokenCacheMs,
    };
    return entry;
  }

  /** Reads the token again while its entry answers; the entry gives way once read, and goes if the read fails. */
  function readAgain(hash: string, cached: TokenEntry): void {
    cached.refreshing = true;
    const next = tokenEntry(hash);
    next.principal.then(
      // Revoked meanwhile through this process (forgetToken): the entry is gone, and stays gone.
      () => { if (tokens.get(hash) === cached) remember(tokens, hash, next); },
      () => { if (tokens.get(hash) === cached) tokens.delete(hash); },
    );
  }

  async function lookUpToken(hash: string): Promise<{ principal: Principal; expiresAt: Date }> {
    const row = await prisma.apiToken.findUnique({
      where: { tokenHash: hash },
      select: { id: true, name: true, tenantId: true, expiresAt: true, revokedAt: true, role: grantSelect.role },
    });
    if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) throw unauthenticated('The API token is unknown, expired or revoked.');
    if ((lastUseRecorded.get(row.id) ?? 0) < Date.now() - 60_000) {
      remember(lastUseRecorded, row.id, Date.now());
      void prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
    }
    const principal = await principalOf(prisma, { type: 'api_token', id: row.id, name: row.name }, [{ opcoId: null, tenantId: row.tenantId, role: row.role }]);
    return { principal, expiresAt: row.expiresAt };
  }

  async function bySession(token: string): Promise<Principal> {
    const session = await prisma.userSession.findUnique({
      where: { tokenHash: sha256Hex(token) },
      select: { expiresAt: true, user: { select: { id: true, email: true, disabled: true, roleBindings: { select: grantSelect } } } },
    });
    if (!session || session.expiresAt <= new Date() || session.user.disabled) throw unauthenticated('Your session has ended; sign in again.');
    return principalOf(prisma, { type: 'user', id: session.user.id, name: session.user.email }, session.user.roleBindings);
  }

  async function authenticate(req: Request): Promise<Principal> {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthenticated('Authorization must be "Bearer <API token>".');
      return byToken(token);
    }
    const session = cookieValue(req, sessionCookie);
    if (!session) throw unauthenticated('Sign in, or send an API token as "Authorization: Bearer <token>".');
    // A cookie rides along with any request the browser makes: changes must come from our own pages.
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin && hostOf(origin) !== req.headers.host) {
      throw new HttpProblem(403, 'forbidden', 'Forbidden', 'A change with a session cookie must come from the Branchline UI itself.');
    }
    return bySession(session);
  }

  /** A revoked token stops working at once in this process. */
  function forgetToken(tokenId: string): void {
    // A lookup still under way may be of this very token: it goes too.
    for (const [hash, entry] of tokens) if (entry.tokenId === tokenId || entry.tokenId === undefined) tokens.delete(hash);
  }

  return Object.assign(authenticate, { forgetToken });
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
