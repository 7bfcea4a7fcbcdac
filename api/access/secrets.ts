// Bearer secrets (API tokens, session cookies): random, shown once, stored as their sha256.
import { createHash, randomBytes } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `bl_<prefix>_<secret>`: the prefix is kept in clear so people can tell their tokens apart. */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const prefix = randomBytes(4).toString('hex');
  const token = `bl_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { token, prefix, hash: sha256Hex(token) };
}

export function newSessionToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}
