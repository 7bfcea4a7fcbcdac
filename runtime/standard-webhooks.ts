// Signatures in the Standard Webhooks style (standardwebhooks.com): HMAC-SHA256 over
// "<id>.<timestamp>.<body>", keyed with the base64-decoded part of the secret after `whsec_` (as
// the official libraries do), sent as `webhook-signature: v1,<base64>`
// beside `webhook-id` and `webhook-timestamp`. Outbound callbacks are signed this way, and ITSM
// change requests coming in must be: one scheme, one implementation.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const secretPrefix = 'whsec_';
/** How far a timestamp may be from now: older requests are refused as replays. */
export const toleranceSeconds = 5 * 60;

export function newSigningSecret(): string {
  return secretPrefix + randomBytes(24).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, 'base64');
}

export function sign(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export function signedHeaders(secret: string, id: string, body: string, now = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(secret, id, timestamp, body) };
}

export type VerifyFailure = 'missing-headers' | 'stale-timestamp' | 'bad-signature';

/** Checks the headers of a signed request; the body must be the bytes as they arrived. */
export function verify(
  secret: string,
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  body: Buffer | string,
  now = new Date(),
): { ok: true; id: string; timestamp: number } | { ok: false; reason: VerifyFailure } {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing-headers' };
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };
  const expected = Buffer.from(sign(secret, id, seconds, body));
  // Several signatures may be sent (while a secret is being rotated): one good one is enough.
  const good = signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return good ? { ok: true, id, timestamp: seconds } : { ok: false, reason: 'bad-signature' };
}
