import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { pppoePasswordSecret, wanLinkSecretsBox } from '../../inventory/devices.ts';
import { secretReference } from '../../domain/render/device-config.ts';
import { escapeXml } from '../../domain/render/escape-xml.ts';
import { rotationSecretName } from '../../domain/credential-rotation.ts';
import { credentialsBox } from '../../inventory/credentials.ts';
import { obfuscateNine } from '../../domain/junos-nine.ts';
import { createDeviceSecrets } from './secrets.ts';

const deploymentKey = Buffer.alloc(32, 7);

/** The inventory's WAN links and credential rotations of one device, as far as secrets go: sealed, as the inventory stores them. */
function inventory(
  links: Record<string, { id: string; pppoePassword: string }[]>,
  options: { sealed?: boolean; rotations?: Record<string, { id: string; authentication: string }[]> } = {},
) {
  const asked: string[] = [];
  const box = wanLinkSecretsBox(deploymentKey);
  const logins = credentialsBox(deploymentKey);
  const prisma = {
    wanLink: {
      findMany: async ({ where }: { where: { deviceId: string } }) => {
        asked.push(where.deviceId);
        return (links[where.deviceId] ?? []).map((link) => ({ ...link, pppoePassword: options.sealed === false ? link.pppoePassword : box.seal(link.pppoePassword) }));
      },
    },
    credentialRotation: {
      findMany: async ({ where }: { where: { deviceId: string } }) =>
        (options.rotations?.[where.deviceId] ?? []).map((rotation) => ({ id: rotation.id, authentication: logins.seal(rotation.authentication) })),
    },
  } as unknown as PrismaClient;
  return { secrets: createDeviceSecrets(prisma, deploymentKey), asked };
}

const reference = pppoePasswordSecret('link-1');
const rendered = `<pp0><default-chap-secret>${reference}</default-chap-secret><local-name>lyon@isp.example</local-name></pp0>`;

describe('device secrets', () => {
  it('fill in each secret a configuration names, escaped for XML, on the way to the device', async () => {
    const { secrets } = inventory({ d1: [{ id: 'link-1', pppoePassword: 'p&ss<w>rd' }] });
    assert.equal(await secrets.reveal('d1', rendered), '<pp0><default-chap-secret>p&amp;ss&lt;w&gt;rd</default-chap-secret><local-name>lyon@isp.example</local-name></pp0>');
  });

  it('take a password stored before passwords were sealed as it is', async () => {
    const { secrets } = inventory({ d1: [{ id: 'link-1', pppoePassword: 'p&ss<w>rd' }] }, { sealed: false });
    assert.equal(await secrets.reveal('d1', rendered), '<pp0><default-chap-secret>p&amp;ss&lt;w&gt;rd</default-chap-secret><local-name>lyon@isp.example</local-name></pp0>');
  });

  it('refuse for good a configuration naming a secret the device does not have, and ask nothing of one naming none', async () => {
    const { secrets, asked } = inventory({ d2: [{ id: 'link-2', pppoePassword: 'other' }] });
    await assert.rejects(secrets.reveal('d2', rendered), (error: unknown) => error instanceof ApplicationFailure && error.type === 'SecretNotFound' && error.nonRetryable);
    assert.equal(await secrets.reveal('d2', '<host-name>lyon</host-name>'), '<host-name>lyon</host-name>');
    assert.deepEqual(asked, ['d2']);
  });

  it('recognise a secret Junos shows as a "$9$" string', async () => {
    const { secrets } = inventory({ d1: [{ id: 'link-1', pppoePassword: 'p&ss<w>rd' }] });
    const running = `<chap><default-chap-secret>${escapeXml(obfuscateNine('p&ss<w>rd'))}</default-chap-secret></chap><chap><default-chap-secret>${obfuscateNine('not ours')}</default-chap-secret></chap>`;
    assert.match(await secrets.conceal('d1', running), new RegExp(`^<chap><default-chap-secret>\\$secret\\{wan-link/link-1/pppoe-password\\}</default-chap-secret></chap><chap><default-chap-secret>\\$9\\$`));
  });

  it('name the secrets again in what the device reports, leaving other text alone', async () => {
    const { secrets } = inventory({ d1: [{ id: 'link-1', pppoePassword: 'p&ss<w>rd' }] });
    const running = '<pap><local-name>p&amp;ss&lt;w&gt;rd</local-name><local-password>p&amp;ss&lt;w&gt;rd</local-password></pap><default-chap-secret>stale</default-chap-secret>';
    assert.equal(await secrets.conceal('d1', running),
      `<pap><local-name>p&amp;ss&lt;w&gt;rd</local-name><local-password>${reference}</local-password></pap><default-chap-secret>stale</default-chap-secret>`);
  });

  it("fill in a rotated login's password hash, and name it again in what the device reports", async () => {
    const hash = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
    const { secrets } = inventory({}, { rotations: { d1: [{ id: 'r1', authentication: hash }] } });
    const named = `<user><name>branchline-rot-abc123</name><authentication><encrypted-password>${secretReference(rotationSecretName('r1'))}</encrypted-password></authentication></user>`;
    const sent = await secrets.reveal('d1', named);
    assert.equal(sent, named.replace(secretReference(rotationSecretName('r1')), hash));
    assert.equal(await secrets.conceal('d1', sent), named);
  });

  describe("an IKE tunnel's pre-shared key", () => {
    const tunnelKey = secretReference('ike-psk/172.16.0.0/30');
    const policy = (key: string) => `<policy><name>hub-1</name><pre-shared-key><ascii-text>${key}</ascii-text></pre-shared-key></policy>`;
    const unit = '<unit><name>1</name><family><inet><address><name>172.16.0.2/30</name></address></inet></family></unit>';

    it('is derived from the deployment key and the tunnel network, the same at both ends, printable, without asking the inventory', async () => {
      const { secrets, asked } = inventory({});
      const near = await secrets.reveal('spoke', policy(tunnelKey));
      const far = await secrets.reveal('hub', policy(tunnelKey));
      assert.equal(near, far);
      const key = /<ascii-text>([^<]+)<\/ascii-text>/.exec(near)![1]!;
      assert.match(key, /^[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(asked, []);
      const other = createDeviceSecrets({} as PrismaClient, Buffer.alloc(32, 8));
      assert.notEqual(await other.reveal('spoke', policy(tunnelKey)), near, 'another deployment, another key');
      assert.notEqual(await secrets.reveal('spoke', policy(secretReference('ike-psk/172.16.0.4/30'))), near, 'another tunnel, another key');
    });

    it('is named again in what the device reports, from the tunnel networks it holds', async () => {
      const { secrets } = inventory({});
      const running = `${unit}${await secrets.reveal('spoke', policy(tunnelKey))}${policy('someone-elses-key')}`;
      assert.equal(await secrets.conceal('spoke', running), `${unit}${policy(tunnelKey)}${policy('someone-elses-key')}`);
    });
  });
});
