// The junos driver and the configuration-change state machine against simulated devices speaking Junos.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApplicationFailure } from '@temporalio/common';
import { simulatorImage } from '../../../simulator/device.ts';
import { Fleet } from '../../../simulator/fleet.ts';
import { junosRenderer } from '../../../domain/render/junos.ts';
import { applyConfiguration } from '../change.ts';
import { DeviceError, lockRefusal } from '../errors.ts';
import { toApplicationFailure } from '../failures.ts';
import { NetconfSessionPool } from '../netconf/pool.ts';
import { SnmpClient } from '../snmp.ts';
import type { DeviceConnection, DeviceDriver } from './contract.ts';
import { revealNine } from '../../../domain/junos-nine.ts';
import { driverFor } from './registry.ts';
import { netconfTarget } from './targets.ts';

const hostName = (name: string) => `<configuration><system><host-name>${name}</host-name></system></configuration>`;
/** Each WAN link's SLA probe, as the renderer declares it: services rpm probe <link> test sla. */
const slaProbes = (links: string[]) => `<configuration><services><rpm>${links.map((link) => `<probe><name>${link}</name><test><name>sla</name>`
  + `<probe-type>icmp-ping</probe-type><target><address>192.0.2.1</address></target><probe-count>10</probe-count></test></probe>`).join('')}</rpm></services></configuration>`;

describe('junos driver', () => {
  let fleet: Fleet;
  const transports = { netconf: new NetconfSessionPool({ maxSessions: 2, idleMs: 5000 }), snmp: new SnmpClient({ timeoutMs: 1000, retries: 1 }) };
  const driver = (serial: string): DeviceDriver => {
    const device = fleet.device(serial)!;
    const connection: DeviceConnection = {
      serial, platform: 'junos', host: device.identity.address, netconfPort: device.identity.netconfPort, snmpPort: device.identity.snmpPort,
      username: device.identity.username, password: device.identity.password, community: device.identity.community,
    };
    return driverFor(connection, transports);
  };
  const journal = (serial: string) => fleet.device(serial)!.store.journal.map((entry) => entry.kind);

  before(async () => {
    fleet = await Fleet.start({
      devices: 9, baseAddress: '127.40.0.1', snmpPort: 21161, netconfPort: 21830, controlPort: 0,
      models: ['SRX-SIM-300'], phoneHomeIntervalMs: 1000, rebootMs: 200,
    });
  });
  after(async () => {
    await transports.netconf.close();
    transports.snmp.close();
    await fleet.stop();
  });

  it('reads facts and interfaces over NETCONF, and each WAN link\'s SLA probe from JUNIPER-RPM-MIB over SNMP', async () => {
    const device = fleet.device('BLS0000007')!;
    const facts = await driver('BLS0000007').facts();
    assert.deepEqual([facts.serial, facts.model, facts.softwareVersion, facts.hostName, facts.storageFreeBytes, facts.hostKeySha256],
      ['BLS0000007', 'SRX-SIM-300', '22.4R1', 'BLS0000007', 4 * 1024 ** 3, device.hostKeySha256]);
    assert.ok(facts.uptimeSeconds >= 0 && facts.uptimeSeconds < 600);
    const interfaces = await driver('BLS0000007').interfaces();
    assert.deepEqual(interfaces.find((i) => i.name === 'ge-0/0/0'), { name: 'ge-0/0/0', adminUp: true, operUp: true });
    assert.deepEqual(await driver('BLS0000007').probes(), [], 'no RPM test configured: no probe results');
    assert.deepEqual(await driver('BLS0000007').probes({ links: ['wan0'] }), [], 'nor when read exactly');
    await applyConfiguration(driver('BLS0000007'), { config: slaProbes(['wan0', 'wan1', 'lte']), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'rpm-1', checks: [] });
    // No partial loss: a reading mixes the current test's probes so far with the last completed
    // test's, so which probes a partial loss took depends on the moment (the unit tests of the
    // readings, and the SNMP test's lost-probe percentage, cover that arithmetic).
    device.changeLink('wan1', { latencyMs: 40, jitterMs: 6, lossPermille: 0 });
    device.changeLink('lte', { cut: true });
    const probed = [
      { link: 'lte', latencyMs: 0, jitterMs: 0, lossPermille: 1000, up: false },
      { link: 'wan0', latencyMs: 18, jitterMs: 2, lossPermille: 0, up: true },
      { link: 'wan1', latencyMs: 40, jitterMs: 6, lossPermille: 0, up: true },
    ];
    assert.deepEqual(await driver('BLS0000007').probes(), probed);
    const exact = await driver('BLS0000007').probes({ links: ['wan1', 'lte', 'dsl', 'wan0'] });
    assert.deepEqual(exact.sort((a, b) => a.link.localeCompare(b.link)), probed, 'read exactly by link, the same; a link no probe measures has no result');
    await applyConfiguration(driver('BLS0000007'), {
      config: hostName('probed'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'rpm-2', checks: [{ kind: 'probe-up', link: 'wan0' }, { kind: 'probe-up', link: 'wan1' }],
    });
    device.changeLink('lte', { cut: false });
    device.changeLink('wan1', { latencyMs: 32, jitterMs: 5, lossPermille: 2 });
  });

  describe('software, as Junos takes it: copied to /var/tmp, its sha256 checked there, then added', () => {
    const image = simulatorImage('SRX-SIM-300', '23.2R1');
    const sha256 = createHash('sha256').update(image).digest('hex');
    const server = createServer((_request, response) => response.end(image));
    let url = '';
    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/junos-srxsme-23.2R1.tgz`;
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    it('refuses an image whose sha256 does not match before installing it, and one there is no room for before copying it', async () => {
      const box = fleet.device('BLS0000008')!;
      const installs = box.installs;
      await assert.rejects(driver('BLS0000008').installImage({ url, sha256: 'f'.repeat(64), reboot: true }),
        (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && e.details['reason'] === 'checksum-mismatch' && new RegExp(`has sha256 ${sha256}`).test(e.message));
      box.faults.storageFreeBytes = 10; // the simulator's images are a hundred bytes or so
      try {
        await assert.rejects(driver('BLS0000008').installImage({ url, sha256, reboot: true, sizeBytes: image.length }),
          (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && e.details['reason'] === 'no-room');
        await assert.rejects(driver('BLS0000008').installImage({ url, sha256, reboot: true }),
          (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && e.details['reason'] === 'no-room' && /No space left on device/.test(e.message), 'the copy itself runs out of room');
      } finally {
        box.faults.storageFreeBytes = 4 * 1024 ** 3;
      }
      assert.deepEqual([box.installs, box.softwareVersion(), (await driver('BLS0000008').facts()).storageFreeBytes], [installs, '22.4R1', 4 * 1024 ** 3], 'nothing installed, nothing left in /var/tmp');
    });

    it('installs, active after the reboot; rolls back to the previous software, rebooting into it', async () => {
      const box = fleet.device('BLS0000008')!;
      assert.deepEqual(await driver('BLS0000008').installImage({ url, sha256, reboot: false, sizeBytes: image.length }), { version: '23.2R1' });
      assert.equal((await driver('BLS0000008').facts()).softwareVersion, '22.4R1', 'until the reboot');
      await driver('BLS0000008').reboot();
      const back = async (version: string) => {
        for (let i = 0; i < 100; i++) {
          const facts = await driver('BLS0000008').facts().catch(() => undefined);
          if (facts?.softwareVersion === version) return facts;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return assert.fail(`not back on ${version}`);
      };
      assert.ok((await back('23.2R1')).uptimeSeconds < 5);
      assert.deepEqual(await driver('BLS0000008').rollbackImage(), { version: '22.4R1' });
      await back('22.4R1');
      assert.equal(box.installs, 1);
    });
  });

  it('applies a change once: confirmed commit, checks, confirm; the same change again changes nothing', async () => {
    const first = await applyConfiguration(driver('BLS0000002'), { config: hostName('porto-01'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-1', checks: [{ kind: 'interface-up', interface: 'ge-0/0/0' }] });
    assert.equal(first.changed, true);
    assert.match(first.diff, /\+\s+<host-name>porto-01<\/host-name>/);
    const again = await applyConfiguration(driver('BLS0000002'), { config: hostName('porto-01'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-2', checks: [] });
    assert.deepEqual(again, { changed: false, diff: '' });
    assert.deepEqual(journal('BLS0000002'), ['confirmed-commit', 'confirm']);
    assert.equal(fleet.device('BLS0000002')!.store.confirmPending, undefined);
    // As Junos keeps it: no namespace, and not the marks of its last commit.
    assert.match(await driver('BLS0000002').runningConfig(), /^<configuration><system><host-name>porto-01<\/host-name>/);
  });

  it('when a post-check fails, rolls the change back and says why', async () => {
    await assert.rejects(
      applyConfiguration(driver('BLS0000003'), { config: hostName('never'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-3', checks: [{ kind: 'interface-up', interface: 'st0.9' }] }),
      (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /rolled back.*interface st0\.9 is missing/.test(e.message),
    );
    assert.deepEqual(journal('BLS0000003'), ['confirmed-commit', 'revert']);
    assert.notEqual(fleet.device('BLS0000003')!.hostName(), 'never');
  });

  it('when the device refuses the configuration, leaves running and candidate as they were', async () => {
    const bad = '<configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>5</name><vlan-id>9999</vlan-id></unit></interface></interfaces></configuration>';
    await assert.rejects(
      applyConfiguration(driver('BLS0000004'), { config: bad, mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-4', checks: [] }),
      (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /invalid-value.*9999.*\[edit interfaces interface ge-0\/0\/1 unit 5 vlan-id\]/.test(e.message),
    );
    // A statement Junos does not know, as Junos words it.
    const unknown = '<configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>0</name><address>192.0.2.1/30</address></unit></interface></interfaces></configuration>';
    await assert.rejects(
      applyConfiguration(driver('BLS0000004'), { config: unknown, mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-4b', checks: [] }),
      (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /unknown-element \(syntax error\) at \[edit interfaces interface ge-0\/0\/1 unit 0\]/.test(e.message),
    );
    assert.equal(await driver('BLS0000004').diff(), '');
    assert.deepEqual(journal('BLS0000004'), []);
  });

  /** What an attempt that died between commit and confirm leaves behind. */
  const commitWithoutConfirming = async (d: DeviceDriver, config: string, persist: string) => {
    await d.lock();
    await d.loadCandidate(config, 'merge');
    await d.commitConfirmed({ confirmTimeoutSeconds: 600, persist });
    await d.unlock();
  };

  /** pendingCommit is asked holding the lock, as the change does. */
  const pendingUnderLock = async (d: DeviceDriver, persist: string) => {
    await d.lock();
    try {
      return await d.pendingCommit(persist, 600);
    } finally {
      await d.unlock();
    }
  };

  it('finds a pending confirmed commit by the token in its log, waits for another change\'s, and finds none once confirmed', async () => {
    const d = driver('BLS0000006');
    assert.equal(await pendingUnderLock(d, 'change-6'), false);
    await commitWithoutConfirming(d, hostName('pending'), 'change-6');
    await assert.rejects(pendingUnderLock(d, 'another-change'),
      (e: unknown) => e instanceof DeviceError && e.kind === 'lock-held' && lockRefusal(e) === 'commit-pending' && /branchline change-6/.test(e.message));
    assert.equal(await pendingUnderLock(d, 'change-6'), true);
    assert.deepEqual(journal('BLS0000006'), ['confirmed-commit'], 'finding it commits nothing more');
    assert.deepEqual(fleet.device('BLS0000006')!.store.journal.map((e) => [e.confirmTimeoutSeconds, e.log]), [[600, 'branchline change-6']], 'ten minutes, the token in the log');
    await assert.rejects(d.confirm('another-change'), (e: unknown) => e instanceof DeviceError && e.kind === 'rejected');
    await d.confirm('change-6');
    assert.equal(await pendingUnderLock(d, 'change-6'), false);
  });

  it('keeps a pending confirmed commit when its session ends, as Junos does', async () => {
    const d = driver('BLS0000007');
    await commitWithoutConfirming(d, hostName('outlives-its-session'), 'change-8');
    await transports.netconf.close();
    assert.equal(fleet.device('BLS0000007')!.store.confirmPending?.junos, true);
    assert.equal(await pendingUnderLock(d, 'change-8'), true);
    await d.rollback('change-8');
    assert.deepEqual(journal('BLS0000007').slice(-2), ['confirmed-commit', 'revert']);
    assert.notEqual(fleet.device('BLS0000007')!.hostName(), 'outlives-its-session');
  });

  it('when an earlier attempt committed and was lost before confirming, a retry confirms it once', async () => {
    const d = driver('BLS0000001');
    const change = { config: hostName('done'), mode: 'merge' as const, confirmTimeoutSeconds: 60, persist: 'change-5', checks: [{ kind: 'interface-up' as const, interface: 'ge-0/0/0' }] };
    await commitWithoutConfirming(d, change.config, change.persist);
    const result = await applyConfiguration(d, change);
    assert.deepEqual(result, { changed: true, diff: '' });
    assert.equal(fleet.device('BLS0000001')!.hostName(), 'done');
    assert.deepEqual(journal('BLS0000001'), ['confirmed-commit', 'confirm']);
    assert.equal(fleet.device('BLS0000001')!.store.confirmPending, undefined);
    assert.equal(await pendingUnderLock(d, 'change-5'), false);
  });

  it('when a retry finds its earlier attempt committed but the post-checks fail, rolls it back', async () => {
    const d = driver('BLS0000006');
    await commitWithoutConfirming(d, hostName('never-confirmed'), 'change-7');
    await assert.rejects(
      applyConfiguration(d, { config: hostName('never-confirmed'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-7', checks: [{ kind: 'interface-up', interface: 'st0.9' }] }),
      (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /rolled back.*interface st0\.9 is missing/.test(e.message),
    );
    assert.deepEqual(journal('BLS0000006'), ['confirmed-commit', 'confirm', 'confirmed-commit', 'revert']);
    assert.equal(fleet.device('BLS0000006')!.hostName(), 'pending');
    assert.equal(await pendingUnderLock(d, 'change-7'), false);
  });

  it('when a change cuts the device off, refuses it once the device reverted it on its own, and never commits it again', async () => {
    const serial = 'BLS0000009';
    const device = fleet.device(serial)!;
    // The management path runs through ge-0/0/1, and a minute of confirm-timeout lasts 2 s here.
    device.setManagementInterface('ge-0/0/1');
    device.faults.confirmMinuteMs = 2000;
    const pool = new NetconfSessionPool({ maxSessions: 2, idleMs: 5000, rpcTimeoutMs: 1000, connectTimeoutMs: 1500 });
    const cutOff = driverFor({ ...driver(serial).connection }, { netconf: pool, snmp: transports.snmp });
    const before = journal(serial).length;
    const change = {
      config: '<configuration><interfaces><interface><name>ge-0/0/1</name><description>moved</description></interface></interfaces></configuration>',
      mode: 'merge' as const, confirmTimeoutSeconds: 60, persist: 'cuts-management', checks: [{ kind: 'interface-up' as const, interface: 'ge-0/0/0' }],
    };
    // Attempts as a device write's retry policy makes them: up to five, the next after a retryable failure.
    let last: unknown;
    for (let attempt = 1; attempt <= 5; attempt++) {
      last = await applyConfiguration(cutOff, change).then(() => undefined, (error: unknown) => error);
      if (!(last instanceof DeviceError) || !last.retryable) break;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    try {
      assert.ok(last instanceof DeviceError && last.kind === 'management-path-lost', String(last));
      assert.equal((toApplicationFailure(last) as ApplicationFailure).type, 'ManagementPathLost');
      assert.equal((toApplicationFailure(last) as ApplicationFailure).nonRetryable, true);
      assert.deepEqual(journal(serial).slice(before), ['confirmed-commit', 'revert'], 'committed once, reverted by the device, not committed again');
    } finally {
      device.setManagementInterface(undefined);
      device.faults.confirmMinuteMs = 60_000;
      await pool.close();
    }
  });

  it('accepts the configuration onboarding renders: stage 1, then stage 2 with tunnels up to peers that are up', async () => {
    const [hubA, hubB] = [fleet.device('BLS0000001')!, fleet.device('BLS0000002')!];
    const input = {
      hostname: 'lyon-store-01',
      loopback: '10.255.0.7/32',
      wanLinks: [{ name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30' }, { name: 'internet', interfaceName: 'ge-0/0/1', address: 'dhcp' as const }],
      lanSegments: [{ name: 'staff', vlanId: 10, gateway: '10.7.10.1/24', dhcp: true, department: 'Staff' }],
      tunnels: [
        { name: 'hub-a', unit: 1, peer: hubA.identity.address, localAddress: '172.16.0.2/30', viaLink: 'mpls' },
        { name: 'hub-b', unit: 2, peer: hubB.identity.address, localAddress: '172.16.0.6/30', viaLink: 'internet' },
      ],
    };
    const d = driver('BLS0000005');
    const stage1 = await applyConfiguration(d, { config: junosRenderer.stage1(input), mode: 'replace', confirmTimeoutSeconds: 60, persist: 'stage-1', checks: [{ kind: 'interface-up', interface: 'ge-0/0/0' }] });
    assert.equal(stage1.changed, true);
    const stage2 = await applyConfiguration(d, {
      config: junosRenderer.stage2(input), mode: 'replace', confirmTimeoutSeconds: 60, persist: 'stage-2',
      checks: [{ kind: 'interface-up', interface: 'st0.1' }, { kind: 'interface-up', interface: 'st0.2' }, { kind: 'interface-up', interface: 'irb.10' }],
    });
    assert.equal(stage2.changed, true);
    // The LAN segment's interface appears over SNMP as well: the interface tables follow the configuration.
    const { identity } = fleet.device('BLS0000005')!;
    const ifNames = await transports.snmp.walk({ host: identity.address, port: identity.snmpPort, version: '2c', community: identity.community }, '1.3.6.1.2.1.31.1.1.1.1');
    assert.ok(ifNames.some((vb) => vb.value === 'irb.10'), 'ifName irb.10');
    assert.match(stage2.diff, /\+\s+<bind-interface>st0\.1<\/bind-interface>/);
    // The tunnels to a peer read back from the running configuration, as an RMA captures them.
    assert.deepEqual(await d.tunnelsTo(hubB.identity.address), [{ name: 'hub-b', unit: 2, peer: hubB.identity.address, localAddress: '172.16.0.6/30', viaLink: 'ge-0/0/1' }]);
    // Junos keeps each pre-shared key as a "$9$" string, spelt anew whenever it is loaded: the
    // same configuration again is still no change.
    const keys = [...(await d.runningConfig()).matchAll(/<ascii-text>([^<]*)<\/ascii-text>/g)].map((m) => m[1]!);
    assert.equal(keys.length, 2);
    assert.ok(keys.every((key) => key.startsWith('$9$') && revealNine(key)?.startsWith('$secret{ike-psk/')), keys.join(' '));
    assert.equal((await applyConfiguration(d, { config: junosRenderer.stage2(input), mode: 'replace', confirmTimeoutSeconds: 60, persist: 'stage-2b', checks: [] })).changed, false);
    assert.deepEqual(journal('BLS0000005'), ['confirmed-commit', 'confirm', 'confirmed-commit', 'confirm']);
  });

  it('checks a static WAN link up with its address and a PPPoE session up on pp0, and rolls back a link without its address', async () => {
    const input = {
      hostname: 'leuven-depot-01',
      loopback: '10.255.0.9/32',
      wanLinks: [
        { name: 'mpls', interfaceName: 'ge-0/0/0', address: '192.0.2.10/30', gateway: '192.0.2.9' },
        { name: 'internet', interfaceName: 'ge-0/0/1', address: 'pppoe', pppoe: { unit: 0, username: 'leuven@isp.example', authentication: 'chap' as const, passwordSecret: 'pa55word' } },
      ],
      lanSegments: [],
      tunnels: [],
    };
    const checks = [{ kind: 'interface-up' as const, interface: 'ge-0/0/0', address: '192.0.2.10/30' }, { kind: 'interface-up' as const, interface: 'pp0.0' }];
    const d = driver('BLS0000004');
    assert.equal((await applyConfiguration(d, { config: junosRenderer.stage1(input), mode: 'replace', confirmTimeoutSeconds: 60, persist: 'wan-1', checks })).changed, true);
    const interfaces = await d.interfaces();
    assert.deepEqual(interfaces.find((i) => i.name === 'ge-0/0/0'), { name: 'ge-0/0/0', adminUp: true, operUp: true, addresses: ['192.0.2.10/30'] });
    assert.equal(interfaces.find((i) => i.name === 'pp0.0')?.operUp, true);
    const renumbered = junosRenderer.stage1({ ...input, wanLinks: [{ ...input.wanLinks[0]!, address: '192.0.2.14/30', gateway: '192.0.2.13' }, input.wanLinks[1]!] });
    await assert.rejects(
      applyConfiguration(d, { config: renumbered, mode: 'replace', confirmTimeoutSeconds: 60, persist: 'wan-2', checks }),
      (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /rolled back.*interface ge-0\/0\/0 is up without its address 192\.0\.2\.10\/30/.test(e.message),
    );
    assert.deepEqual(journal('BLS0000004'), ['confirmed-commit', 'confirm', 'confirmed-commit', 'revert']);
  });

  it('keeps the device\'s own accounts (root password, login users) when a configuration replaces its own', async () => {
    const d = driver('BLS0000008');
    const accounts = '<configuration><system><root-authentication><encrypted-password>$6$Ab1Cd2Ef$2k6v5i8Xh0lY.0p7nB0A1</encrypted-password></root-authentication>'
      + '<login><user><name>noc</name><class>super-user</class></user></login></system></configuration>';
    await applyConfiguration(d, { config: accounts, mode: 'merge', confirmTimeoutSeconds: 60, persist: 'accounts-1', checks: [] });
    await applyConfiguration(d, { config: hostName('replaced'), mode: 'replace', confirmTimeoutSeconds: 60, persist: 'accounts-2', checks: [] });
    const running = await d.runningConfig();
    assert.match(running, /<host-name>replaced<\/host-name>/);
    assert.match(running, /<root-authentication><encrypted-password>\$6\$Ab1Cd2Ef\$2k6v5i8Xh0lY\.0p7nB0A1<\/encrypted-password><\/root-authentication>/);
    assert.match(running, /<login><user><name>noc<\/name><class>super-user<\/class><\/user><\/login>/);
  });

  it('reuses one NETCONF session per device and keeps within the cap', async () => {
    await Promise.all(['BLS0000001', 'BLS0000002', 'BLS0000003', 'BLS0000004'].map((serial) => driver(serial).facts()));
    assert.ok(transports.netconf.openSessions <= 2);
  });

  it('keeps a session open for a device a change is likely on, past its idle time and within half the cap', async () => {
    const pool = new NetconfSessionPool({ maxSessions: 2, idleMs: 50 });
    try {
      const first = netconfTarget(driver('BLS0000001').connection);
      const release = pool.keepOpen(first);
      assert.ok(release);
      assert.equal(pool.keepOpen(netconfTarget(driver('BLS0000002').connection)), undefined, 'half the cap is kept already');
      await pool.withSession(first, async () => undefined);
      await sleep(300);
      assert.equal(pool.holds(first), 'open', 'kept past its idle time');
      release!();
      await sleep(300);
      assert.equal(pool.holds(first), undefined, 'closed once no longer kept, after its idle time');
    } finally {
      await pool.close();
    }
  });

  it('refuses a platform it has no driver for', () => {
    assert.throws(() => driverFor({ serial: 'X', platform: 'ios-xe', host: '127.0.0.1', netconfPort: 830, snmpPort: 161, username: 'a', password: 'b', community: 'c' }, transports),
      /no driver for platform "ios-xe"/);
  });

  it('leaves activities as typed failures: permanent ones non-retryable', () => {
    const rejected = toApplicationFailure(new DeviceError('rejected', 'no')) as ApplicationFailure;
    assert.deepEqual([rejected.type, rejected.nonRetryable], ['DeviceRejected', true]);
    const unreachable = toApplicationFailure(new DeviceError('unreachable', 'gone')) as ApplicationFailure;
    assert.deepEqual([unreachable.type, unreachable.nonRetryable], ['DeviceUnreachable', false]);
    const other = new Error('not a device error');
    assert.equal(toApplicationFailure(other), other);
  });
});
