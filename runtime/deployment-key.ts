// The deployment's key, which seals secrets at rest: SECRETS_KEY, or — outside production — one
// generated once into the data directory, which every process of the deployment then reads.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, deploymentKeyBytes, type Config } from './config.ts';

export function deploymentKey(config: Pick<Config, 'SECRETS_KEY' | 'NODE_ENV' | 'secretsKeyFile'>): Buffer {
  if (config.SECRETS_KEY) return deploymentKeyBytes(config.SECRETS_KEY)!;
  if (config.NODE_ENV === 'production') throw new ConfigError('In production, set SECRETS_KEY (openssl rand -hex 32): device credentials are sealed with it.');
  mkdirSync(dirname(config.secretsKeyFile), { recursive: true, mode: 0o700 });
  // Written whole, then linked into place: of processes starting together, one key wins and
  // nobody reads a half-written file.
  const draft = `${config.secretsKeyFile}.${process.pid}`;
  writeFileSync(draft, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, config.secretsKeyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  const key = deploymentKeyBytes(readFileSync(config.secretsKeyFile, 'utf8').trim());
  if (!key) throw new ConfigError(`${config.secretsKeyFile} does not hold a 32-byte key; remove it only if no credentials were sealed with it.`);
  return key;
}
