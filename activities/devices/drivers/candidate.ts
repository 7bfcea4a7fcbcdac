// The candidate-datastore half of a driver for RFC 6241 devices: lock, load (a load error
// discards what it left before it throws), diff against running, discard; and RFC 6241's
// confirmed commits (:confirmed-commit:1.1), confirmed, cancelled and found by their persist
// token. A driver adds how it commits.
import { diffConfigs } from '../../../domain/config-diff.ts';
import type { NetconfSession } from '../netconf/session.ts';
import type { DeviceDriver } from './contract.ts';

type OnSession = <T>(work: (session: NetconfSession) => Promise<T>) => Promise<T>;

export function candidateChanges(netconf: OnSession): Pick<DeviceDriver, 'lock' | 'unlock' | 'loadCandidate' | 'diff' | 'discard'> {
  return {
    lock: () => netconf((session) => session.lock('candidate')),
    unlock: () => netconf((session) => session.unlock('candidate')),

    async loadCandidate(config, mode) {
      await netconf(async (session) => {
        try {
          await session.editConfig({ target: 'candidate', config, defaultOperation: mode });
        } catch (error) {
          await session.discardChanges().catch(() => undefined);
          throw error;
        }
      });
    },

    diff: () => netconf(async (session) => diffConfigs(await session.getConfig('running'), await session.getConfig('candidate'))),
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
