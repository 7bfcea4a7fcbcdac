// The simulated fleet as tests and demos use it: protocols on each device's own address, and the
// control API changing the world underneath.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CallHomeListener } from '../activities/devices/netconf/call-home.ts';
import { NetconfSession } from '../activities/devices/netconf/session.ts';
import { DeviceError } from '../activities/devices/errors.ts';
import type { Element } from '../activities/devices/netconf/xml.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import netSnmp from 'net-snmp';
import { junosRenderer } from '../domain/render/junos.ts';
import { Fleet, type FleetOptions } from './fleet.ts';
import type { SimulatedDevice } from './device.ts';
import { notifications, oids, rpmInstance } from './snmp-agent.ts';

/** An RPM test on a WAN link, as the configuration declares it (services rpm probe <link> test sla). */
const rpmProbe = (link: string, extra = '') => `<configuration><services><rpm><probe><name>${link}</name><test><name>sla</name>`
  + `<probe-type>icmp-ping</probe-type><target><address>192.0.2.1</address></target><probe-count>10</probe-count>${extra}</test></probe></rpm></services></configuration>`;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fleetOptions = (overrides: Partial<FleetOptions>): FleetOptions => ({
  devices: 3, baseAddress: '127.30.0.1', snmpPort: 20161, netconfPort: 20830, controlPort: 0,
  models: ['SRX-SIM-300'], phoneHomeIntervalMs: 200, rebootMs: 300, ...overrides,
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await wait(100);
  }
  return assert.fail(`${what}: not within ${timeoutMs} ms`);
}

/** A little HTTP server recording what it receives and answering with a programmable status. */
async function httpServer(handle: (path: string, body: string) => { status: number; body?: Buffer | string }) {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const answer = handle(req.url ?? '', body);
      res.writeHead(answer.status).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('simulator fleet', () => {
  let fleet: Fleet;
  const snmp = new SnmpClient({ timeoutMs: 1000, retries: 0 });
  const sessions: NetconfSession[] = [];
  const target = (device: SimulatedDevice) => ({ host: device.identity.address, port: device.identity.snmpPort, version: '2c' as const, community: device.identity.community });
  const netconf = async (device: SimulatedDevice) => {
    const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: device.identity.username, password: device.identity.password, connectTimeoutMs: 3000 });
    sessions.push(session);
    return session;
  };
  const control = (path: string, body: unknown) =>
    fetch(`${fleet.controlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const [first, second, third] = ['BLS0000001', 'BLS0000002', 'BLS0000003'];

  before(async () => {
    fleet = await Fleet.start(fleetOptions({}));
  });
  after(async () => {
    for (const session of sessions) session.destroy();
    snmp.close();
    await fleet.stop();
  });

  it('serves SNMP and NETCONF on each device\'s own address, with its own identity', async () => {
    for (const device of fleet.devices.values()) {
      const [serial, objectId] = await snmp.get(target(device), [oids.jnxBoxSerialNo, oids.sysObjectID]);
      assert.deepEqual([serial?.value, objectId?.value], [device.serial, '1.3.6.1.4.1.2636.1.1.1.2.135']);
      const session = await netconf(device);
      const inventory = await session.rpc('<get-chassis-inventory/>');
      assert.equal(inventory.getElementsByTagName('serial-number')[0]?.textContent, device.serial);
      assert.equal(session.hostKeySha256, device.hostKeySha256);
    }
  });

  it('shows a link\'s latency, jitter and loss as set through the control API in its RPM test\'s results, and a cut link as down', async () => {
    const device = fleet.device(first)!;
    const session = await netconf(device);
    assert.equal((await snmp.walk(target(device), oids.rpmSummaryEntry)).length, 0, 'no RPM test configured, no results');
    await session.editConfig({ target: 'candidate', config: rpmProbe('wan1') });
    await session.commit();
    assert.equal((await control(`/devices/${first}/links/wan1`, { latencyMs: 240, jitterMs: 4, lossPermille: 200 })).status, 200);
    const last = `${rpmInstance('wan1', 'sla')}.2`; // lastCompletedTest
    const cell = async (entry: string, column: number, suffix = '') => (await snmp.get(target(device), [`${entry}.${column}.${last}${suffix}`]))[0]?.value;
    assert.deepEqual([await cell(oids.rpmSummaryEntry, 2), await cell(oids.rpmSummaryEntry, 3), await cell(oids.rpmSummaryEntry, 4)], [10, 8, 20_000_000]);
    assert.deepEqual([await cell(oids.rpmCalculatedEntry, 5, '.1'), await cell(oids.rpmCalculatedEntry, 6, '.1')], [240_000, 4000], 'round trip and its peak to peak, in microseconds');
    const results = await session.rpc('<get-probe-results><owner>wan1</owner></get-probe-results>');
    assert.equal(results.getElementsByTagName('probe-last-test-results')[0]?.getElementsByTagName('avg-delay')[0]?.textContent, '240000');

    await control(`/devices/${first}/links/wan1`, { cut: true });
    const names = await snmp.walk(target(device), `${oids.ifXEntry}.1`);
    const ifIndex = names.find((vb) => vb.value === 'ge-0/0/1')!.oid.split('.').at(-1);
    assert.equal((await snmp.get(target(device), [`${oids.ifEntry}.8.${ifIndex}`]))[0]?.value, 2);
    assert.deepEqual([await cell(oids.rpmSummaryEntry, 3), await cell(oids.rpmSummaryEntry, 4)], [0, 100_000_000]);
    await assert.rejects(cell(oids.rpmCalculatedEntry, 5, '.1'), (e: unknown) => e instanceof DeviceError && e.kind === 'no-such-object', 'no round trip without an answer');
    await control(`/devices/${first}/links/wan1`, { cut: false, latencyMs: 32, jitterMs: 5, lossPermille: 2 });
    assert.equal((await snmp.get(target(device), [`${oids.ifEntry}.8.${ifIndex}`]))[0]?.value, 1);
  });

  it('impairs a link over time as the control API says, in the RPM results served over SNMP and NETCONF, the port staying up through a blackout', async () => {
    const device = fleet.device(first)!;
    const session = await netconf(device);
    await session.editConfig({ target: 'candidate', config: rpmProbe('wan0', '<probe-interval>1</probe-interval>') });
    await session.commit();
    const impair = (shape: unknown) => fetch(`${fleet.controlUrl}/devices/${first}/links/wan0/impairment`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shape) });
    // Every test since boot: the link as it is now (the current test holds only its probes so far,
    // the last completed test shows a change once a test has met it).
    const everyTest = `${rpmInstance('wan0', 'sla')}.4`;
    const cell = async (entry: string, column: number, suffix = '') => (await snmp.get(target(device), [`${entry}.${column}.${everyTest}${suffix}`]))[0]?.value;
    const averageUs = () => cell(oids.rpmCalculatedEntry, 5, '.1');

    assert.equal((await impair({ shape: 'oscillation', to: { latencyMs: 300 }, periodMs: 1_000 })).status, 200);
    const seen = new Set<unknown>();
    for (let i = 0; i < 12 && seen.size < 2; i++, await wait(150)) seen.add(await averageUs());
    assert.deepEqual([...seen].sort(), [18_000, 300_000], 'an oscillating link alternates between its base and the degraded quality');

    await impair({ shape: 'ramp', to: { latencyMs: 1_018 }, overMs: 60_000 });
    const early = Number(await averageUs());
    await wait(600);
    assert.ok(Number(await averageUs()) > early && early < 100_000, 'a ramp climbs from the base');

    await impair({ shape: 'blackout' });
    assert.deepEqual([await cell(oids.rpmSummaryEntry, 3), await cell(oids.rpmSummaryEntry, 4)], [0, 100_000_000], 'nothing answers');
    const names = await snmp.walk(target(device), `${oids.ifXEntry}.1`);
    const ifIndex = names.find((vb) => vb.value === 'ge-0/0/0')!.oid.split('.').at(-1);
    assert.equal((await snmp.get(target(device), [`${oids.ifEntry}.8.${ifIndex}`]))[0]?.value, 1, 'the port stays up: only the probes tell');

    assert.equal((await impair({ shape: 'brownout', to: { lossPermille: 500 } })).status, 400, 'a brownout needs its duration');
    assert.equal((await fetch(`${fleet.controlUrl}/devices/${first}/links/wan0/impairment`, { method: 'DELETE' })).status, 200);
    await control(`/devices/${first}/links/wan0`, { noise: { latencyMs: 4 } });
    const [one, two] = [await session.rpc('<get-probe-results><owner>wan0</owner></get-probe-results>'), await session.rpc('<get-probe-results><owner>wan0</owner></get-probe-results>')];
    const delay = (reply: Element) => reply.getElementsByTagName('probe-last-test-results')[0]?.getElementsByTagName('avg-delay')[0]?.textContent;
    assert.equal(delay(one), delay(two), 'the noise of one test is the same for every reader');
    assert.notEqual(delay(one), '18000', 'with noise, a test measures around the link, not its exact figure');
    await control(`/devices/${first}/links/wan0`, { noise: {} });
  });

  it('makes the next commit fail once, and journals only what was committed', async () => {
    const device = fleet.device(second)!;
    await control(`/devices/${second}/faults`, { failNextCommit: 'commit failed: simulated disk error' });
    const session = await netconf(device);
    await session.editConfig({ target: 'candidate', config: `<configuration><system><host-name>lyon-01</host-name></system></configuration>` });
    await assert.rejects(session.commit(), /simulated disk error/);
    await session.commit();
    const journal = (await (await fetch(`${fleet.controlUrl}/devices/${second}/journal`)).json()) as { kind: string; sections: string[] }[];
    assert.deepEqual(journal.map((e) => [e.kind, e.sections]), [['commit', ['system']]]);
    assert.equal((await snmp.get(target(device), [oids.sysName]))[0]?.value, 'lyon-01');
  });

  it('drops SNMP, or delays NETCONF replies, when told to', async () => {
    const device = fleet.device(third)!;
    await control(`/devices/${third}/faults`, { dropSnmp: true });
    await assert.rejects(snmp.get(target(device), [oids.sysName]), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout');
    await control(`/devices/${third}/faults`, { dropSnmp: false });
    assert.ok((await snmp.get(target(device), [oids.sysName]))[0]?.value);

    const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: 'admin', password: device.identity.password, rpcTimeoutMs: 200 });
    sessions.push(session);
    await control(`/devices/${third}/faults`, { netconfReplyDelayMs: 1000 });
    await assert.rejects(session.getConfig('running'), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout');
    await control(`/devices/${third}/faults`, { netconfReplyDelayMs: 0 });
    assert.match(await session.getConfig('running'), /configuration/);
  });

  it('brings a tunnel up while its peer device is up, and down when the peer loses power', async () => {
    const device = fleet.device(third)!;
    const peer = fleet.device(first)!;
    const session = await netconf(device);
    const wan = { name: 'wan0', interfaceName: 'ge-0/0/0', address: 'dhcp' as const };
    const tunnel = junosRenderer.tunnel({ name: 'hub', unit: 1, peer: peer.identity.address, localAddress: '172.16.0.2/30', viaLink: 'wan0' }, [wan]);
    await session.editConfig({ target: 'candidate', config: junosRenderer.stage1({ hostname: 'spoke', loopback: '10.255.0.1/32', wanLinks: [wan], lanSegments: [], tunnels: [] }) + tunnel.add });
    await session.commit();
    const tunnelOper = async () => {
      const names = await snmp.walk(target(device), `${oids.ifXEntry}.1`);
      const index = names.find((vb) => vb.value === 'st0.1')!.oid.split('.').at(-1);
      return (await snmp.get(target(device), [`${oids.ifEntry}.8.${index}`]))[0]?.value;
    };
    assert.equal(await tunnelOper(), 1);
    await control(`/devices/${first}/power`, { on: false });
    assert.equal(await tunnelOper(), 2);
    await control(`/devices/${first}/power`, { on: true });
    assert.equal(await tunnelOper(), 1);
  });

  it('takes a tunnel to an address none of its boxes holds as down, or as up when the peer is said to be another simulator process\'s', async () => {
    const outside = '127.30.0.99';
    const tunnelTo = async (device: SimulatedDevice, stage1: boolean) => {
      const session = await netconf(device);
      const wan = { name: 'wan0', interfaceName: 'ge-0/0/0', address: 'dhcp' as const };
      const tunnel = junosRenderer.tunnel({ name: 'outside', unit: 2, peer: outside, localAddress: '172.16.0.6/30', viaLink: 'wan0' }, [wan]);
      const base = stage1 ? junosRenderer.stage1({ hostname: 'spoke', loopback: '10.255.0.1/32', wanLinks: [wan], lanSegments: [], tunnels: [] }) : '';
      await session.editConfig({ target: 'candidate', config: base + tunnel.add });
      await session.commit();
      const names = await snmp.walk(target(device), `${oids.ifXEntry}.1`);
      const index = names.find((vb) => vb.value === 'st0.2')!.oid.split('.').at(-1);
      return (await snmp.get(target(device), [`${oids.ifEntry}.8.${index}`]))[0]?.value;
    };
    // The box of the test before, already a spoke.
    assert.equal(await tunnelTo(fleet.device(third)!, false), 2, 'down: nobody runs that box');
    const split = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.30.0.40', firstSerial: 40, outsidePeersUp: true }));
    try {
      assert.equal(await tunnelTo(split.device('BLS0000040')!, true), 1, 'up: its peer is in another process');
    } finally {
      await split.stop();
    }
  });

  it('powered off answers nothing; powered on again, it has a fresh uptime and its configuration, but not an unconfirmed commit', async () => {
    const device = fleet.device(second)!;
    const session = await netconf(device);
    await session.editConfig({ target: 'candidate', config: `<configuration><system><host-name>unconfirmed</host-name></system></configuration>` });
    await session.rpc('<commit-configuration><confirmed/><log>survives sessions, not power</log></commit-configuration>');
    session.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(device.store.confirmPending, 'a Junos confirmed commit outlives its session');
    assert.equal((await control(`/devices/${second}/power`, { on: false })).status, 200);
    await assert.rejects(snmp.get(target(device), [oids.sysUpTime]), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout');
    await assert.rejects(netconf(device), (e: unknown) => e instanceof DeviceError && e.kind === 'unreachable');
    await control(`/devices/${second}/power`, { on: true });
    const [uptime, name] = await snmp.get(target(device), [oids.sysUpTime, oids.sysName]);
    assert.ok((uptime?.value as number) < 500, 'uptime restarted');
    assert.equal(name?.value, 'lyon-01');
  });

  it('installs firmware as Junos does: copied to /var/tmp, checked, added, active after the reboot it asked for', async () => {
    const device = fleet.device(first)!;
    const image = Buffer.concat([Buffer.from('BRANCHLINE-SIM-IMAGE model=SRX-SIM-300 version=23.2R1\n'), Buffer.alloc(4096, 7)]);
    const wrongModel = Buffer.from('BRANCHLINE-SIM-IMAGE model=SRX-SIM-100 version=23.2R1\n');
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const images = await httpServer((path) => ({ status: 200, body: path === '/wrong-model' ? wrongModel : image }));
    const text = (reply: Element, name: string) => reply.getElementsByTagName(name)[0]?.textContent?.trim();
    try {
      const session = await netconf(device);
      const copy = (path: string, to: string) => session.rpc(`<file-copy><source>${images.url}${path}</source><destination>${to}</destination></file-copy>`);
      const add = (to: string, options = '') => session.rpc(`<request-package-add><package-name>${to}</package-name><no-copy/>${options}</request-package-add>`);
      await control(`/devices/${first}/faults`, { storageFreeBytes: 1000 });
      await assert.rejects(copy('/image', '/var/tmp/junos-23.2R1.tgz'), /No space left on device/);
      await control(`/devices/${first}/faults`, { storageFreeBytes: 4 * 1024 ** 3 });
      await copy('/image', '/var/tmp/junos-23.2R1.tgz');
      const checksum = await session.rpc('<get-sha256-checksum-information><path>/var/tmp/junos-23.2R1.tgz</path></get-sha256-checksum-information>');
      assert.equal(text(checksum, 'checksum'), sha(image));
      await copy('/wrong-model', '/var/tmp/other.tgz');
      assert.match(text(await add('/var/tmp/other.tgz'), 'output') ?? '', /for SRX-SIM-100, this device is a SRX-SIM-300/);
      await control(`/devices/${first}/faults`, { failNextInstall: 'package signature invalid' });
      const refused = await add('/var/tmp/junos-23.2R1.tgz');
      assert.deepEqual([text(refused, 'package-result'), text(refused, 'output')], ['1', 'ERROR: package signature invalid']);
      const added = await add('/var/tmp/junos-23.2R1.tgz');
      assert.equal(text(added, 'package-result'), '0');
      assert.match(text(added, 'output') ?? '', /JUNOS 23\.2R1 will become active at next reboot/);
      assert.equal(device.softwareVersion(), '22.4R1', 'active only after a reboot');
      assert.match(text(await session.rpc('<request-reboot/>'), 'request-reboot-status') ?? '', /Shutdown NOW/);
      await eventually('the device reboots', async () => (device.powered ? undefined : true), 3000);
      const [uptime] = await eventually('the device is back', () => snmp.get(target(device), [oids.sysUpTime]));
      assert.ok((uptime?.value as number) < 500);
      const back = await netconf(device);
      assert.equal(text(await back.rpc('<get-software-information/>'), 'junos-version'), '23.2R1');
      assert.match(text(await back.rpc('<request-package-rollback/>'), 'output') ?? '', /'22\.4R1' will become active at next reboot/);
    } finally {
      await images.close();
    }
  });

  it('fresh from the factory, phones home with its serial until the orchestrator takes it', async () => {
    const calls: { serial: string; model: string; softwareVersion: string }[] = [];
    const orchestrator = await httpServer((_path, body) => {
      calls.push(JSON.parse(body));
      return { status: calls.length < 3 ? 503 : 202 };
    });
    const local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.31.0.1', phoneHomeUrl: `${orchestrator.url}/ztp/phone-home` }));
    try {
      await eventually('accepted on the third call', async () => (calls.length >= 3 ? true : undefined));
      await wait(500);
      assert.equal(calls.length, 3, 'no call after it was taken');
      assert.deepEqual(Object.keys(calls[0]!).sort(), ['address', 'hostKeySha256', 'model', 'netconfPort', 'serial', 'snmpPort', 'softwareVersion']);
      assert.equal(calls[0]?.serial, 'BLS0000001');
    } finally {
      await local.stop();
      await orchestrator.close();
    }
  });

  it('phones home soon once the installer types in an activation code, with the code, until the orchestrator takes it', async () => {
    const calls: { activationCode?: string }[] = [];
    const orchestrator = await httpServer((_path, body) => {
      calls.push(JSON.parse(body));
      return { status: calls.length === 1 ? 403 : 200 };
    });
    // An interval far beyond the test: any call after the first is the code's doing.
    const local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.37.0.1', phoneHomeUrl: `${orchestrator.url}/ztp/phone-home`, phoneHomeIntervalMs: 600_000 }));
    const post = (code: unknown) => fetch(`${local.controlUrl}/devices/BLS0000001/activation-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    try {
      await eventually('the first call, refused', async () => (calls.length >= 1 ? true : undefined));
      const set = await post('K7Q-2291-ZX');
      assert.equal(set.status, 200);
      const described = await set.text();
      assert.equal((JSON.parse(described) as { activationCodeSet: boolean }).activationCodeSet, true);
      assert.doesNotMatch(described, /K7Q-2291-ZX/, 'the control API does not show the code');
      await eventually('a call with the code, soon', async () => (calls.length >= 2 ? true : undefined), 2000);
      assert.equal(calls[0]!.activationCode, undefined);
      assert.equal(calls[1]!.activationCode, 'K7Q-2291-ZX');

      const device = (await (await fetch(`${local.controlUrl}/devices/BLS0000001`)).json()) as { phoneHome: { claimed: boolean; lastStatus: number } };
      assert.deepEqual([device.phoneHome.claimed, device.phoneHome.lastStatus], [true, 200]);
      assert.equal((await post('ANOTHER-ONE')).status, 200);
      await wait(700);
      assert.equal(calls.length, 2, 'taken: no call after the 200, even with a new code');

      assert.equal((await post('')).status, 400);
      assert.equal((await post('x'.repeat(101))).status, 400);
      assert.equal((JSON.parse(await (await post(null)).text()) as { activationCodeSet: boolean }).activationCodeSet, false);
    } finally {
      await local.stop();
      await orchestrator.close();
    }
  });

  it('answers to the management credentials given to the fleet, also when restored from a state file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fleet-credentials-'));
    const stateFile = join(directory, 'fleet.json');
    const credentials = { username: 'ops', password: 'correct-horse-battery', community: 'branch-ro' };
    try {
      let local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.38.0.1', stateFile }));
      const saved = local.device('BLS0000001')!;
      const [hostKey, savedPassword] = [saved.hostKeySha256, saved.identity.password];
      assert.deepEqual([saved.identity.username, saved.identity.community], ['admin', 'branchline']);
      await local.stop();

      local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.38.0.1', stateFile, credentials }));
      try {
        const device = local.device('BLS0000001')!;
        assert.equal(device.hostKeySha256, hostKey, 'the same box');
        const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, ...credentials, connectTimeoutMs: 3000 });
        sessions.push(session);
        assert.match((await session.rpc('<get-chassis-inventory/>')).toString(), /<serial-number>BLS0000001<\/serial-number>/);
        const [name] = await snmp.get({ host: device.identity.address, port: device.identity.snmpPort, version: '2c', community: 'branch-ro' }, [oids.jnxBoxSerialNo]);
        assert.equal(name?.value, 'BLS0000001');
        await assert.rejects(
          NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: 'admin', password: savedPassword, connectTimeoutMs: 3000 }),
          (e: unknown) => e instanceof DeviceError && e.kind === 'auth',
        );
      } finally {
        await local.stop();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('saves a box changed while the fleet runs, serialising that box and no other', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fleet-save-'));
    const stateFile = join(directory, 'fleet.json');
    const local = await Fleet.start(fleetOptions({ devices: 3, baseAddress: '127.73.0.1', stateFile }));
    try {
      const serialised = new Map<string, number>();
      for (const [serial, box] of local.devices) {
        const toState = box.toState.bind(box);
        box.toState = () => {
          serialised.set(serial, (serialised.get(serial) ?? 0) + 1);
          return toState();
        };
      }
      const device = local.device('BLS0000002')!;
      const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: 'admin', password: device.identity.password });
      sessions.push(session);
      await session.editConfig({ target: 'candidate', config: `<configuration><system><host-name>saved-live</host-name></system></configuration>` });
      await session.commit();
      const savedBox = async () => {
        for (let attempt = 0; attempt < 100; attempt++) {
          const saved = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { devices: { identity: { serial: string }; running: string }[] }).devices : [];
          const box = saved.find((d) => d.identity.serial === 'BLS0000002');
          if (box?.running.includes('saved-live')) return saved;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.fail('the change was never saved');
      };
      const saved = await savedBox();
      assert.deepEqual(saved.map((d) => d.identity.serial), ['BLS0000001', 'BLS0000002', 'BLS0000003'], 'every box is in the file');
      assert.deepEqual([...serialised.keys()], ['BLS0000002'], 'only the changed box was serialised again');
    } finally {
      await local.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('keeps configuration, version, host key and activation code across a restart with a state file; a factory reset wipes the code', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fleet-state-'));
    const stateFile = join(directory, 'fleet.json');
    try {
      let local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.32.0.1', stateFile }));
      const device = local.device('BLS0000001')!;
      const hostKey = device.hostKeySha256;
      const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: 'admin', password: device.identity.password });
      await session.editConfig({ target: 'candidate', config: `<configuration><system><host-name>kept</host-name></system></configuration>` });
      await session.commit();
      await session.close();
      const post = (path: string, body: unknown) => fetch(`${local.controlUrl}/devices/BLS0000001${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await post('/activation-code', { code: 'SITE-LYON-01' })).status, 200);
      await local.stop();
      local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.32.0.1', stateFile }));
      const again = local.device('BLS0000001')!;
      assert.equal(again.hostKeySha256, hostKey);
      assert.equal(again.hostName(), 'kept');
      assert.equal(again.activationCode, 'SITE-LYON-01');
      assert.equal((await post('/factory-reset', {})).status, 200);
      assert.equal(again.activationCode, undefined);
      await local.stop();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('in call-home mode, dials the orchestrator, which recognises it by host key and runs NETCONF over that connection', async () => {
    let local: Fleet | undefined;
    const listener = new CallHomeListener({
      host: '127.0.0.1',
      port: 0,
      deviceByHostKey: (fingerprint) => {
        const device = [...(local?.devices.values() ?? [])].find((d) => d.hostKeySha256 === fingerprint);
        return device && { serial: device.serial, username: device.identity.username, password: device.identity.password };
      },
    });
    const port = await listener.start();
    try {
      local = await Fleet.start(fleetOptions({ devices: 2, baseAddress: '127.33.0.1', callHome: { host: '127.0.0.1', port, retryMs: 200 } }));
      const session = await listener.waitFor('BLS0000002', 5000);
      assert.match((await session.rpc('<get-chassis-inventory/>')).toString(), /<serial-number>BLS0000002<\/serial-number>/);
      session.destroy();
      const again = await eventually('the device calls home again', async () => listener.session('BLS0000002'));
      assert.notEqual(again, session);
    } finally {
      await local?.stop();
      await listener.stop();
    }
  });

  it('sends linkDown and linkUp when a link is cut and restored, and the RPM notifications its test asks for when its results cross the thresholds', async () => {
    const traps: { oid: string; varbinds: { oid: string; value: unknown }[] }[] = [];
    const receiver = netSnmp.createReceiver({ port: 20162, address: '127.0.0.1', disableAuthorization: true }, (error: Error | null, notification: { pdu: { varbinds: { oid: string; value: unknown }[] } }) => {
      if (error) return;
      const trapOid = notification.pdu.varbinds.find((vb) => vb.oid === '1.3.6.1.6.3.1.1.4.1.0');
      traps.push({ oid: String(trapOid?.value), varbinds: notification.pdu.varbinds });
    });
    const local = await Fleet.start(fleetOptions({ devices: 1, baseAddress: '127.35.0.1', trapReceiver: { host: '127.0.0.1', port: 20162 } }));
    try {
      const device = local.device('BLS0000001')!;
      const session = await NetconfSession.connect({ host: device.identity.address, port: device.identity.netconfPort, username: device.identity.username, password: device.identity.password });
      // Two tests on the link, one trap each: the simulator's datastore keeps one value of a leaf-list such as traps.
      await session.editConfig({ target: 'candidate', config: rpmProbe('wan0', '<thresholds><rtt>150000</rtt></thresholds><traps>rtt-exceeded</traps>') });
      await session.editConfig({ target: 'candidate', config: rpmProbe('wan0', '<thresholds><total-loss>5</total-loss></thresholds><traps>test-failure</traps>').replace('<name>sla</name>', '<name>loss</name>') });
      await session.commit();
      session.destroy();
      const post = (body: unknown) => fetch(`${local.controlUrl}/devices/BLS0000001/links/wan0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await post({ cut: true });
      await post({ cut: false });
      await post({ latencyMs: 300, jitterMs: 0 });
      await post({ latencyMs: 310 });
      await eventually('four traps', async () => (traps.length >= 4 ? true : undefined));
      await wait(200);
      assert.deepEqual(traps.map((t) => t.oid), [notifications.linkDown, notifications.pingTestFailed, notifications.linkUp, notifications.jnxPingRttThresholdExceeded]);
      assert.ok(traps[0]!.varbinds.some((vb) => vb.oid.startsWith('1.3.6.1.2.1.2.2.1.8.') && vb.value === 2), 'linkDown carries ifOperStatus down');
      const index = rpmInstance('wan0', 'sla');
      assert.ok(traps[1]!.varbinds.some((vb) => vb.oid === `${notifications.pingResultsEntry}.7.${rpmInstance('wan0', 'loss')}` && vb.value === 0), 'pingTestFailed: no probe answered');
      assert.ok(traps[3]!.varbinds.some((vb) => vb.oid === `${notifications.jnxPingResultsEntry}.5.${index}` && vb.value === 300_000), 'jnxPingResultsAvgRttUs');
      assert.ok(traps[3]!.varbinds.some((vb) => vb.oid === `${notifications.jnxPingCtlEntry}.7.${index}` && vb.value === 150_000), 'jnxPingCtlRttThreshold');
    } finally {
      await local.stop();
      receiver.close();
    }
  });

  it('runs as `npm run simulator -- --devices N --json`: a line per device, then ready with the control URL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/main.ts', '--devices', '3', '--json', '--base-address', '127.34.0.1', '--snmp-port', '20161', '--netconf-port', '20830',
      '--username', 'ops', '--community', 'branch-ro'], { cwd: join(import.meta.dirname, '..') });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    try {
      await eventually('ready', async () => (output.includes('"ready":true') ? true : undefined));
      const lines = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(lines.length, 4);
      for (const line of lines.slice(0, 3)) {
        for (const key of ['serial', 'model', 'address', 'snmpPort', 'netconfPort', 'community', 'username', 'password']) assert.ok(key in line, key);
        assert.deepEqual([line['username'], line['community']], ['ops', 'branch-ro']);
      }
      assert.equal(new Set(lines.slice(0, 3).map((line) => line['password'])).size, 1, 'one password for the fleet');
      const ready = lines[3] as { ready: boolean; control: string };
      const devices = (await (await fetch(`${ready.control}/devices`)).json()) as unknown[];
      assert.equal(devices.length, 3);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
