// Secrets at rest (device credentials): sealed with AES-256-GCM under a key derived from the
// deployment's key (SECRETS_KEY) for one purpose, so a key for one use opens nothing else. A
// sealed value names its format version; it opens only under the key and purpose that sealed it,
// and a changed byte makes it refuse to open rather than yield something wrong.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const format = 'v1';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** Whether a stored value is a sealed secret (rather than text stored before it was sealed). */
export function isSealed(value: string): boolean {
  return /^v1:[\w-]+:[\w-]+:[\w-]*$/.test(value);
}

/** A box for one purpose ("device-credentials", …) under the deployment's 32-byte key. */
export function secretBox(deploymentKey: Buffer, purpose: string): SecretBox {
  if (deploymentKey.length < 32) throw new SecretBoxError('The deployment key must be at least 32 bytes.');
  const key = Buffer.from(hkdfSync('sha256', deploymentKey, Buffer.alloc(0), `branchline/${purpose}`, 32));
  const aad = Buffer.from(`${format}/${purpose}`);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [format, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
    },
    open(sealed) {
      const [version, iv, tag, ciphertext, ...rest] = sealed.split(':');
      if (version !== format || !iv || !tag || ciphertext === undefined || rest.length > 0) throw new SecretBoxError('Not a sealed secret.');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(aad);
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('The secret does not open with this deployment key: was SECRETS_KEY changed?');
      }
    },
  };
}
