// Device credentials in the inventory: an operator gives a tenant's credentials once over the API;
// they are sealed at rest, never answered, and the worker's device activities log in with them —
// NETCONF on a simulated box whose password is not the fleet's, SNMPv3 authPriv (SHA-256, AES) on
// Net-SNMP's own snmpd.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { createDeviceActivities } from '../activities/devices/activities.ts';
import { DeviceError } from '../activities/devices/errors.ts';
import { NetconfSessionPool } from '../activities/devices/netconf/pool.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import { snmpTarget } from '../activities/devices/drivers/targets.ts';
import { deviceModel } from '../domain/device-models.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { credentialsBox, deviceCredentials } from '../inventory/credentials.ts';
import { ImageStore } from '../inventory/images.ts';
import { seedDemo } from '../prisma/seed.ts';
import { Fleet } from '../simulator/fleet.ts';
import { connectTestClient, createTestDatabase, eventually, signInAs, testServices, type TestDatabase } from '../scripts/testing.ts';
import { createApp } from './app.ts';
import { EventHub } from './event-hub.ts';

const silent = pino({ level: 'silent' });
const secretsKey = randomBytes(32);
const fleetCredentials = { username: 'branchline', password: 'the-fleet-password', community: 'fleet' };
const boxCredentials = { username: 'netops', password: 'only-this-tenant-knows', community: 'tenant-community' };
const snmpUser = { user: 'branchline-v3', authProtocol: 'sha256', authKey: 'v3-auth-passphrase', privProtocol: 'aes', privKey: 'v3-priv-passphrase' } as const;

describe('device credentials in the inventory', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectTestClient>>;
  let server: Server;
  let url: string;
  let fleet: Fleet;
  let snmpd: ChildProcess | undefined;
  let tenantId: string;
  let admin: { cookie: string };
  const scratch = mkdtempSync(join(tmpdir(), 'credentials-'));
  const transports = { netconf: new NetconfSessionPool({ maxSessions: 10, idleMs: 1000 }), snmp: new SnmpClient({ timeoutMs: 1000, retries: 0 }) };
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method, headers: { cookie: admin.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (response.status === 204 ? null : await response.json()) as T };
  };

  before(async () => {
    database = await createTestDatabase();
    await seedDemo(database.prisma);
    temporal = await connectTestClient();
    admin = await signInAs(database.prisma, { role: 'SP admin' });
    tenantId = (await database.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    const app = createApp({
      prisma: database.prisma, temporal: temporal.client, namespace: testServices().namespace, log: silent, temporalUiUrl: '',
      images: new ImageStore(join(scratch, 'images')), events: new EventHub(database.url, silent), secretsKey,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    // Boxes staged with the tenant's own credentials, not the fleet's.
    fleet = await Fleet.start({
      devices: 1, baseAddress: '127.37.0.1', snmpPort: 27161, netconfPort: 27830, controlPort: 0, models: ['SRX-SIM-300'],
      credentials: boxCredentials, phoneHomeIntervalMs: 60_000, rebootMs: 100,
    });
  });
  after(async () => {
    snmpd?.kill('SIGKILL');
    await transports.netconf.close();
    transports.snmp.close();
    await fleet.stop();
    await new Promise((resolve) => server.close(resolve));
    await temporal.close();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A device of the tenant's at `address` (the simulated box unless said otherwise). */
  async function tenantDevice(at: { serial: string; address: string; netconfPort: number; snmpPort: number } = [...fleet.devices.values()][0]!.identity) {
    const model = 'SRX-SIM-300';
    const site = await database.prisma.site.create({ data: { tenantId, name: `Credentials ${randomBytes(3).toString('hex')}`, status: 'active' } });
    const device = await database.prisma.device.create({
      data: {
        siteId: site.id, hostname: `creds-${randomBytes(3).toString('hex')}`, model, platform: deviceModel(model)!.platform, serial: at.serial, status: 'online',
        managementAddress: at.address, netconfPort: at.netconfPort, snmpPort: at.snmpPort,
      },
    });
    return { device, target: { deviceId: device.id, serial: at.serial, platform: device.platform, host: at.address, netconfPort: at.netconfPort, snmpPort: at.snmpPort } };
  }

  it('seals what an operator gives, answers none of it, and the device activities log in with it', async () => {
    const created = await call<{ id: string; netconf: unknown; snmp: unknown }>('POST', '/credential-profiles', {
      tenantId, name: 'Branch staging', isDefault: true,
      netconf: { username: boxCredentials.username, password: boxCredentials.password },
      snmp: { version: 'v3', ...snmpUser },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.netconf, created.body.snmp], [
      { username: 'netops', authentication: 'password' },
      { version: 'v3', user: snmpUser.user, authProtocol: 'sha256', privProtocol: 'aes' },
    ]);
    const listed = JSON.stringify(await call('GET', `/credential-profiles?tenantId=${tenantId}`));
    const audited = JSON.stringify(await database.prisma.auditEntry.findMany({ where: { objectId: created.body.id } }));
    const [row] = await database.prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM credential_profile WHERE id = ${created.body.id}::uuid`;
    for (const secret of [boxCredentials.password, snmpUser.authKey, snmpUser.privKey]) {
      assert.ok(!JSON.stringify(created.body).includes(secret) && !listed.includes(secret) && !audited.includes(secret), `${secret} was answered or audited`);
      assert.ok(!JSON.stringify(row).includes(secret), `${secret} is stored as it came`);
    }
    assert.match(String(row!['netconf_password']), /^v1:/);

    // The box refuses the fleet's password: only the tenant's default profile gets the worker in.
    const { target } = await tenantDevice();
    const activities = createDeviceActivities({ prisma: database.prisma, transports, credentials: fleetCredentials, secretsKey, imageBaseUrl: url });
    const baseline = await activities.readUpgradeBaseline({ target });
    assert.equal(baseline.version, [...fleet.devices.values()][0]!.softwareVersion());
    const withoutProfile = createDeviceActivities({ prisma: database.prisma, transports, credentials: fleetCredentials, secretsKey, imageBaseUrl: url });
    await database.prisma.credentialProfile.update({ where: { id: created.body.id }, data: { isDefault: false } });
    await transports.netconf.close();
    await assert.rejects(withoutProfile.readUpgradeBaseline({ target }), /refused the credentials/);
    await database.prisma.credentialProfile.update({ where: { id: created.body.id }, data: { isDefault: true } });

    // A worker given another deployment key cannot open them: a permanent failure, not a retry for ever.
    const otherKey = createDeviceActivities({ prisma: database.prisma, transports, credentials: fleetCredentials, secretsKey: randomBytes(32), imageBaseUrl: url });
    await assert.rejects(otherKey.readUpgradeBaseline({ target }), (error: unknown) =>
      error instanceof ApplicationFailure && error.type === failureTypes.credentialsSealedOtherwise && error.nonRetryable);
  });

  it('polls Net-SNMP\'s snmpd as the profile\'s SNMPv3 user (authPriv, SHA-256 and AES), and a replaced key stops working', async () => {
    const address = '127.37.1.1';
    const config = join(scratch, 'snmpd.conf');
    writeFileSync(config, [
      `agentAddress udp:${address}:27162`,
      `createUser ${snmpUser.user} SHA-256 "${snmpUser.authKey}" AES "${snmpUser.privKey}"`,
      `rouser ${snmpUser.user} priv`,
      'sysName credentials-snmpd',
    ].join('\n') + '\n');
    snmpd = spawn('/usr/sbin/snmpd', ['-f', '-Lo', '-C', '-c', config, '-p', join(scratch, 'snmpd.pid')], { env: { ...process.env, SNMP_PERSISTENT_DIR: scratch, MIBS: '' }, stdio: 'ignore' });
    const { device, target } = await tenantDevice({ serial: 'SNMPD00001', address, netconfPort: 830, snmpPort: 27162 });
    const profile = await call<{ id: string }>('POST', '/credential-profiles', {
      tenantId, name: 'snmpd', netconf: { username: 'unused', password: 'unused' }, snmp: { version: 'v3', ...snmpUser },
    });
    assert.equal(profile.status, 201, JSON.stringify(profile.body));
    assert.equal((await call('PUT', `/devices/${device.id}/credential-profile`, { profileId: profile.body.id })).status, 200);

    const box = credentialsBox(secretsKey);
    const reach = async () => {
      const opened = await deviceCredentials(database.prisma, box, device.id);
      assert.ok(opened, 'the device has credentials in the inventory');
      return transports.snmp.get(snmpTarget({ ...target, ...opened }), ['1.3.6.1.2.1.1.5.0']);
    };
    const [name] = await eventually('snmpd answers the profile\'s v3 user', () => reach().catch(() => []), (values) => values.length > 0, 10_000);
    assert.equal(name?.value, 'credentials-snmpd');

    const replaced = await call('PATCH', `/credential-profiles/${profile.body.id}`, { snmp: { version: 'v3', ...snmpUser, authKey: 'another-passphrase' } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    await assert.rejects(reach(), (error: unknown) => error instanceof DeviceError && (error.kind === 'auth' || error.kind === 'timeout'));
  });

  it('refuses what a device could not log in with, and a profile a device still uses', async () => {
    const bad = await call<{ errors: { path: string }[] }>('POST', '/credential-profiles', {
      tenantId, name: 'bad', netconf: { username: 'x', privateKey: 'not a key' }, snmp: { version: 'v3', user: 'u', authKey: 'short', privKey: 'short' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e) => e.path).sort(), ['netconf.privateKey', 'snmp.authKey', 'snmp.privKey']);
    const noSecret = await call<{ errors: { path: string; message: string }[] }>('POST', '/credential-profiles', {
      tenantId, name: 'bad', netconf: { username: 'x' }, snmp: { version: 'v2c', community: 'c' },
    });
    assert.deepEqual(noSecret.body.errors, [{ path: 'netconf', message: 'is a username with either a password or a privateKey' }]);
    const used = (await database.prisma.credentialProfile.findFirstOrThrow({ where: { tenantId, name: 'snmpd' } })).id;
    const before = await database.prisma.credentialProfile.count();
    assert.equal((await call('DELETE', `/credential-profiles/${used}`)).status, 409);
    assert.equal(await database.prisma.credentialProfile.count(), before);
  });
});
