// The secrets a device's configuration holds (PPPoE passwords) stay in the inventory. Rendered
// configurations, and the versions on record, name them by reference (secretReference), so that
// no secret enters a workflow history; the device activities fill them in on the way to the
// device, and name them again in what they read back from it.
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { failureTypes } from '../../domain/failure-types.ts';
import { secretReferencePattern } from '../../domain/render/device-config.ts';
import { escapeXml } from '../../domain/render/escape-xml.ts';
import { pppoePasswordSecret } from '../../inventory/devices.ts';

/** An element whose name says it holds a secret, as a device reports it. */
const secretElement = /<([\w.:-]*(?:secret|password)[\w.-]*)>([^<]*)<\/\1>/g;

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return entities[name] ?? entity;
  });
}

export function createDeviceSecrets(prisma: PrismaClient) {
  /** The device's secrets, by their references. */
  async function secretsOf(deviceId: string): Promise<Map<string, string>> {
    const links = await prisma.wanLink.findMany({ where: { deviceId, pppoePassword: { not: null } }, select: { id: true, pppoePassword: true } });
    return new Map(links.map((link) => [pppoePasswordSecret(link.id), link.pppoePassword!]));
  }

  return {
    /** The configuration with each secret it names filled in; a name the device has no secret for fails for good. */
    async reveal(deviceId: string, config: string): Promise<string> {
      if (config.search(secretReferencePattern) < 0) return config;
      return fillIn(config, await secretsOf(deviceId), deviceId);
    },

    /** What the device reports, with its secrets named again. */
    async conceal(deviceId: string, config: string): Promise<string> {
      if (!/(secret|password)>/.test(config)) return config;
      const references = new Map([...(await secretsOf(deviceId))].map(([reference, secret]) => [secret, reference]));
      if (references.size === 0) return config;
      return config.replace(secretElement, (element, name: string, text: string) => {
        const reference = references.get(unescapeXml(text));
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
