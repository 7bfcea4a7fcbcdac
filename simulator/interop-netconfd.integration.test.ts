// Interoperability with Debian's yuma123 `netconfd` behind OpenSSH: Branchline's NETCONF client,
// the generic `netconf` driver and the change state machine against a real RFC 6241 server.
// Each defect found against it has a test here named "defect (netconfd): …", which failed before
// its fix. npm test installs netconfd and sshd (scripts/interop-tools.ts; .ci/run in CI); outside
// CI, a machine without them skips this file, saying so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { applyConfiguration, type ConfigChangeInput } from '../activities/devices/change.ts';
import type { DeviceConnection, DeviceDriver } from '../activities/devices/drivers/contract.ts';
import { driverFor } from '../activities/devices/drivers/registry.ts';
import { DeviceError } from '../activities/devices/errors.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import { toApplicationFailure } from '../activities/devices/failures.ts';
import { frame } from '../activities/devices/netconf/framing.ts';
import { NetconfSessionPool } from '../activities/devices/netconf/pool.ts';
import { capabilities, NetconfRpcError, NetconfSession, type NetconfTarget } from '../activities/devices/netconf/session.ts';
import { childText, netconfBaseNs, parseXml } from '../activities/devices/netconf/xml.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import { freePort } from '../scripts/processes.ts';
import { missingNetconfd, startNetconfd, type RunningNetconfd } from './interop/netconfd.ts';

const missing = missingNetconfd();
if (missing.length > 0 && process.env['CI'] === 'true') {
  throw new Error(`CI must run the netconfd interoperability tests, but ${missing.join(', ')} is missing: .ci/run installs netconfd, its ietf modules and openssh-server.`);
}
const skip = missing.length > 0 ? `yuma123 netconfd and OpenSSH's sshd are not installed here (${missing.join(', ')} missing): apt-get install netconfd netconfd-module-ietf-interfaces netconfd-module-ietf-system openssh-server` : false;

const ifNs = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
/**
 * An interface's configuration in ietf-interfaces. Names start "bl-nc": no host has such an
 * interface, and yuma123's instrumentation acts on the host's interface of that name.
 */
const interfaceConfig = (name: string, description: string, type: string | null = 'ianaift:ethernetCsmacd') =>
  `<interfaces xmlns="${ifNs}" xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type"><interface><name>${name}</name>`
  + `${type ? `<type>${type}</type>` : ''}<description>${description}</description></interface></interfaces>`;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The commits (by client sessions) and reverts (by the server itself) netconfd logged on running, each transaction once. */
function runningTransactions(log: string): { commits: number; reverts: number } {
  const commits = new Set<string>();
  const reverts = new Set<string>();
  for (const match of log.matchAll(/edit-transaction (\d+): operation \S+ on session (\d+) by \S+\s+at \S+ on target 'running'/g)) {
    (match[2] === '0' ? reverts : commits).add(match[1]!);
  }
  return { commits: commits.size, reverts: reverts.size };
}

describe('interoperability with yuma123 netconfd behind OpenSSH', { skip }, () => {
  let netconfd: RunningNetconfd;
  let target: NetconfTarget;
  const pools: NetconfSessionPool[] = [];
  const snmp = new SnmpClient({ timeoutMs: 500, retries: 0 });
  /** A driver with a pool of its own: a worker of its own. */
  const newDriver = (pool = new NetconfSessionPool({ maxSessions: 4, idleMs: 5000 })): DeviceDriver => {
    pools.push(pool);
    const connection: DeviceConnection = {
      serial: 'NETCONFD-1', platform: 'netconf', host: netconfd.host, netconfPort: netconfd.port, snmpPort: 0,
      username: netconfd.username, password: '', privateKey: netconfd.privateKey, community: '',
    };
    return driverFor(connection, { netconf: pool, snmp });
  };
  const transactions = async () => {
    await wait(300); // netconfd's log reaches the file a moment after the reply
    return runningTransactions(netconfd.log());
  };
  const runningInterface = async (driver: DeviceDriver, name: string) => {
    const running = parseXml(`<data>${await driver.runningConfig()}</data>`);
    const entry = [...running.getElementsByTagNameNS(ifNs, 'interface')].find((e) => childText(e, 'name') === name);
    return entry && childText(entry, 'description');
  };
  /**
   * A post-check that holds: an interface of this host that netconfd reports up or, on a host
   * with none up (a bare network namespace), the software version it reports.
   */
  let passingCheck: PostCheck;

  before(async () => {
    netconfd = await startNetconfd({ port: await freePort() });
    target = { host: netconfd.host, port: netconfd.port, username: netconfd.username, privateKey: netconfd.privateKey, rpcTimeoutMs: 10_000 };
    const driver = newDriver();
    const up = (await driver.interfaces()).find((i) => i.operUp);
    passingCheck = up ? { kind: 'interface-up', interface: up.name } : { kind: 'version', equals: (await driver.facts()).softwareVersion };
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    snmp.close();
    await netconfd?.stop();
  });

  it('announces what the driver needs: :candidate, :confirmed-commit:1.1, :validate:1.1, ietf-interfaces and ietf-system (loaded with --module)', async () => {
    const session = await NetconfSession.connect(target);
    try {
      for (const capability of [capabilities.base11, capabilities.candidate, capabilities.confirmedCommit, capabilities.validate]) {
        assert.ok(session.serverCapabilities.includes(capability), capability);
      }
      assert.ok(session.serverCapabilities.some((c) => c.includes('module=ietf-interfaces')));
      assert.ok(session.serverCapabilities.some((c) => c.includes('module=ietf-system')));
    } finally {
      await session.close();
    }
  });

  it('the generic driver reads facts (ietf-system) and interfaces (ietf-interfaces, interfaces-state)', async () => {
    const driver = newDriver();
    const facts = await driver.facts();
    assert.equal(facts.serial, 'NETCONFD-1');
    assert.match(facts.hostKeySha256, /^SHA256:/);
    const interfaces = await driver.interfaces();
    assert.ok(interfaces.some((i) => i.name === 'lo'), `lo among ${interfaces.map((i) => i.name).join(', ')}`);
    await assert.rejects(driver.installImage({ url: 'http://127.0.0.1/x', sha256: 'x', reboot: false }), (e: unknown) => e instanceof DeviceError && e.kind === 'rejected');
  });

  it('the generic driver reads interfaces from NMDA\'s operational datastore where the device has one (netconfd --with-nmda)', async () => {
    const nmda = await startNetconfd({ port: await freePort(), nmda: true });
    const pool = new NetconfSessionPool({ maxSessions: 1, idleMs: 1000 });
    try {
      const driver = driverFor({ ...newDriver().connection, netconfPort: nmda.port, privateKey: nmda.privateKey }, { netconf: pool, snmp });
      const interfaces = await driver.interfaces();
      assert.ok(interfaces.some((i) => i.name === 'lo'), `lo among ${interfaces.map((i) => i.name).join(', ')}`);
      // Only the operational datastore was asked: interfaces-state is not in the NMDA revision.
      await pool.withSession({ host: nmda.host, port: nmda.port, username: nmda.username, privateKey: nmda.privateKey }, async (session) => {
        assert.ok(session.serverCapabilities.some((c) => c.includes('module=ietf-interfaces&amp;revision=2018-02-20') || c.includes('module=ietf-interfaces&revision=2018-02-20')));
      });
    } finally {
      await pool.close();
      await nmda.stop();
    }
  });

  it('defect (netconfd): a missing mandatory leaf (data-missing, app-tag instance-required) is a refused configuration, permanent, not a missing object', async () => {
    const driver = newDriver();
    await driver.lock();
    try {
      await assert.rejects(driver.loadCandidate(interfaceConfig('bl-nc9', 'no type', null), 'merge'), (e: unknown) => {
        assert.ok(e instanceof NetconfRpcError, String(e));
        assert.deepEqual([e.errors[0]?.tag, e.errors[0]?.appTag], ['data-missing', 'instance-required']);
        assert.equal(e.kind, 'rejected');
        assert.equal((toApplicationFailure(e) as { nonRetryable: boolean }).nonRetryable, true);
        return true;
      });
      assert.equal(await driver.diff(), '', 'the refused load left nothing in the candidate');
    } finally {
      await driver.unlock();
    }
  });

  it('defect (netconfd): netconfd drops an rpc read together with the hello; Branchline\'s client hands a session out only once an rpc of its own was answered, so a caller\'s first rpc always is', async () => {
    // The quirk, shown with a bare SSH client writing hello and rpc at once: no reply comes.
    const answer = await new Promise<string>((resolve, reject) => {
      const ssh = new ssh2.Client();
      ssh.on('error', reject);
      ssh.on('ready', () => ssh.subsys('netconf', (error, channel) => {
        if (error) return reject(error);
        let received = '';
        channel.on('data', (data: Buffer) => (received += data.toString()));
        const hello = `<hello xmlns="${netconfBaseNs}"><capabilities><capability>${capabilities.base10}</capability></capabilities></hello>`;
        const rpc = `<rpc xmlns="${netconfBaseNs}" message-id="1"><get-config><source><running/></source></get-config></rpc>`;
        channel.write(Buffer.concat([frame(hello, 'eom'), frame(rpc, 'eom')]));
        setTimeout(() => {
          ssh.end();
          resolve(received);
        }, 2000);
      }));
      ssh.connect({ host: target.host, port: target.port, username: target.username, privateKey: target.privateKey });
    });
    assert.match(answer, /<hello/);
    assert.doesNotMatch(answer, /<rpc-reply/, 'netconfd answered an rpc sent in the hello\'s write: the quirk is gone');
    // Branchline's client, connecting and asking at once, again and again.
    for (let attempt = 0; attempt < 8; attempt++) {
      const session = await NetconfSession.connect({ ...target, rpcTimeoutMs: 5000 });
      try {
        assert.match(await session.get(`<system-state xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><clock/></system-state>`), /current-datetime/);
      } finally {
        await session.close();
      }
    }
  });

  it('the generic driver changes the device: lock → load → diff → confirmed commit → check → confirm, committed once', async () => {
    const driver = newDriver();
    const before = await transactions();
    const result = await applyConfiguration(driver, {
      config: interfaceConfig('bl-nc1', 'uplink'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'netconfd-change-1',
      checks: [passingCheck],
    });
    assert.equal(result.changed, true);
    assert.match(result.diff, /\+\s+<description>uplink<\/description>/);
    assert.equal(await runningInterface(driver, 'bl-nc1'), 'uplink');
    const again = await applyConfiguration(driver, { config: interfaceConfig('bl-nc1', 'uplink'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'netconfd-change-2', checks: [] });
    assert.deepEqual(again, { changed: false, diff: '' });
    const after = await transactions();
    assert.deepEqual([after.commits - before.commits, after.reverts - before.reverts], [1, 0]);
  });

  it('the generic driver rolls the change back when a post-check fails', async () => {
    const driver = newDriver();
    const before = await transactions();
    await assert.rejects(
      applyConfiguration(driver, {
        config: interfaceConfig('bl-nc1', 'never-confirmed'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'netconfd-change-3',
        checks: [{ kind: 'interface-up', interface: 'bl-nc-absent' }],
      }),
      (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /rolled back.*bl-nc-absent is missing/.test(e.message),
    );
    assert.equal(await runningInterface(driver, 'bl-nc1'), 'uplink');
    const after = await transactions();
    assert.deepEqual([after.commits - before.commits, after.reverts - before.reverts], [1, 1]);
  });

  it('defect (netconfd): pendingCommit finds a pending confirmed commit by its persist token (a follow-up commit with persist-id), and commits nothing more', async () => {
    const driver = newDriver();
    await driver.lock();
    try {
      assert.equal(await driver.pendingCommit('netconfd-change-4', 60), false, 'nothing pending yet');
      await driver.loadCandidate(interfaceConfig('bl-nc2', 'pending'), 'merge');
      await driver.commitConfirmed({ confirmTimeoutSeconds: 60, persist: 'netconfd-change-4' });
      const before = await transactions();
      assert.equal(await driver.pendingCommit('another-change', 60), false);
      assert.equal(await driver.pendingCommit('netconfd-change-4', 60), true);
      await driver.confirm('netconfd-change-4');
      assert.equal(await driver.pendingCommit('netconfd-change-4', 60), false, 'confirmed: no longer pending');
      const after = await transactions();
      assert.deepEqual([after.commits - before.commits, after.reverts - before.reverts], [0, 0]);
    } finally {
      await driver.unlock();
    }
    assert.equal(await runningInterface(driver, 'bl-nc2'), 'pending');
  });

  it('defect (netconfd): a change retried after its client was killed between confirmed commit and confirm is committed exactly once (netconfd refuses the lock, in-use, while the commit is pending)', async () => {
    const change: ConfigChangeInput = {
      config: interfaceConfig('bl-nc3', 'after-crash'), mode: 'merge', confirmTimeoutSeconds: 4, persist: 'netconfd-change-5',
      checks: [passingCheck],
    };
    const before = await transactions();
    // The first attempt commits and its worker dies before the confirm.
    const crashed = new NetconfSessionPool({ maxSessions: 1, idleMs: 5000 });
    const first = newDriver(crashed);
    await first.lock();
    await first.loadCandidate(change.config, change.mode);
    await first.commitConfirmed({ confirmTimeoutSeconds: change.confirmTimeoutSeconds, persist: change.persist });
    await crashed.withSession(target, async (session) => session.destroy());
    // The retry, from another worker: netconfd refuses its lock while the commit is pending.
    const retry = newDriver();
    await assert.rejects(retry.lock(), (e: unknown) => e instanceof NetconfRpcError && e.errors[0]?.tag === 'in-use');
    const result = await applyConfiguration(retry, change);
    assert.deepEqual(result, { changed: true, diff: '' });
    await wait((change.confirmTimeoutSeconds + 1) * 1000); // past the confirm timeout: a commit left pending would revert now
    assert.equal(await runningInterface(retry, 'bl-nc3'), 'after-crash');
    const after = await transactions();
    assert.deepEqual([after.commits - before.commits, after.reverts - before.reverts], [1, 0], 'committed once, never reverted');
  });

  it('defect (netconfd): a candidate left with edits by a session that died (lock refused, resource-denied) is discarded, and logged, before the change', async () => {
    const session = await NetconfSession.connect(target);
    await session.editConfig({ target: 'candidate', config: interfaceConfig('bl-nc4', 'abandoned') });
    session.destroy();
    await wait(300);
    const driver = newDriver();
    await assert.rejects(driver.lock(), (e: unknown) => e instanceof NetconfRpcError && e.errors[0]?.tag === 'resource-denied');
    const logged: { message: string; details: Record<string, unknown> }[] = [];
    const result = await applyConfiguration(driver, {
      config: interfaceConfig('bl-nc5', 'wanted'), mode: 'merge', confirmTimeoutSeconds: 60, persist: 'netconfd-change-6', checks: [],
    }, (message, details) => logged.push({ message, details }));
    assert.equal(result.changed, true);
    assert.doesNotMatch(result.diff, /abandoned/);
    assert.equal(await runningInterface(driver, 'bl-nc5'), 'wanted');
    assert.equal(await runningInterface(driver, 'bl-nc4'), undefined, 'the abandoned edit was not committed');
    assert.equal(logged.length, 1);
    assert.match(logged[0]!.message, /discarding/);
    assert.equal(logged[0]!.details['deviceSerial'], 'NETCONFD-1');
  });
});
