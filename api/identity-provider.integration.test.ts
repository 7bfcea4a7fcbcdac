// Branchline as the OpenID provider of npm run cluster's Temporal Web UI and server, on a real
// database: who gets a token, what its permissions claim grants, and that the Temporal server
// could check it against the published key set.
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ensureBuiltinRoles } from '../inventory/roles.ts';
import { authorizationCode, claimsOf, clientCredentials } from '../scripts/identity-testing.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/testing.ts';
import { hashPassword } from './access/passwords.ts';
import { newSignInThrottle } from './access/sign-in.ts';
import { identityProviderClients, listenIdentityProvider } from './identity-provider.ts';

// This machine's share of loopback and ports.
const host = '127.176.2.1';
const port = 43_200;
const issuer = `http://${host}:${port}`;
const redirectUri = 'http://127.176.2.1:43201/auth/sso/callback';
const keys = {
  signingKey: { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' },
  cookieKey: randomBytes(32).toString('base64url'),
  webUiSecret: randomBytes(16).toString('hex'),
  serviceSecret: randomBytes(16).toString('hex'),
};
const service = { issuer, id: identityProviderClients.service, secret: keys.serviceSecret };
const webUi = { issuer, id: identityProviderClients.webUi, secret: keys.webUiSecret, redirectUri };
const password = 'a-long-enough-password';

/** Whether the token's signature checks against the key set the provider publishes, as the Temporal server checks it. */
async function signedByPublishedKey(jwt: string): Promise<boolean> {
  const { keys: published } = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
  const key = published.find((candidate) => candidate.kid === kid);
  if (!key) return false;
  return createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(createPublicKey({ key: key as never, format: 'jwk' }), Buffer.from(signature, 'base64url'));
}

describe('the identity provider', () => {
  let db: TestDatabase;
  let server: Server;
  const people: Record<string, string> = {};

  before(async () => {
    db = await createTestDatabase();
    await ensureBuiltinRoles(db.prisma);
    const tenant = await db.prisma.tenant.create({ data: { name: 'Acme', slug: 'acme', opco: { create: { name: 'Northwind' } } } });
    const watcher = await db.prisma.role.create({ data: { name: 'Run watcher', scope: 'global', permissions: { run: ['read'] } } });
    const person = async (email: string, roleId: string, extra: { tenantId?: string; disabled?: boolean } = {}) => {
      const user = await db.prisma.user.create({
        data: {
          email, displayName: email, passwordHash: await hashPassword(password), disabled: extra.disabled ?? false,
          roleBindings: { create: { roleId, tenantId: extra.tenantId ?? null } },
        },
      });
      people[email] = user.id;
    };
    const role = async (name: string) => (await db.prisma.role.findUniqueOrThrow({ where: { name } })).id;
    await person('sp@example.net', await role('SP admin'));
    await person('watcher@example.net', watcher.id);
    await person('tenant@example.net', await role('Tenant admin'), { tenantId: tenant.id });
    await person('gone@example.net', await role('SP admin'), { disabled: true });
    ({ server } = await listenIdentityProvider({
      prisma: db.prisma, issuer, keys, namespace: 'default', webUiCallback: redirectUri, signInThrottle: newSignInThrottle(), host, port,
    }));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await db?.drop();
  });

  it("gives Branchline's processes a signed token for the Temporal namespace, and refuses a wrong secret", async () => {
    const answer = await clientCredentials(service);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const token = answer.body['access_token']!;
    assert.ok(await signedByPublishedKey(token));
    const claims = claimsOf(token);
    assert.deepEqual([claims['sub'], claims['iss'], claims['permissions']], [identityProviderClients.service, issuer, ['default:admin']]);

    assert.equal((await clientCredentials({ ...service, secret: 'wrong' })).status, 401);
    // The Web UI's client signs people in; it has no tokens of its own.
    assert.equal((await clientCredentials(webUi)).status, 400);
  });

  it('signs people in with their Branchline password, their permissions from their roles', async () => {
    const expected: Record<string, string[]> = {
      'sp@example.net': ['temporal-system:admin', 'default:admin'],
      'watcher@example.net': ['temporal-system:read', 'default:read'],
      'tenant@example.net': [],
    };
    for (const [email, permissions] of Object.entries(expected)) {
      const answer = await authorizationCode(webUi, { email, password });
      assert.ok('accessToken' in answer, `${email}: ${JSON.stringify(answer)}`);
      assert.ok(await signedByPublishedKey(answer.accessToken));
      assert.deepEqual(claimsOf(answer.accessToken)['permissions'], permissions, email);
      assert.deepEqual([claimsOf(answer.idToken)['sub'], claimsOf(answer.idToken)['email']], [people[email], email]);
    }
  });

  it('refuses a wrong password, an unknown or disabled account alike, on its sign-in page', async () => {
    for (const person of [{ email: 'sp@example.net', password: 'not-the-password' }, { email: 'nobody@example.net', password }, { email: 'gone@example.net', password }]) {
      const answer = await authorizationCode(webUi, person);
      assert.ok('signInStatus' in answer, person.email);
      assert.equal(answer.signInStatus, 401);
      assert.match(answer.page, /role="alert">The email or the password is wrong, or the account is disabled\./);
    }
  });

  it('sends people back only to the Web UI it knows', async () => {
    const query = new URLSearchParams({ client_id: webUi.id, response_type: 'code', scope: 'openid', redirect_uri: 'http://elsewhere.example/callback' });
    const answer = await fetch(`${issuer}/auth?${query}`, { redirect: 'manual' });
    assert.equal(answer.status, 400);
    assert.match(await answer.text(), /redirect_uri did not match any of the client&#39;s registered redirect_uris/);
  });
});
