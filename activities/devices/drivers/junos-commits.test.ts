// Junos's confirmed commits, driven against a scripted session: what is sent, and how the commit
// history a real SRX returns is read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceError } from '../errors.ts';
import type { NetconfSession } from '../netconf/session.ts';
import { parseXml } from '../netconf/xml.ts';
import type { DeviceConnection } from './contract.ts';
import { commitHistory, junosCommits } from './junos-commits.ts';

const connection: DeviceConnection = { serial: 'SRX-1', platform: 'junos', host: '192.0.2.1', netconfPort: 830, snmpPort: 161, username: 'u', password: 'p', community: 'c' };

/** A get-commit-information reply as Junos 22.4 writes it, newest first. */
const history = (...entries: { user?: string; client?: string; comment?: string; log?: string }[]) => parseXml(
  '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:junos="http://xml.juniper.net/junos/22.4R0/junos"><commit-information>'
  + entries.map((e, sequence) => `<commit-history><sequence-number>${sequence}</sequence-number><user>${e.user ?? 'branchline'}</user><client>${e.client ?? 'netconf'}</client>`
    + `<date-time junos:seconds="1796000000">2026-11-30 04:00:00 UTC</date-time>${e.comment ? `<comment>${e.comment}</comment>` : ''}${e.log ? `<log>${e.log}</log>` : ''}</commit-history>`).join('')
  + '</commit-information></rpc-reply>').documentElement!;

const pending = (change: string) => ({ comment: 'commit confirmed, rollback in 2mins', log: `branchline ${change}` });

/** A session answering each get-commit-information with the next scripted history, and <ok/> to the rest; it records what was sent. */
function scripted(...histories: ReturnType<typeof history>[]) {
  const sent: string[] = [];
  const session = {
    async rpc(operation: string) {
      sent.push(operation);
      if (operation === '<get-commit-information/>') return histories.shift() ?? history();
      return parseXml('<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>').documentElement!;
    },
    async discardChanges() {
      sent.push('<discard-changes/>');
    },
  } as unknown as NetconfSession;
  const commits = junosCommits(connection, (work) => work(session));
  return { sent, commits };
}

describe('Junos confirmed commits', () => {
  it('reads the history newest first: who, the log, and whether the commit was a confirmed one', () => {
    assert.deepEqual(commitHistory(history(pending('a'), { user: 'noc', comment: 'commit synchronize' }, {})), [
      { user: 'branchline', client: 'netconf', log: 'branchline a', confirmed: true },
      { user: 'noc', client: 'netconf', log: '', confirmed: false },
      { user: 'branchline', client: 'netconf', log: '', confirmed: false },
    ]);
  });

  it('commits confirmed in whole minutes, never shorter than asked, with the change in the log', async () => {
    const { sent, commits } = scripted();
    await commits.commitConfirmed({ confirmTimeoutSeconds: 90, persist: 'site/1/stage-2' });
    assert.deepEqual(sent, ['<commit-configuration><confirmed/><confirm-timeout>2</confirm-timeout><log>branchline site/1/stage-2</log></commit-configuration>']);
  });

  it('finds its own pending commit, none after a confirm, and waits for another change\'s', async () => {
    const { commits } = scripted(history(pending('mine')), history({ log: 'branchline mine confirmed' }, pending('mine')), history(pending('theirs')));
    assert.equal(await commits.pendingCommit('mine', 120), true);
    assert.equal(await commits.pendingCommit('mine', 120), false);
    await assert.rejects(commits.pendingCommit('mine', 120), (e: unknown) => e instanceof DeviceError && e.kind === 'lock-held' && e.details['lockRefusal'] === 'commit-pending');
  });

  it('a confirm that follows the device\'s own rollback is no confirm: retryable, for the retry to find that rollback', async () => {
    const { sent, commits } = scripted(history(pending('mine')), history({ log: 'branchline mine confirmed' }, { user: 'root', client: 'other' }, pending('mine')));
    await assert.rejects(commits.confirm('mine'), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout' && e.retryable);
    assert.ok(sent.includes('<commit-configuration><log>branchline mine confirmed</log></commit-configuration>'));
  });

  it('tells what became of a change: none, pending, confirmed, rolled back, or reverted by the device on its own', async () => {
    const { commits } = scripted(
      history({ log: 'other' }),
      history(pending('mine')),
      history({ log: 'branchline mine confirmed' }, pending('mine')),
      history({ user: 'noc', log: 'by hand' }, pending('mine')),
      history({ log: 'branchline mine rolled back' }, pending('mine')),
      history({ user: 'root', client: 'other' }, pending('mine')),
    );
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await commits.changeOutcome!('mine'));
    assert.deepEqual(outcomes, ['none', 'pending', 'confirmed', 'confirmed', 'rolled-back', 'reverted-by-device']);
  });

  it('answers a change\'s earlier outcome from the history its pending-commit look read, once, and reads again after a commit', async () => {
    const { sent, commits } = scripted(
      history({ log: 'branchline mine confirmed' }, pending('mine')),
      history({ log: 'branchline mine confirmed' }, pending('mine')),
      history({ log: 'other' }),
      history({ log: 'other' }),
    );
    assert.equal(await commits.pendingCommit('mine', 120), false);
    assert.equal(await commits.changeOutcome!('mine'), 'confirmed');
    assert.deepEqual(sent, ['<discard-changes/>', '<get-commit-information/>']);
    assert.equal(await commits.changeOutcome!('mine'), 'confirmed');
    assert.equal(sent.length, 3);
    assert.equal(await commits.pendingCommit('mine', 120), false);
    await commits.commitConfirmed({ confirmTimeoutSeconds: 120, persist: 'mine' });
    assert.equal(await commits.changeOutcome!('mine'), 'none');
    assert.equal(sent.filter((operation) => operation === '<get-commit-information/>').length, 4);
  });

  it('rolls back only its own pending commit, with rollback 1', async () => {
    const { sent, commits } = scripted(history(pending('theirs')), history(pending('mine')));
    await assert.rejects(commits.rollback('mine'), (e: unknown) => e instanceof DeviceError && e.kind === 'rejected');
    assert.deepEqual(sent, ['<get-commit-information/>']);
    await commits.rollback('mine');
    assert.deepEqual(sent.slice(2), ['<load-configuration rollback="1"/>', '<commit-configuration><log>branchline mine rolled back</log></commit-configuration>']);
  });
});
