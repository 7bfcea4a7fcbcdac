// The driver for the simulator's Junos-like family (platform "junos-sim"): configuration in
// urn:branchline:sim:config; facts, interfaces, probes and software as a real SRX answers them
// (junos-operational.ts).
import { diffConfigs } from '../config-diff.ts';
import { DeviceError } from '../errors.ts';
import type { NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, parseXml } from '../netconf/xml.ts';
import type { DeviceConnection, DeviceDriver, Transports } from './contract.ts';
import { junosOperations } from './junos-operational.ts';

export function junosSimDriver(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const target = {
    host: connection.host,
    port: connection.netconfPort,
    username: connection.username,
    password: connection.password,
    hostKeySha256: connection.hostKeySha256,
  };
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(target, work);

  return {
    connection,
    ...junosOperations(connection, transports),

    runningConfig: () => netconf((session) => session.getConfig('running')),

    async tunnelsTo(peer) {
      const config = parseXml(await netconf((session) => session.getConfig('running')));
      const st0 = [...config.getElementsByTagName('interface')].find((i) => childText(i, 'name') === 'st0');
      const units = new Map((st0 ? elementChildren(st0) : []).filter((e) => e.localName === 'unit').map((u) => [childText(u, 'name'), childText(u, 'address')]));
      return [...config.getElementsByTagName('vpn')].filter((vpn) => childText(vpn, 'peer') === peer).map((vpn) => {
        const unit = Number(childText(vpn, 'bind-interface')?.replace(/^st0\./, ''));
        return {
          // The VPN is named after the far end and the unit (the renderer's vpnName).
          name: (childText(vpn, 'name') ?? '').replace(new RegExp(`-${unit}$`), ''),
          unit,
          peer,
          localAddress: units.get(String(unit)) ?? '',
          viaLink: (childText(vpn, 'external-interface') ?? '').replace(/\.0$/, ''),
        };
      });
    },
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
    commitConfirmed: ({ confirmTimeoutSeconds, persist }) => netconf(async (session) => {
      await session.validate('candidate');
      await session.commit({ confirmTimeoutSeconds, persist });
    }),
    confirm: (persist) => netconf((session) => session.commit({ persistId: persist })),
    rollback: (persist) => netconf((session) => session.cancelCommit({ persistId: persist })),

    // The simulator's commit-information stays until a check by persist token replaces it.
    async pendingCommit() {
      const xml = await netconf((session) => session.get('<commit-information xmlns="urn:branchline:sim:state"/>'));
      // Without it, "nothing pending" would be a guess: a retry could commit a second time.
      if (!xml) throw new DeviceError('protocol', `${connection.serial} does not report commit-information`);
      const pending = child(parseXml(xml).documentElement!, 'confirm-pending');
      return pending && { persist: childText(pending, 'persist-id') ?? null };
    },
  };
}
