// The change state machine's answers to a refused lock and to its own pending commit, against a
// scripted driver (the same paths run against netconfd in simulator/interop-netconfd.integration.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyConfiguration, type ConfigChangeInput } from './change.ts';
import type { DeviceDriver } from './drivers/contract.ts';
import { DeviceError } from './errors.ts';
import { NetconfRpcError } from './netconf/session.ts';

const inUse = () => new NetconfRpcError([{ type: 'protocol', tag: 'in-use', severity: 'error', appTag: 'outstanding-confirmed-commit', message: 'cannot perform the operation with confirmed-commit pending' }], 'dev');
const dirty = () => new NetconfRpcError([{ type: 'protocol', tag: 'resource-denied', severity: 'error', appTag: 'no-access', message: 'candidate cannot be locked, discard-changes needed' }], 'dev');
const notPending = () => new NetconfRpcError([{ type: 'protocol', tag: 'invalid-value', severity: 'error', message: 'invalid value' }], 'dev');

/** A driver whose answers the test scripts; it records every call. */
function scriptedDriver(script: { lock?: (() => void)[]; pending?: boolean; confirm?: () => void; rollback?: () => void; up?: boolean }) {
  const calls: string[] = [];
  const locks = [...(script.lock ?? [])];
  const driver: DeviceDriver = {
    connection: { serial: 'DEV-1', platform: 'scripted', host: '', netconfPort: 0, snmpPort: 0, username: '', password: '', community: '' },
    facts: async () => ({ serial: 'DEV-1', model: '', softwareVersion: '', hostName: '', uptimeSeconds: 0, hostKeySha256: '' }),
    interfaces: async () => {
      calls.push('interfaces');
      return [{ name: 'ge-0/0/0', adminUp: true, operUp: script.up ?? true }];
    },
    probes: async () => [],
    runningConfig: async () => '',
    tunnelsTo: async () => [],
    loginUsers: async () => [],
    lock: async () => {
      calls.push('lock');
      locks.shift()?.();
    },
    unlock: async () => void calls.push('unlock'),
    loadCandidate: async () => void calls.push('load'),
    diff: async () => {
      calls.push('diff');
      return '+ <description>x</description>';
    },
    discard: async () => void calls.push('discard'),
    commitConfirmed: async () => void calls.push('commit-confirmed'),
    confirm: async () => {
      calls.push('confirm');
      script.confirm?.();
    },
    rollback: async () => {
      calls.push('rollback');
      script.rollback?.();
    },
    pendingCommit: async () => {
      calls.push('pending?');
      return script.pending ?? false;
    },
    installImage: async () => ({ version: '' }),
    rollbackImage: async () => ({ version: '' }),
    reboot: async () => undefined,
  };
  return { driver, calls };
}

const change: ConfigChangeInput = { config: '<x/>', mode: 'merge', confirmTimeoutSeconds: 60, persist: 'change-1', checks: [{ kind: 'interface-up', interface: 'ge-0/0/0' }] };

describe('applyConfiguration', () => {
  it('on a fresh candidate: lock, not pending, load, diff, confirmed commit, checks, confirm, unlock', async () => {
    const { driver, calls } = scriptedDriver({});
    assert.equal((await applyConfiguration(driver, change)).changed, true);
    assert.deepEqual(calls, ['lock', 'pending?', 'load', 'diff', 'commit-confirmed', 'interfaces', 'confirm', 'unlock']);
  });

  it('when its own commit is pending under the lock: checks and confirms it, loading nothing', async () => {
    const { driver, calls } = scriptedDriver({ pending: true });
    assert.deepEqual(await applyConfiguration(driver, change), { changed: true, diff: '' });
    assert.deepEqual(calls, ['lock', 'pending?', 'interfaces', 'confirm', 'unlock']);
  });

  describe('when the lock is refused because the candidate holds changes nobody committed (a session that died)', () => {
    it('discards them, says so, and locks again (failed before: lock-held, retried for ever)', async () => {
      const { driver, calls } = scriptedDriver({ lock: [() => { throw dirty(); }] });
      const logged: unknown[] = [];
      assert.equal((await applyConfiguration(driver, change, (message, details) => logged.push({ message, details }))).changed, true);
      assert.deepEqual(calls.slice(0, 4), ['lock', 'discard', 'lock', 'pending?']);
      assert.equal(logged.length, 1);
    });
  });

  describe('when the lock is refused while a confirmed commit is pending (in-use)', () => {
    it('and that commit is this change\'s: checks, then confirms it by its token, without waiting for the revert (failed before: lock-held, retried until the device reverted, then committed again)', async () => {
      const { driver, calls } = scriptedDriver({ lock: [() => { throw inUse(); }] });
      assert.deepEqual(await applyConfiguration(driver, change), { changed: true, diff: '' });
      assert.deepEqual(calls, ['lock', 'interfaces', 'discard', 'confirm']);
    });

    it('and that commit is this change\'s but the checks fail: rolls it back and fails for good', async () => {
      const { driver, calls } = scriptedDriver({ lock: [() => { throw inUse(); }], up: false });
      await assert.rejects(applyConfiguration(driver, change), (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /rolled back/.test(e.message));
      assert.deepEqual(calls, ['lock', 'interfaces', 'rollback']);
    });

    it('and that commit is somebody else\'s (our token refused): fails as lock-held, to be retried', async () => {
      const { driver } = scriptedDriver({ lock: [() => { throw inUse(); }], confirm: () => { throw notPending(); } });
      await assert.rejects(applyConfiguration(driver, change), (e: unknown) => e instanceof DeviceError && e.kind === 'lock-held' && e.retryable);
    });
  });
});

describe('applyConfiguration › tunnels among the post-checks', () => {
  const tunnels: ConfigChangeInput = {
    ...change, checks: [{ kind: 'interface-up', interface: 'ge-0/0/0' }, { kind: 'tunnel-up', peer: '198.51.100.1', interface: 'st0.1' }, { kind: 'tunnel-up', peer: '198.51.100.2', interface: 'st0.2' }],
  };
  /** A driver telling SAs: the hub at .1 up until the commit (down after when `lostOnCommit`), the one at .2 down all along. */
  function withSas(lostOnCommit: boolean) {
    const scripted = scriptedDriver({});
    let committed = false;
    const commit = scripted.driver.commitConfirmed.bind(scripted.driver);
    scripted.driver.commitConfirmed = async (options) => {
      committed = true;
      await commit(options);
    };
    scripted.driver.securityAssociations = async () => {
      scripted.calls.push('sas');
      const up = !(lostOnCommit && committed);
      return [{ peer: '198.51.100.1', ikeUp: up, ipsecSas: up ? 2 : 0, ipsecUp: up }, { peer: '198.51.100.2', ikeUp: false, ipsecSas: 0, ipsecUp: false }];
    };
    return scripted;
  }

  it('rolls the change back when a tunnel up before it has lost its SAs, naming the tunnel', async () => {
    const { driver, calls } = withSas(true);
    await assert.rejects(applyConfiguration(driver, tunnels), (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /rolled back.*tunnel st0\.1 to 198\.51\.100\.1 is down \(no IKE SA\)/.test(e.message));
    assert.deepEqual(calls, ['lock', 'pending?', 'load', 'diff', 'sas', 'commit-confirmed', 'interfaces', 'sas', 'rollback', 'unlock']);
  });

  it('confirms when the tunnels up before it are up after, a tunnel already down counting for nothing', async () => {
    const { driver, calls } = withSas(false);
    assert.equal((await applyConfiguration(driver, tunnels)).changed, true);
    assert.deepEqual(calls.slice(-3), ['sas', 'confirm', 'unlock']);
  });
});
