// SHA-512-crypt (`$6$`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"): the scheme Junos
// keeps login passwords in (`system login user … authentication encrypted-password`). Branchline
// hashes a new device password with it; the simulated device checks logins against it as Junos does.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const defaultRounds = 5000;
const sha512 = (...parts: Buffer[]) => {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** `length` bytes of `digest` repeated (the spec's P and S sequences). */
const repeated = (digest: Buffer, length: number) => Buffer.concat(Array.from({ length: Math.ceil(length / 64) }, () => digest)).subarray(0, length);

/** The spec's own base-64: three bytes at a time, in its byte order, least significant six bits first. */
function encode(digest: Buffer): string {
  const order = [[0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51],
    [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41]];
  const chars = (value: number, count: number) => Array.from({ length: count }, (_, i) => alphabet[(value >> (6 * i)) & 63]).join('');
  return order.map(([a, b, c]) => chars((digest[a!]! << 16) | (digest[b!]! << 8) | digest[c!]!, 4)).join('') + chars(digest[63]!, 2);
}

function digestOf(password: Buffer, salt: Buffer, rounds: number): Buffer {
  const b = sha512(password, salt, password);
  const a = createHash('sha512').update(password).update(salt).update(repeated(b, password.length));
  for (let n = password.length; n > 0; n >>= 1) a.update(n & 1 ? b : password);
  let c = a.digest();
  const p = repeated(sha512(...Array.from({ length: password.length }, () => password)), password.length);
  const s = repeated(sha512(...Array.from({ length: 16 + c[0]! }, () => salt)), salt.length);
  for (let round = 0; round < rounds; round += 1) {
    c = sha512(round & 1 ? p : c, ...(round % 3 ? [s] : []), ...(round % 7 ? [p] : []), round & 1 ? c : p);
  }
  return c;
}

/** `$6$[rounds=N$]salt$hash` of the password: a given setting (salt and rounds) as crypt(3) reads it, else a new random salt. */
export function sha512Crypt(password: string, setting?: string): string {
  const parsed = /^\$6\$(?:rounds=(\d+)\$)?([^$]*)/.exec(setting ?? `$6$${randomSalt()}`);
  if (!parsed) throw new Error('A SHA-512-crypt setting starts with $6$.');
  const explicitRounds = parsed[1] !== undefined;
  const rounds = explicitRounds ? Math.min(999_999_999, Math.max(1000, Number(parsed[1]))) : defaultRounds;
  const salt = parsed[2]!.slice(0, 16);
  const hash = encode(digestOf(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), rounds));
  return `$6$${explicitRounds ? `rounds=${rounds}$` : ''}${salt}$${hash}`;
}

/** Whether the password is the one `encrypted` was made from (a `$6$` hash; anything else never matches). */
export function sha512CryptMatches(password: string, encrypted: string): boolean {
  if (!/^\$6\$(?:rounds=\d+\$)?[^$]{0,16}\$[./0-9A-Za-z]{86}$/.test(encrypted)) return false;
  const computed = Buffer.from(sha512Crypt(password, encrypted));
  const expected = Buffer.from(encrypted);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

function randomSalt(): string {
  return [...randomBytes(16)].map((byte) => alphabet[byte & 63]).join('');
}
