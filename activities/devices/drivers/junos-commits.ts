// Confirmed commits as Junos makes them (Junos XML API: <commit-configuration> with <confirmed/>,
// <confirm-timeout> in minutes and <log>). Junos has no persist token (it announces
// confirmed-commit:1.0, not 1.1): a pending confirmed commit belongs to no session, the next
// commit — anyone's — confirms it, and the commit history (get-commit-information, `show system
// commit`) shows it as the newest entry, "commit confirmed, rollback in Nmins". So a change's
// token goes into its commit's log, where a retry finds it; a rollback loads `rollback 1` (what
// ran before the change) and commits that.
import { DeviceError } from '../errors.ts';
import type { NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, escapeXml, type Element } from '../netconf/xml.ts';
import type { ChangeOutcome, CommitSummary, DeviceConnection, DeviceDriver } from './contract.ts';

type OnSession = <T>(work: (session: NetconfSession) => Promise<T>) => Promise<T>;

/** One entry of the commit history. */
export interface CommitRecord {
  user: string;
  /** How it was made: 'netconf', 'cli', or 'other' for the device's own commits (an automatic rollback). */
  client: string;
  /** The commit's log message ('' for none). */
  log: string;
  /** A confirmed commit: while it is the newest entry, it waits for its confirm. */
  confirmed: boolean;
}

/** The entries of a get-commit-information reply, newest (sequence number 0) first. */
function historyEntries(reply: Element): Element[] {
  const information = child(reply, 'commit-information');
  const entries = information ? elementChildren(information).filter((e) => e.localName === 'commit-history') : [];
  return entries
    .map((entry) => ({ sequence: Number(childText(entry, 'sequence-number') ?? Number.NaN), entry }))
    .sort((a, b) => a.sequence - b.sequence)
    .map(({ entry }) => entry);
}

/** The commit history in a get-commit-information reply, newest first. */
export function commitHistory(reply: Element): CommitRecord[] {
  return historyEntries(reply)
    .map((entry) => ({
      user: childText(entry, 'user') ?? '',
      client: childText(entry, 'client') ?? '',
      log: childText(entry, 'log') ?? '',
      confirmed: /^commit confirmed\b/.test(childText(entry, 'comment') ?? ''),
    }));
}

/**
 * The newest commit of a get-commit-information reply (sequence number 0), with its time:
 * junos:seconds where Junos gives it, else its printed "2026-11-30 01:02:03 UTC".
 */
export function newestCommit(reply: Element): CommitSummary | undefined {
  return recentCommits(reply)[0];
}

/** The commits of a get-commit-information reply, newest first, each summarised as newestCommit does. */
export function recentCommits(reply: Element): CommitSummary[] {
  return historyEntries(reply).map(commitSummary);
}

function commitSummary(newest: Element): CommitSummary {
  const stamp = child(newest, 'date-time');
  const seconds = Number(stamp?.getAttribute('junos:seconds') || Number.NaN);
  const printed = Date.parse((stamp?.textContent ?? '').trim().replace(' ', 'T').replace(/ UTC$/, 'Z'));
  const at = Number.isFinite(seconds) ? seconds * 1000 : printed;
  const summary = { user: childText(newest, 'user') ?? '', client: childText(newest, 'client') ?? '', log: childText(newest, 'log') ?? '' };
  const when = Number.isFinite(at) ? new Date(at).toISOString() : null;
  return { ...summary, at: when, marker: JSON.stringify([when, summary.user, summary.client, summary.log, childText(newest, 'comment') ?? '']) };
}

/** Whether a commit is one of Branchline's own (its log names its change: commitLog). */
export const isBranchlineCommit = (log: string) => log.startsWith('branchline ');

/** The log message naming a change's commit. */
export const commitLog = (persist: string) => `branchline ${persist}`;

/** Junos's timeout is in whole minutes, at least one: never shorter than asked. */
const confirmMinutes = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));

export function junosCommits(connection: DeviceConnection, netconf: OnSession): Pick<DeviceDriver, 'commitConfirmed' | 'confirm' | 'rollback' | 'pendingCommit' | 'changeOutcome' | 'newestCommit' | 'recentCommits'> {
  const history = async (session: NetconfSession) => commitHistory(await session.rpc('<get-commit-information/>'));
  const isChange = (record: CommitRecord | undefined, persist: string) => record?.confirmed === true && record.log === commitLog(persist);
  /** The history pendingCommit read for a change, for its changeOutcome next (taken once; a commit makes it old). */
  let readUnderLock: { persist: string; records: CommitRecord[] } | undefined;
  const commit = (session: NetconfSession, log: string, confirmTimeoutSeconds?: number) => {
    readUnderLock = undefined;
    return session.rpc('<commit-configuration>'
      + (confirmTimeoutSeconds === undefined ? '' : `<confirmed/><confirm-timeout>${confirmMinutes(confirmTimeoutSeconds)}</confirm-timeout>`)
      + `<log>${escapeXml(log)}</log></commit-configuration>`);
  };

  /** Refuses (as a device refuses a wrong persist-id) unless the change's commit is the newest, and so still pending. */
  async function ownPending(session: NetconfSession, persist: string): Promise<void> {
    if (!isChange((await history(session))[0], persist)) {
      throw new DeviceError('rejected', `${connection.serial}: no confirmed commit of change ${persist} waits for its confirm`);
    }
  }

  return {
    commitConfirmed: ({ confirmTimeoutSeconds, persist }) => netconf((session) => commit(session, commitLog(persist), confirmTimeoutSeconds)).then(() => undefined),

    confirm: (persist) => netconf(async (session) => {
      await ownPending(session, persist);
      await commit(session, `${commitLog(persist)} confirmed`);
      // The device may have rolled back between the look and the commit (its timer ran out):
      // then what this commit follows is the rollback, and the change is gone.
      if (!isChange((await history(session))[1], persist)) {
        throw new DeviceError('timeout', `${connection.serial}: the device rolled change ${persist} back before its confirm arrived`);
      }
    }),

    rollback: (persist) => netconf(async (session) => {
      await ownPending(session, persist);
      try {
        await session.rpc('<load-configuration rollback="1"/>');
        await commit(session, `${commitLog(persist)} rolled back`);
      } catch (error) {
        await session.discardChanges().catch(() => undefined);
        throw error;
      }
    }),

    // Junos extends a pending commit only by committing again, which would put another entry
    // over the change's in the history: the checks that follow run in what is left of the
    // timeout, and a confirm that comes too late says so (above), for a retry to change again.
    pendingCommit: (persist) => netconf(async (session) => {
      await session.discardChanges();
      const records = await history(session);
      const [newest] = records;
      if (isChange(newest, persist)) return true;
      if (newest?.confirmed) {
        // Another change's commit: committing now would confirm it unchecked. Wait for its
        // confirm or its rollback, as an RFC 6241 device makes the lock wait.
        throw new DeviceError('lock-held', `${connection.serial}: a confirmed commit by ${newest.user}${newest.log ? ` (${newest.log})` : ''} waits for its confirm or rollback`, { lockRefusal: 'commit-pending' });
      }
      readUnderLock = { persist, records };
      return false;
    }),

    // Asked right after pendingCommit found nothing pending, under the same lock: no session can
    // commit, and with no confirmed commit pending the device rolls nothing back on its own, so
    // the history it read is still the device's (one get-commit-information per change, not two).
    changeOutcome: (persist) => {
      const read = readUnderLock;
      readUnderLock = undefined;
      if (read?.persist === persist) return Promise.resolve(changeOutcome(read.records, persist));
      return netconf(async (session) => changeOutcome(await history(session), persist));
    },

    newestCommit: () => netconf(async (session) => newestCommit(await session.rpc('<get-commit-information/>'))),

    recentCommits: () => netconf(async (session) => recentCommits(await session.rpc('<get-commit-information/>'))),
  };
}

/**
 * What followed the change's confirmed commit in the history (newest first): nothing (pending),
 * its confirm or rollback by Branchline, or the device's own commit — root's, by no client,
 * without a log — which is Junos rolling it back when its confirm timeout ran out. Another
 * session's commit confirms it (any commit does, on Junos).
 */
export function changeOutcome(records: CommitRecord[], persist: string): ChangeOutcome {
  const index = records.findIndex((record) => record.confirmed && record.log === commitLog(persist));
  if (index < 0) return 'none';
  const next = records[index - 1];
  if (!next) return 'pending';
  if (next.log === `${commitLog(persist)} rolled back`) return 'rolled-back';
  if (next.user === 'root' && next.client === 'other' && !next.log) return 'reverted-by-device';
  return 'confirmed';
}
