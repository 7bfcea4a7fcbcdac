// A device's configuration: running and candidate datastores, locks, confirmed commits and the
// rollback history, with RFC 6241's rules. The NETCONF server calls it; it knows nothing of SSH.
import { createHash } from 'node:crypto';
import type { Document, Element } from '../activities/devices/netconf/xml.ts';
import { serialize } from '../activities/devices/netconf/xml.ts';
import { cloneDocument, editConfiguration, emptyConfiguration, parseConfiguration, type EditOperation } from './datastore.ts';
import { validateConfiguration, type ConfigProblem } from './validation.ts';

export type Datastore = 'running' | 'candidate';

/** A refusal, reported to the client as an <rpc-error>. */
export class StoreError extends Error {
  constructor(
    readonly tag: string,
    message: string,
    readonly extra: { path?: string; sessionId?: number; problems?: ConfigProblem[] } = {},
  ) {
    super(message);
  }
}

export interface JournalEntry {
  at: string;
  commitId: number;
  sessionId: number;
  username: string;
  kind: 'commit' | 'confirmed-commit' | 'confirm' | 'revert' | 'rollback';
  /** Why a revert happened: confirm timeout, session lost, cancel-commit. */
  reason?: string;
  changed: boolean;
  sha256: string;
  /** Top-level sections that differ from the previous running configuration. */
  sections: string[];
}

interface PendingConfirm {
  sessionId: number;
  persist?: string;
  rollbackTo: Document;
  timer: NodeJS.Timeout;
}

const sha = (document: Document) => createHash('sha256').update(serialize(document)).digest('hex');

function sectionsChanged(before: Document, after: Document): string[] {
  const sections = (document: Document) => {
    const map = new Map<string, string>();
    for (let node = document.documentElement?.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 1) map.set((node as Element).localName ?? '', serialize(node));
    }
    return map;
  };
  const a = sections(before);
  const b = sections(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name)).sort();
}

export class ConfigStore {
  running: Document;
  candidate: Document;
  private candidateChangedBy: number | undefined;
  private readonly locks = new Map<Datastore, number>();
  private pending: PendingConfirm | undefined;
  private commitCounter = 0;
  readonly journal: JournalEntry[] = [];
  /** Previous running configurations, newest first (Junos's rollback 1, 2, …). */
  readonly rollbacks: string[] = [];
  /** Fault injection: the next commit fails with this message. */
  failNextCommit: string | undefined;
  /** Called after every change of the running configuration (commit, revert, reset). */
  onRunningChanged: () => void = () => undefined;

  constructor(initial?: string, private readonly maxRollbacks = 20) {
    this.running = initial ? parseConfiguration(initial) : emptyConfiguration();
    this.candidate = cloneDocument(this.running);
  }

  get confirmPending(): { sessionId: number; persist?: string } | undefined {
    return this.pending && { sessionId: this.pending.sessionId, persist: this.pending.persist };
  }

  datastore(name: Datastore): Document {
    return name === 'running' ? this.running : this.candidate;
  }

  private assertNotLockedByOther(target: Datastore, sessionId: number) {
    const holder = this.locks.get(target);
    if (holder !== undefined && holder !== sessionId) {
      throw new StoreError('in-use', `the ${target} configuration is locked by session ${holder}`, { sessionId: holder });
    }
  }

  lock(target: Datastore, sessionId: number) {
    const holder = this.locks.get(target);
    if (holder !== undefined) throw new StoreError('lock-denied', `the ${target} configuration is locked by session ${holder}`, { sessionId: holder });
    if (target === 'candidate' && this.candidateChangedBy !== undefined && this.candidateChangedBy !== sessionId) {
      throw new StoreError('lock-denied', `the candidate holds uncommitted changes of session ${this.candidateChangedBy}`, { sessionId: this.candidateChangedBy });
    }
    this.locks.set(target, sessionId);
  }

  unlock(target: Datastore, sessionId: number) {
    if (this.locks.get(target) !== sessionId) throw new StoreError('operation-failed', `this session does not hold the ${target} lock`);
    this.locks.delete(target);
  }

  edit(target: Datastore, configChildren: Element[], defaultOperation: EditOperation, sessionId: number) {
    if (target !== 'candidate') throw new StoreError('operation-not-supported', 'edit the candidate, then commit (no writable-running)');
    this.assertNotLockedByOther('candidate', sessionId);
    this.candidate = editConfiguration(this.candidate, configChildren, defaultOperation);
    this.candidateChangedBy = sessionId;
  }

  validate(source: Datastore): void {
    const problems = validateConfiguration(this.datastore(source));
    if (problems.length > 0) {
      throw new StoreError('invalid-value', problems.map((p) => p.message).join('; '), { path: problems[0]!.path, problems });
    }
  }

  discardChanges(sessionId: number) {
    this.assertNotLockedByOther('candidate', sessionId);
    this.candidate = cloneDocument(this.running);
    this.candidateChangedBy = undefined;
  }

  /**
   * <commit>: plain, confirmed (with a timeout, optionally persisted beyond this session), or
   * confirming a pending confirmed commit.
   */
  commit(options: { sessionId: number; username: string; confirmed?: boolean; confirmTimeoutSeconds?: number; persist?: string; persistId?: string }) {
    this.assertNotLockedByOther('running', options.sessionId);
    this.assertNotLockedByOther('candidate', options.sessionId);
    if (this.pending) {
      // RFC 6241 §8.4.5.1: a persist-id that is not the pending commit's token is an invalid value.
      if (options.persistId !== undefined && options.persistId !== this.pending.persist) {
        throw new StoreError('invalid-value', `no confirmed commit is pending for persist-id ${options.persistId}`);
      }
      const allowed = this.pending.persist !== undefined ? options.persistId === this.pending.persist : this.pending.sessionId === options.sessionId;
      if (!allowed) {
        throw new StoreError('in-use', this.pending.persist !== undefined
          ? 'a confirmed commit is pending: give its persist-id to confirm or extend it'
          : `a confirmed commit of session ${this.pending.sessionId} is pending`, { sessionId: this.pending.sessionId });
      }
    } else if (options.persistId !== undefined) {
      throw new StoreError('invalid-value', `no confirmed commit is pending for persist-id ${options.persistId}`);
    }
    this.validate('candidate');
    if (this.failNextCommit) {
      const message = this.failNextCommit;
      this.failNextCommit = undefined;
      throw new StoreError('operation-failed', message);
    }

    const previous = this.running;
    const followUp = this.pending !== undefined;
    const rollbackTo = this.pending?.rollbackTo ?? previous;
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    this.running = cloneDocument(this.candidate);
    this.candidateChangedBy = undefined;
    const changed = sha(previous) !== sha(this.running);
    if (changed) {
      this.rollbacks.unshift(serialize(previous));
      this.rollbacks.length = Math.min(this.rollbacks.length, this.maxRollbacks);
    }

    if (options.confirmed) {
      const timeoutSeconds = options.confirmTimeoutSeconds ?? 600;
      this.pending = {
        sessionId: options.sessionId,
        persist: options.persist,
        rollbackTo,
        timer: setTimeout(() => this.revert('confirm timeout', 0, 'device'), timeoutSeconds * 1000),
      };
      this.pending.timer.unref();
      // A follow-up confirmed commit that changes nothing only restarts the timeout (how a
      // client finds its pending commit by token): it is no commit of its own in the journal.
      if (followUp && !changed) return;
    }
    this.record({
      sessionId: options.sessionId,
      username: options.username,
      kind: options.confirmed ? 'confirmed-commit' : rollbackTo !== previous ? 'confirm' : 'commit',
      changed,
      before: previous,
    });
  }

  cancelCommit(options: { sessionId: number; username: string; persistId?: string }) {
    if (!this.pending) throw new StoreError('invalid-value', 'no confirmed commit is pending');
    const allowed = this.pending.persist !== undefined ? options.persistId === this.pending.persist : this.pending.sessionId === options.sessionId;
    if (!allowed) throw new StoreError('invalid-value', 'this is not the session (or persist-id) of the pending confirmed commit');
    this.revert('cancel-commit', options.sessionId, options.username);
  }

  /** Junos's `rollback N`: loads an earlier running configuration into the candidate. */
  loadRollback(index: number, sessionId: number) {
    const saved = this.rollbacks[index - 1];
    if (!saved) throw new StoreError('invalid-value', `there is no rollback ${index}`);
    this.assertNotLockedByOther('candidate', sessionId);
    this.candidate = parseConfiguration(saved);
    this.candidateChangedBy = sessionId;
  }

  /** A session ended (closed, killed or dropped): its locks go, and its unpersisted confirmed commit reverts. */
  sessionEnded(sessionId: number, username: string) {
    for (const [target, holder] of this.locks) {
      if (holder !== sessionId) continue;
      this.locks.delete(target);
      if (target === 'candidate' && this.candidateChangedBy === sessionId) {
        this.candidate = cloneDocument(this.running);
        this.candidateChangedBy = undefined;
      }
    }
    if (this.pending && this.pending.sessionId === sessionId && this.pending.persist === undefined) {
      this.revert('session lost before confirm', sessionId, username);
    }
  }

  /** The power went: a pending confirmed commit, persisted or not, is rolled back at boot. */
  revertPending(reason: string) {
    this.locks.clear();
    this.revert(reason, 0, 'device');
  }

  private revert(reason: string, sessionId: number, username: string) {
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    const before = this.running;
    this.running = this.pending.rollbackTo;
    this.candidate = cloneDocument(this.running);
    this.candidateChangedBy = undefined;
    this.pending = undefined;
    this.record({ sessionId, username, kind: 'revert', reason, changed: sha(before) !== sha(this.running), before });
  }

  private record(entry: { sessionId: number; username: string; kind: JournalEntry['kind']; reason?: string; changed: boolean; before: Document }) {
    if (entry.changed) this.onRunningChanged();
    this.journal.push({
      at: new Date().toISOString(),
      commitId: ++this.commitCounter,
      sessionId: entry.sessionId,
      username: entry.username,
      kind: entry.kind,
      ...(entry.reason ? { reason: entry.reason } : {}),
      changed: entry.changed,
      sha256: sha(this.running),
      sections: sectionsChanged(entry.before, this.running),
    });
  }

  /** Factory reset: an empty configuration, nothing pending, no history. */
  reset(initial?: string) {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    this.locks.clear();
    this.running = initial ? parseConfiguration(initial) : emptyConfiguration();
    this.candidate = cloneDocument(this.running);
    this.candidateChangedBy = undefined;
    this.rollbacks.length = 0;
    this.journal.length = 0;
    this.onRunningChanged();
  }
}
