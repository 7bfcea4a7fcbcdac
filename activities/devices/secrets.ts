// The secrets a device's configuration holds stay out of workflow histories and configuration
// versions: rendered configurations name them by reference (secretReference), the device
// activities fill them in on the way to the device and name them again in what they read back.
// A PPPoE password and a rotated login's password hash are the inventory's; an IKE tunnel's pre-shared key, which both ends must hold,
// is derived from the deployment's key and the reference's name (`ike-psk/<the tunnel's /30>`).
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { failureTypes } from '../../domain/failure-types.ts';
import { secretReference, secretReferencePattern } from '../../domain/render/device-config.ts';
import { formatIpv4, ipv4Network } from '../../domain/ipv4.ts';
import { escapeXml } from '../../domain/render/escape-xml.ts';
import { revealNine } from '../../domain/junos-nine.ts';
import { openPppoePassword, pppoePasswordSecret, wanLinkSecretsBox } from '../../inventory/devices.ts';
import { credentialsBox, rotationSecrets } from '../../inventory/credentials.ts';

/** An element whose name says it holds a secret, as a device reports it (Junos's pre-shared key is `ascii-text`). */
const secretElement = /<([\w.:-]*(?:secret|password)[\w.-]*|ascii-text)>([^<]*)<\/\1>/g;

/** References to secrets derived from the deployment's key rather than kept in the inventory. */
const derivedReference = /^\$secret\{ike-psk\/[^}]+\}$/;

/**
 * A derived secret: HMAC-SHA256 of the reference's name under the deployment's key, as printable
 * text (base64url, 43 characters), which Junos takes as a pre-shared key's ascii-text.
 */
function derive(key: Buffer, reference: string): string {
  return createHmac('sha256', key).update(reference).digest('base64url');
}

/** The IKE key references a configuration could hold: one per IPv4 network it names (its tunnels' /30s among them). */
function tunnelKeyReferences(config: string): string[] {
  const networks = new Set<string>();
  for (const [, prefix] of config.matchAll(/>(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2})</g)) {
    const network = ipv4Network(prefix!);
    if (network) networks.add(`${formatIpv4(network.first)}/${network.length}`);
  }
  return [...networks].map((network) => secretReference(`ike-psk/${network}`));
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return entities[name] ?? entity;
  });
}

export function createDeviceSecrets(prisma: PrismaClient, secretsKey: Buffer) {
  const wanLinks = wanLinkSecretsBox(secretsKey);
  const logins = credentialsBox(secretsKey);
  /** The device's secrets, by their references. */
  async function secretsOf(deviceId: string): Promise<Map<string, string>> {
    const links = await prisma.wanLink.findMany({ where: { deviceId, pppoePassword: { not: null } }, select: { id: true, pppoePassword: true } });
    const rotated = await rotationSecrets(prisma, logins, deviceId);
    return new Map([
      ...links.map((link) => [pppoePasswordSecret(link.id), openPppoePassword(wanLinks, link.pppoePassword!)] as const),
      ...rotated.map(([name, secret]) => [secretReference(name), secret] as const),
    ]);
  }

  return {
    /** The configuration with each secret it names filled in; a name the device has no secret for fails for good. */
    async reveal(deviceId: string, config: string): Promise<string> {
      const named = config.match(secretReferencePattern) ?? [];
      if (named.length === 0) return config;
      const derived = new Map(named.filter((r) => derivedReference.test(r)).map((r) => [r, derive(secretsKey, r)]));
      const kept = named.some((r) => !derived.has(r)) ? await secretsOf(deviceId) : new Map<string, string>();
      return fillIn(config, new Map([...kept, ...derived]), deviceId);
    },

    /** What the device reports, with its secrets named again. */
    async conceal(deviceId: string, config: string): Promise<string> {
      if (!/(secret|password|ascii-text)>/.test(config)) return config;
      // Junos shows the secrets it was given as "$9$" strings (domain/junos-nine.ts), which are read back to be recognised.
      const derived = /ascii-text>/.test(config) ? tunnelKeyReferences(config).map((reference) => [reference, derive(secretsKey, reference)] as const) : [];
      const kept = /(secret|password)>/.test(config) ? [...(await secretsOf(deviceId))] : [];
      const references = new Map([...kept, ...derived].map(([reference, secret]) => [secret, reference]));
      if (references.size === 0) return config;
      return config.replace(secretElement, (element, name: string, text: string) => {
        const value = unescapeXml(text);
        const reference = references.get(revealNine(value) ?? value);
        return reference ? `<${name}>${reference}</${name}>` : element;
      });
    },
  };
}

function fillIn(config: string, secrets: Map<string, string>, deviceId: string): string {
  return config.replace(secretReferencePattern, (reference) => {
    const secret = secrets.get(reference);
    if (secret === undefined) {
      throw ApplicationFailure.nonRetryable(`The configuration names ${reference}, which device ${deviceId} has no secret for.`, failureTypes.secretNotFound, { deviceId, reference });
    }
    return escapeXml(secret);
  });
}

export type DeviceSecrets = ReturnType<typeof createDeviceSecrets>;
