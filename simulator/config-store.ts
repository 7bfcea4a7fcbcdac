// A device's configuration: running and candidate datastores, locks, confirmed commits and the
// rollback history, with RFC 6241's rules. The NETCONF server calls it; it knows nothing of SSH.
import { createHash } from 'node:crypto';
import type { Document, Element } from '../activities/devices/netconf/xml.ts';
import { serialize } from '../activities/devices/netconf/xml.ts';
import { applyConfigurationEdit, cloneDocument, emptyConfiguration, parseConfiguration, statementText, takeBack, type EditOperation, type Undo } from './datastore.ts';
import { ReferenceIndex, type CheckedChange } from './commit-check.ts';
import { keepSecretsAsJunosDoes } from './junos-secrets.ts';
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
  /** Why a revert happened: confirm timeout, session lost, rollback. */
  reason?: string;
  /** A confirmed commit's timeout. */
  confirmTimeoutSeconds?: number;
  /** The message a Junos commit logged (commit-configuration's <log>). */
  log?: string;
  /** Made at the box's CLI by hand (handEdit), not over NETCONF. */
  client?: 'cli';
  changed: boolean;
  sha256: string;
  /** Top-level sections that differ from the previous running configuration. */
  sections: string[];
}

interface PendingConfirm {
  sessionId: number;
  /**
   * Made by Junos's own <commit-configuration>: bound to no session (it outlives the session
   * that made it), and confirmed by the next commit, whoever makes it.
   */
  junos: boolean;
  /** The running configuration before it, as text: a revert parses it, which happens seldom. */
  rollbackTo: string;
  timer: NodeJS.Timeout;
}

/** An edit the candidate holds: replayed on the previous running configuration to make the next candidate, or taken back. */
interface CandidateEdit {
  configChildren: Element[];
  operation: EditOperation;
  undo: Undo[];
}

/** A configuration's text, section by section (top-level statements), as serialize() would write it whole. */
interface ConfigurationText {
  text: string;
  sections: Map<string, string>;
  /** Its hash, once a journal entry needed it (a confirm's entry hashes the same text again). */
  sha256?: string;
}

/** The session a hand edit at the CLI commits as: no NETCONF session has it. */
const cliSession = -1;

const sha = (configuration: ConfigurationText) => (configuration.sha256 ??= createHash('sha256').update(configuration.text).digest('hex'));

/** Serialised once per commit: the commit's hash, the changed sections and the rollback history all read this text. */
function configurationText(document: Document): ConfigurationText {
  const sections = new Map<string, string>();
  const parts: string[] = [];
  for (let node = document.documentElement?.firstChild; node; node = node.nextSibling) {
    const text = node.nodeType === 1 ? statementText(node as Element) : serialize(node);
    parts.push(text);
    if (node.nodeType === 1) sections.set((node as Element).localName ?? '', text);
  }
  return { text: parts.length > 0 ? `<configuration>${parts.join('')}</configuration>` : '<configuration/>', sections };
}

function sectionsChanged(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name)).sort();
}

/** A configuration as a box loads it (from its state, or a factory reset): secrets spelled as Junos keeps them. */
function loadConfiguration(initial: string | undefined): Document {
  const document = initial ? parseConfiguration(initial) : emptyConfiguration();
  keepSecretsAsJunosDoes(document);
  return document;
}

export class ConfigStore {
  running: Document;
  private runningText: ConfigurationText;
  /** The running configuration passed a commit's checks (a state file's or a reset's has not). */
  private runningChecked = false;
  /** Who refers to what in the running configuration, once a commit check needed it (it passed the checks). */
  private references: ReferenceIndex | undefined;
  candidate: Document;
  /**
   * The edits that made the candidate from the running configuration, oldest first; undefined when
   * it came otherwise (a rollback loaded). Every edit was checked against the schema as it came.
   */
  private candidateEdits: CandidateEdit[] | undefined = [];
  private candidateChangedBy: number | undefined;
  private readonly locks = new Map<Datastore, number>();
  private pending: PendingConfirm | undefined;
  private commitCounter = 0;
  readonly journal: JournalEntry[] = [];
  /** Previous running configurations, newest first (Junos's rollback 1, 2, …). */
  readonly rollbacks: string[] = [];
  /** Fault injection: the next commit fails with this message. */
  failNextCommit: string | undefined;
  /** A universal CPE: its configuration may define virtual network functions. */
  hostsVnfs = false;
  /** Called after every change of the running configuration (commit, revert, reset). */
  onRunningChanged: () => void = () => undefined;

  constructor(initial?: string, private readonly maxRollbacks = 20) {
    this.running = loadConfiguration(initial);
    this.runningText = configurationText(this.running);
    this.candidate = cloneDocument(this.running);
  }

  /** The running configuration as get-config without a filter serves it, serialised at its commit. */
  get runningConfiguration(): string {
    return this.runningText.text;
  }

  get confirmPending(): { sessionId: number; junos: boolean } | undefined {
    return this.pending && { sessionId: this.pending.sessionId, junos: this.pending.junos };
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
    this.editCandidate(configChildren, defaultOperation);
    this.candidateChangedBy = sessionId;
  }

  /** Merges an edit into the candidate where it points, nothing else touched; kept to be replayed or taken back. */
  private editCandidate(configChildren: Element[], operation: EditOperation) {
    for (const edit of configChildren) keepSecretsAsJunosDoes(edit);
    const undo = applyConfigurationEdit(this.candidate, configChildren, operation);
    this.candidateEdits?.push({ configChildren, operation, undo });
  }

  /** The candidate as the running configuration again: its edits taken back, or (a rollback loaded) a copy. */
  private resetCandidate() {
    if (this.candidateEdits) for (const edit of this.candidateEdits.reverse()) takeBack(edit.undo);
    else this.candidate = cloneDocument(this.running);
    this.candidateEdits = [];
    this.candidateChangedBy = undefined;
  }

  /**
   * Whether every statement of `source` is known to stand where the schema allows it: a running
   * configuration that passed a commit, and a candidate made from one by edits each checked as it
   * came, are; the rest (a state file, a rollback loaded) is checked whole.
   */
  private schemaChecked(source: Datastore): boolean {
    return this.runningChecked && (source === 'running' || this.candidateEdits !== undefined);
  }

  validate(source: Datastore): void {
    this.check(source);
  }

  /**
   * The commit check of `source`; what a candidate's edits change in who refers to what, when they
   * were checked by themselves (a candidate made by a few edits from a running configuration that
   * passed: a hub's commit then costs its edits, not its thousand tunnels).
   */
  private check(source: Datastore): CheckedChange | undefined {
    // The configuration that passed the last commit's checks, unchanged since (a confirm): they pass again, as they did.
    if (this.runningChecked && (source === 'running' || this.candidateEdits?.length === 0)) return undefined;
    let checked: ReturnType<ReferenceIndex['check']>;
    if (this.runningChecked && this.candidateEdits) {
      this.references ??= new ReferenceIndex(this.running.documentElement!);
      checked = this.references.check(this.running.documentElement!, this.candidate.documentElement!, this.candidateEdits);
      if (checked?.passes) return checked.change;
    }
    // Checked whole: a problem found by the edits alone is reported as the whole check words it.
    const problems = validateConfiguration(this.datastore(source), { hostsVnfs: this.hostsVnfs, schemaChecked: this.schemaChecked(source) });
    if (problems.length > 0) {
      throw new StoreError('invalid-value', problems.map((p) => p.message).join('; '), { path: problems[0]!.path, problems });
    }
    return checked?.change;
  }

  discardChanges(sessionId: number) {
    this.assertNotLockedByOther('candidate', sessionId);
    this.resetCandidate();
  }

  /**
   * A commit: plain, or confirmed (reverted unless another commit — anyone's — confirms it before
   * its timeout). NETCONF's <commit> makes a confirmed commit that reverts when its session ends
   * (RFC 6241's :confirmed-commit:1.0, as Junos announces it); Junos's own <commit-configuration>
   * (`junos`) one that outlives its session, as the CLI's does, and keeps `log` in the history.
   */
  commit(options: { sessionId: number; username: string; confirmed?: boolean; confirmTimeoutSeconds?: number; junos?: boolean; log?: string; client?: 'cli' }) {
    this.assertNotLockedByOther('running', options.sessionId);
    this.assertNotLockedByOther('candidate', options.sessionId);
    const change = this.check('candidate');
    if (this.failNextCommit) {
      const message = this.failNextCommit;
      this.failNextCommit = undefined;
      throw new StoreError('operation-failed', message);
    }

    const previous = this.runningText;
    // A candidate no edit touched since the last commit is the running configuration (a confirm, mostly): its text is known.
    const committed = this.candidateEdits?.length === 0 ? previous : configurationText(this.candidate);
    const followUp = this.pending !== undefined;
    const rollbackTo = this.pending?.rollbackTo ?? previous.text;
    // Committing what ran before the pending commit (Junos: rollback 1, then commit) undoes it.
    const undoes = followUp && !options.confirmed && rollbackTo !== previous.text && rollbackTo === committed.text;
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    // The reference index follows the running configuration: by the change checked, or built again when next needed.
    if (change) this.references?.apply(change);
    else if (committed !== previous) this.references = undefined;
    this.takeCandidateAsRunning(committed);
    const changed = previous.text !== committed.text;
    if (changed) {
      this.rollbacks.unshift(previous.text);
      this.rollbacks.length = Math.min(this.rollbacks.length, this.maxRollbacks);
    }

    const confirmTimeoutSeconds = options.confirmTimeoutSeconds ?? 600;
    if (options.confirmed) {
      this.pending = {
        sessionId: options.sessionId,
        junos: options.junos ?? false,
        rollbackTo,
        timer: setTimeout(() => this.revert('confirm timeout', 0, 'device'), confirmTimeoutSeconds * 1000),
      };
      this.pending.timer.unref();
    }
    this.record({
      sessionId: options.sessionId,
      username: options.username,
      kind: options.confirmed ? 'confirmed-commit' : undoes ? 'revert' : followUp ? 'confirm' : 'commit',
      ...(undoes ? { reason: 'rollback' } : {}),
      ...(options.confirmed ? { confirmTimeoutSeconds } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.client ? { client: options.client } : {}),
      changed,
      before: previous,
    });
  }

  /**
   * A change made on the box by hand, as at its CLI (`configure`, `load merge terminal`, `commit`)
   * as `username`: merged into the candidate and committed, validated as any commit is. Refused
   * while a session holds the configuration or its uncommitted changes, as Junos's `configure
   * exclusive` would be.
   */
  handEdit(username: string, configChildren: Element[]) {
    this.assertNotLockedByOther('candidate', cliSession);
    if (this.candidateChangedBy !== undefined) throw new StoreError('in-use', `the candidate holds uncommitted changes of session ${this.candidateChangedBy}`, { sessionId: this.candidateChangedBy });
    this.editCandidate(configChildren, 'merge');
    try {
      this.commit({ sessionId: cliSession, username, junos: true, client: 'cli' });
    } catch (error) {
      this.resetCandidate();
      throw error;
    }
  }

  /**
   * The candidate becomes the running configuration as it is (no copy), and the previous running
   * configuration, given the candidate's edits again, the next candidate: a commit costs its edits
   * and one serialisation, not copies of the whole tree.
   */
  private takeCandidateAsRunning(committed: ConfigurationText) {
    const previous = this.running;
    const edits = this.candidateEdits;
    this.running = this.candidate;
    this.runningText = committed;
    this.runningChecked = true;
    this.candidateEdits = [];
    this.candidateChangedBy = undefined;
    try {
      if (!edits) throw new Error('the candidate was not made by edits');
      for (const edit of edits) applyConfigurationEdit(previous, edit.configChildren, edit.operation);
      this.candidate = previous;
    } catch {
      this.candidate = cloneDocument(this.running);
    }
  }

  /** Junos's `rollback N`: loads an earlier running configuration into the candidate. */
  loadRollback(index: number, sessionId: number) {
    const saved = this.rollbacks[index - 1];
    if (!saved) throw new StoreError('invalid-value', `there is no rollback ${index}`);
    this.assertNotLockedByOther('candidate', sessionId);
    this.candidate = parseConfiguration(saved);
    this.candidateEdits = undefined;
    this.candidateChangedBy = sessionId;
  }

  /**
   * A session ended (closed, dropped, or `killed` by another): its locks go, and its NETCONF
   * confirmed commit reverts. Junos reverts a <commit-configuration> one only when its session
   * is killed; otherwise its timer runs on.
   */
  sessionEnded(sessionId: number, username: string, killed = false) {
    for (const [target, holder] of this.locks) {
      if (holder !== sessionId) continue;
      this.locks.delete(target);
      if (target === 'candidate' && this.candidateChangedBy === sessionId) this.resetCandidate();
    }
    if (this.pending && this.pending.sessionId === sessionId && (killed || !this.pending.junos)) {
      this.revert('session lost before confirm', sessionId, username);
    }
  }

  /** The power went: a pending confirmed commit, whoever made it, is rolled back at boot. */
  revertPending(reason: string) {
    this.locks.clear();
    this.revert(reason, 0, 'device');
  }

  private revert(reason: string, sessionId: number, username: string) {
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    const before = this.runningText;
    this.running = parseConfiguration(this.pending.rollbackTo);
    this.runningText = configurationText(this.running);
    this.runningChecked = false;
    this.references = undefined;
    this.candidate = cloneDocument(this.running);
    this.candidateEdits = [];
    this.candidateChangedBy = undefined;
    this.pending = undefined;
    this.record({ sessionId, username, kind: 'revert', reason, changed: before.text !== this.runningText.text, before });
  }

  private record(entry: Pick<JournalEntry, 'sessionId' | 'username' | 'kind' | 'reason' | 'confirmTimeoutSeconds' | 'log' | 'client' | 'changed'> & { before: ConfigurationText }) {
    if (entry.changed) this.onRunningChanged();
    const { before, ...recorded } = entry;
    this.journal.push({
      at: new Date().toISOString(),
      commitId: ++this.commitCounter,
      ...recorded,
      sha256: sha(this.runningText),
      sections: sectionsChanged(before.sections, this.runningText.sections),
    });
  }

  /** Factory reset: an empty configuration, nothing pending, no history. */
  reset(initial?: string) {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    this.locks.clear();
    this.running = loadConfiguration(initial);
    this.runningText = configurationText(this.running);
    this.runningChecked = false;
    this.references = undefined;
    this.candidate = cloneDocument(this.running);
    this.candidateEdits = [];
    this.candidateChangedBy = undefined;
    this.rollbacks.length = 0;
    this.journal.length = 0;
    this.onRunningChanged();
  }
}
