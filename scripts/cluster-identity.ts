// The identity provider `npm run cluster` runs for its Temporal Web UI and server: Branchline's own
// accounts (api/identity-provider.ts), in the supervisor's process. Its signing key, cookie key and
// clients' secrets are made on the first start and kept, readable by their owner only, so tokens
// and the Web UI's client outlive a restart.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSignInThrottle } from '../api/access/sign-in.ts';
import { identityProviderClients, listenIdentityProvider, type IdentityProviderKeys } from '../api/identity-provider.ts';
import type { PrismaClient } from '../prisma/client.ts';

export const identityProviderKeysFile = (dir: string) => join(dir, 'keys.json');

function keptKeys(dir: string): IdentityProviderKeys {
  const file = identityProviderKeysFile(dir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as IdentityProviderKeys;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys: IdentityProviderKeys = {
    signingKey: { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' },
    cookieKey: randomBytes(32).toString('base64url'),
    webUiSecret: randomBytes(32).toString('base64url'),
    serviceSecret: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.partial`, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.partial`, file);
  return keys;
}

export interface ClusterIdentityProvider {
  issuer: string;
  jwksUrl: string;
  webUiClient: { id: string; secret: string };
  serviceClient: { id: string; secret: string };
  stop(): Promise<void>;
}

export async function startClusterIdentityProvider(options: {
  prisma: PrismaClient;
  dir: string;
  host: string;
  port: number;
  /** How browsers and servers name the host in URLs. */
  hostInUrls: string;
  namespace: string;
  webUiCallback: string;
}): Promise<ClusterIdentityProvider> {
  const keys = keptKeys(options.dir);
  const issuer = `http://${options.hostInUrls}:${options.port}`;
  const { server } = await listenIdentityProvider({
    prisma: options.prisma, issuer, keys, namespace: options.namespace, webUiCallback: options.webUiCallback, host: options.host, port: options.port,
    signInThrottle: newSignInThrottle(),
  });
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    webUiClient: { id: identityProviderClients.webUi, secret: keys.webUiSecret },
    serviceClient: { id: identityProviderClients.service, secret: keys.serviceSecret },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
