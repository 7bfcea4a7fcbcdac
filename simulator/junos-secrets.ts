// What a Junos device does with a secret it is given in plain text: it keeps it, and shows it, as
// a "$9$" string. These are the secret leaves of the configuration the simulated SRX knows.
import type { Document, Element } from '../activities/devices/netconf/xml.ts';
import { elementChildren } from '../activities/devices/netconf/xml.ts';
import { isNine, obfuscateNine } from '../domain/junos-nine.ts';

/** Leaves Junos spells as "$9$": an IKE pre-shared key, PPPoE CHAP and PAP secrets. */
const secretLeaves = new Set(['ascii-text', 'hexadecimal', 'default-chap-secret', 'local-password', 'default-password']);

/**
 * Spells every plain-text secret under `configuration` as "$9$", in place: a whole configuration
 * as it is loaded, or an edit before it applies (what it merges is then spelled so already).
 */
export function keepSecretsAsJunosDoes(configuration: Document | Element): void {
  const walk = (element: Element) => {
    const children = elementChildren(element);
    if (children.length === 0 && secretLeaves.has(element.localName ?? '')) {
      const text = (element.textContent ?? '').trim();
      if (text && !isNine(text)) element.textContent = obfuscateNine(text);
      return;
    }
    children.forEach(walk);
  };
  const root = 'documentElement' in configuration ? configuration.documentElement : configuration;
  if (root) walk(root);
}
