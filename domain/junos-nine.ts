// Junos's "$9$" secrets. A Junos device keeps a secret it was given in plain text — an IKE
// pre-shared key's ascii-text, a PPPoE CHAP secret, a PAP password — as a "$9$" string, and shows
// it so in its configuration: an obfuscation anyone can reverse (a salt, random padding, then each
// byte spelt as gaps between letters of a fixed alphabet), not encryption. Branchline reverses it
// to recognise its own secrets in what a device reports, and to compare two configurations whose
// secrets the device spelt with different salts.

const families = ['QzF3n6/9CAtpu0O', 'B1IREhcSyrleKvMW8LXx', '7N-dVbwsY2g4oaJZGUDj', 'iHkq.mPf5T'];
const alphabet = families.join('');
const indexOf = new Map([...alphabet].map((letter, index) => [letter, index]));
/** How many letters of padding follow a salt: 3 less its family's number. */
const padding = new Map(families.flatMap((family, number) => [...family].map((letter) => [letter, 3 - number] as const)));
/** Each byte in turn is spelt with this many gaps, weighted so. */
const weights = [[1, 4, 32], [1, 16, 32], [1, 8, 32], [1, 64], [1, 32], [1, 4, 16, 128], [1, 32, 64]];
const prefix = '$9$';

export const isNine = (text: string) => text.startsWith(prefix);

/** The secret a "$9$" string spells, or undefined when it is not one. */
export function revealNine(text: string): string | undefined {
  if (!isNine(text)) return undefined;
  const letters = [...text.slice(prefix.length)];
  const salt = letters.shift();
  const skip = salt === undefined ? undefined : padding.get(salt);
  if (skip === undefined || letters.length < skip || letters.some((letter) => !indexOf.has(letter))) return undefined;
  letters.splice(0, skip);
  const bytes: number[] = [];
  let previous = salt!;
  while (letters.length > 0) {
    const weight = weights[bytes.length % weights.length]!;
    if (letters.length < weight.length) return undefined;
    let value = 0;
    for (const factor of weight) {
      const letter = letters.shift()!;
      const gap = ((indexOf.get(letter)! - indexOf.get(previous)! + alphabet.length) % alphabet.length) - 1;
      value += gap * factor;
      previous = letter;
    }
    bytes.push(value % 256);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A secret spelt as Junos keeps it; `random` (0 ≤ r < 1) picks the salt and the padding. */
export function obfuscateNine(secret: string, random: () => number = Math.random): string {
  const pick = () => alphabet[Math.floor(random() * alphabet.length)]!;
  const salt = pick();
  let spelt = prefix + salt + Array.from({ length: padding.get(salt)! }, pick).join('');
  let previous = salt;
  [...Buffer.from(secret, 'utf8')].forEach((byte, position) => {
    const weight = weights[position % weights.length]!;
    const gaps: number[] = [];
    let rest = byte;
    for (const factor of [...weight].reverse()) {
      gaps.unshift(Math.floor(rest / factor));
      rest %= factor;
    }
    for (const gap of gaps) {
      previous = alphabet[(indexOf.get(previous)! + gap + 1) % alphabet.length]!;
      spelt += previous;
    }
  });
  return spelt;
}

/** One spelling for every "$9$" string of the same secret (a fixed salt), so that two configurations compare by their secrets. */
export function canonicalNine(text: string): string {
  const secret = revealNine(text);
  return secret === undefined ? text : obfuscateNine(secret, () => 0);
}
