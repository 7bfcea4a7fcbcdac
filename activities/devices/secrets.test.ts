import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { pppoePasswordSecret } from '../../inventory/devices.ts';
import { createDeviceSecrets } from './secrets.ts';

/** The inventory's WAN links of one device, as far as secrets go. */
function inventory(links: Record<string, { id: string; pppoePassword: string }[]>) {
  const asked: string[] = [];
  const prisma = {
    wanLink: {
      findMany: async ({ where }: { where: { deviceId: string } }) => {
        asked.push(where.deviceId);
        return links[where.deviceId] ?? [];
      },
    },
  } as unknown as PrismaClient;
  return { secrets: createDeviceSecrets(prisma), asked };
}

const reference = pppoePasswordSecret('link-1');
const rendered = `<pp0><default-chap-secret>${reference}</default-chap-secret><local-name>lyon@isp.example</local-name></pp0>`;

describe('device secrets', () => {
  it('fill in each secret a configuration names, escaped for XML, on the way to the device', async () => {
    const { secrets } = inventory({ d1: [{ id: 'link-1', pppoePassword: 'p&ss<w>rd' }] });
    assert.equal(await secrets.reveal('d1', rendered), '<pp0><default-chap-secret>p&amp;ss&lt;w&gt;rd</default-chap-secret><local-name>lyon@isp.example</local-name></pp0>');
  });

  it('refuse for good a configuration naming a secret the device does not have, and ask nothing of one naming none', async () => {
    const { secrets, asked } = inventory({ d2: [{ id: 'link-2', pppoePassword: 'other' }] });
    await assert.rejects(secrets.reveal('d2', rendered), (error: unknown) => error instanceof ApplicationFailure && error.type === 'SecretNotFound' && error.nonRetryable);
    assert.equal(await secrets.reveal('d2', '<host-name>lyon</host-name>'), '<host-name>lyon</host-name>');
    assert.deepEqual(asked, ['d2']);
  });

  it('name the secrets again in what the device reports, leaving other text alone', async () => {
    const { secrets } = inventory({ d1: [{ id: 'link-1', pppoePassword: 'p&ss<w>rd' }] });
    const running = '<pap><local-name>p&amp;ss&lt;w&gt;rd</local-name><local-password>p&amp;ss&lt;w&gt;rd</local-password></pap><default-chap-secret>stale</default-chap-secret>';
    assert.equal(await secrets.conceal('d1', running),
      `<pap><local-name>p&amp;ss&lt;w&gt;rd</local-name><local-password>${reference}</local-password></pap><default-chap-secret>stale</default-chap-secret>`);
  });
});
