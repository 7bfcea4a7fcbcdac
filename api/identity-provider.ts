// Branchline as an OpenID Provider for its own accounts, so the production topology's Temporal Web
// UI and Temporal server check people and processes against Branchline itself (README, "The
// Temporal Web UI and who sees it"). Two clients: the Web UI's (authorization code; a person signs in
// here with their Branchline email and password) and Branchline's processes' (client credentials).
// Access tokens are JWTs signed with the key the Temporal server reads from the key set, carrying
// the `permissions` claim its default claim mapper reads: derived from the person's roles at the
// moment the token is issued, so a role taken away stops working at the next token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { PrismaClient } from '../prisma/client.ts';
import { principalOf } from './access/principal.ts';
import { checkPassword, type SignInThrottle } from './access/sign-in.ts';
import { addressKey } from './access/throttle.ts';
import { MemoryStore } from './identity-provider-store.ts';

/** What the identity provider keeps across restarts: its signing key, cookie key and its clients' secrets. */
export interface IdentityProviderKeys {
  /** The RSA private key tokens are signed with, as a JWK. */
  signingKey: Record<string, unknown>;
  cookieKey: string;
  webUiSecret: string;
  serviceSecret: string;
}

export interface IdentityProviderOptions {
  prisma: PrismaClient;
  /** Where it is reached, by browsers and by the servers alike: `http://host:port`. */
  issuer: string;
  keys: IdentityProviderKeys;
  /** The Temporal namespace the permissions name. */
  namespace: string;
  /** The Web UI's sign-in callback (`<Web UI>/auth/sso/callback`). */
  webUiCallback: string;
  signInThrottle: SignInThrottle;
}

export const identityProviderClients = { webUi: 'temporal-web-ui', service: 'branchline' } as const;
/** The audience of the access tokens: the Temporal cluster, the one resource server here. */
const temporalAudience = 'urn:branchline:temporal';
const accessTokenSeconds = 3600;

/**
 * What a person may do through the Temporal Web UI, as the server's default authorizer reads it.
 * The Web UI shows every tenant's runs, so only those who reach every tenant's runs in Branchline
 * get anything: those who run operations everywhere (SP admins) administer, those who only read
 * everywhere read; everyone else signs in and sees nothing.
 */
export async function temporalPermissionsOf(prisma: PrismaClient, userId: string, namespace: string): Promise<string[]> {
  const user = await prisma.user.findUnique({ where: { id: userId }, include: { roleBindings: { include: { role: true } } } });
  if (!user || user.disabled) return [];
  const principal = await principalOf(prisma, { type: 'user', id: user.id, name: user.email }, user.roleBindings);
  if (principal.isGlobal('run', 'execute')) return ['temporal-system:admin', `${namespace}:admin`];
  if (principal.opensTemporalWebUi) return ['temporal-system:read', `${namespace}:read`];
  return [];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(uid: string, problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in — Branchline</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.3rem 0}input{padding:.4rem}button{padding:.5rem;margin-top:1rem}p[role=alert]{color:#b00}</style>
</head><body>
<h1>Sign in to the Temporal Web UI</h1>
<p>With your Branchline account.</p>
${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></body></html>`;
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new errors.InvalidRequest('the form is too large');
  }
  return new URLSearchParams(body);
}

export function createIdentityProvider(options: IdentityProviderOptions): Provider {
  const { prisma, namespace } = options;
  const configuration: Configuration = {
    adapter: MemoryStore,
    clients: [
      {
        client_id: identityProviderClients.webUi, client_secret: options.keys.webUiSecret,
        redirect_uris: [options.webUiCallback], grant_types: ['authorization_code'], response_types: ['code'],
      },
      {
        client_id: identityProviderClients.service, client_secret: options.keys.serviceSecret,
        redirect_uris: [], grant_types: ['client_credentials'], response_types: [],
      },
    ],
    jwks: { keys: [options.keys.signingKey] },
    cookies: { keys: [options.keys.cookieKey] },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
    findAccount: async (_ctx, id) => {
      const user = await prisma.user.findUnique({ where: { id }, select: { id: true, email: true, displayName: true, disabled: true } });
      if (!user || user.disabled) return undefined;
      return { accountId: user.id, claims: () => ({ sub: user.id, email: user.email, name: user.displayName }) };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Every access token is for the Temporal cluster, a JWT its authorizer can check offline.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => temporalAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== temporalAudience) throw new errors.InvalidTarget();
          return { scope: 'temporal', audience: temporalAudience, accessTokenTTL: accessTokenSeconds, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind === 'ClientCredentials') {
        // Branchline's processes start, signal and query runs and register search attributes.
        return { permissions: token.clientId === identityProviderClients.service ? [`${namespace}:admin`] : [] };
      }
      return { permissions: token.accountId ? await temporalPermissionsOf(prisma, token.accountId, namespace) : [] };
    },
    // The Web UI is Branchline's operators' own tool: signing in is consent enough.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      grant.addResourceScope(temporalAudience, 'temporal');
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: accessTokenSeconds, ClientCredentials: accessTokenSeconds, IdToken: accessTokenSeconds, Interaction: 600, Session: 12 * 3600, Grant: 12 * 3600 },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1><p>${escapeHtml(String(out['error_description'] ?? out['error']))}</p>`;
    },
  };
  return new Provider(options.issuer, configuration);
}

/** The sign-in page of one interaction: the form, and its answer. */
async function signIn(provider: Provider, options: IdentityProviderOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const page = (status: number, problem?: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(signInPage(details.uid, problem));
  };
  if (req.method === 'GET') return page(200);
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
  const form = await formOf(req);
  const check = await checkPassword(options.prisma, options.signInThrottle, {
    network: addressKey(req.socket.remoteAddress), email: (form.get('email') ?? '').trim().toLowerCase(), password: form.get('password') ?? '',
  });
  if (check.outcome === 'throttled') return page(429, `Too many failed sign-ins: try again in ${check.waitSeconds} s.`);
  if (check.outcome === 'refused') return page(401, 'The email or the password is wrong, or the account is disabled.');
  await provider.interactionFinished(req, res, { login: { accountId: check.user.id } }, { mergeWithLastSubmission: false });
}

/** Listens on host:port: the provider's endpoints, and the sign-in page its interactions lead to. */
export async function listenIdentityProvider(options: IdentityProviderOptions & { host: string; port: number }): Promise<{ provider: Provider; server: Server }> {
  const provider = createIdentityProvider(options);
  const endpoints = provider.callback();
  const server = createServer((req, res) => {
    if (!/^\/interaction\/[\w-]+$/.test(req.url ?? '')) return void endpoints(req, res);
    signIn(provider, options, req, res).catch((error: unknown) => {
      // An interaction that expired or whose cookie is gone: the person starts again from the Web UI.
      const status = error instanceof errors.OIDCProviderError ? error.statusCode : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(error as Error).message}: open the Temporal Web UI again to sign in.`);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host, resolve));
  return { provider, server };
}
