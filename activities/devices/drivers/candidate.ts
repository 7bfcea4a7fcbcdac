// The candidate-datastore half of a driver for RFC 6241 devices: lock, load (a load error
// discards what it left before it throws), diff against running, discard; and RFC 6241's
// confirmed commits (:confirmed-commit:1.1), confirmed, cancelled and found by their persist
// token. A driver adds how it commits.
import { changeScope } from '../../../domain/config-delta.ts';
import { diffConfigs } from '../../../domain/config-diff.ts';
import type { NetconfSession } from '../netconf/session.ts';
import type { DeviceDriver } from './contract.ts';

type OnSession = <T>(work: (session: NetconfSession) => Promise<T>) => Promise<T>;

/**
 * `scoped` (a Junos box, whose lists are keyed by name): the diff after a merge reads only what
 * the merge can touch (domain/config-delta.ts), both datastores filtered by the edit's scope. The
 * candidate is the running configuration when the lock is taken, so nothing else differs; a hub
 * with a thousand tunnels then diffs the few a change names, not the whole configuration twice.
 */
export function candidateChanges(netconf: OnSession, options: { scoped?: boolean } = {}): Pick<DeviceDriver, 'lock' | 'unlock' | 'loadCandidate' | 'diff' | 'discard'> {
  let scope: string | undefined;
  return {
    lock: () => netconf((session) => session.lock('candidate')),
    unlock: () => netconf((session) => session.unlock('candidate')),

    async loadCandidate(config, mode) {
      scope = options.scoped && mode === 'merge' ? changeScope(config) : undefined;
      await netconf(async (session) => {
        try {
          await session.editConfig({ target: 'candidate', config, defaultOperation: mode });
        } catch (error) {
          await session.discardChanges().catch(() => undefined);
          throw error;
        }
      });
    },

    diff: () => netconf(async (session) => diffConfigs(await session.getConfig('running', scope), await session.getConfig('candidate', scope))),
    discard: () => netconf((session) => session.discardChanges()),
  };
}

export function persistedCommits(netconf: OnSession): Pick<DeviceDriver, 'confirm' | 'rollback' | 'pendingCommit'> {
  return {
    confirm: (persist) => netconf((session) => session.commit({ persistId: persist })),
    rollback: (persist) => netconf((session) => session.cancelCommit({ persistId: persist })),
    pendingCommit: (persist, confirmTimeoutSeconds) => netconf((session) => session.confirmedCommitPending(persist, confirmTimeoutSeconds)),
  };
}
