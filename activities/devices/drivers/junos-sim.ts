// The driver for the simulator's Junos-like family (platform "junos-sim"): configuration in
// urn:branchline:sim:config, state in urn:branchline:sim:state, software RPCs as Junos names them.
import { diffConfigs } from '../config-diff.ts';
import { DeviceError } from '../errors.ts';
import type { NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, escapeXml, parseXml } from '../netconf/xml.ts';
import type { DeviceConnection, DeviceDriver, DeviceFacts, InterfaceStatus, ProbeResult, Transports } from './contract.ts';
import { netconfTarget, snmpTarget } from './targets.ts';

const stateNs = 'urn:branchline:sim:state';
const probeEntry = '1.3.6.1.4.1.64242.1.2.1';

export function junosSimDriver(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const target = netconfTarget(connection);
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(target, work);
  const state = (filter: string) => netconf((session) => session.get(`<${filter} xmlns="${stateNs}"/>`)).then((xml) => parseXml(xml).documentElement!);

  return {
    connection,

    async facts(): Promise<DeviceFacts> {
      return netconf(async (session) => {
        const info = parseXml(await session.get(`<software-information xmlns="${stateNs}"/>`)).documentElement!;
        const config = await session.getConfig('running', '<configuration xmlns="urn:branchline:sim:config"><system><host-name/></system></configuration>');
        return {
          serial: childText(info, 'serial') ?? '',
          model: childText(info, 'model') ?? '',
          softwareVersion: childText(info, 'version') ?? '',
          uptimeSeconds: Number(childText(info, 'uptime-seconds') ?? 0),
          ...(childText(info, 'storage-free-bytes') ? { storageFreeBytes: Number(childText(info, 'storage-free-bytes')) } : {}),
          hostName: /<host-name>([^<]*)<\/host-name>/.exec(config)?.[1] ?? '',
          hostKeySha256: session.hostKeySha256,
        };
      });
    },

    async interfaces(): Promise<InterfaceStatus[]> {
      const info = await state('interface-information');
      return elementChildren(info).map((iface) => {
        const addresses = elementChildren(iface).filter((e) => e.localName === 'address').map((e) => e.textContent?.trim() ?? '');
        return {
          name: childText(iface, 'name') ?? '',
          adminUp: childText(iface, 'admin-status') === 'up',
          operUp: childText(iface, 'oper-status') === 'up',
          ...(addresses.length > 0 ? { addresses } : {}),
        };
      });
    },

    async probes(): Promise<ProbeResult[]> {
      const cells = await transports.snmp.walk(snmpTarget(connection), probeEntry);
      const rows = new Map<string, Map<number, unknown>>();
      for (const cell of cells) {
        const [column, row] = cell.oid.slice(probeEntry.length + 1).split('.');
        if (!rows.has(row!)) rows.set(row!, new Map());
        rows.get(row!)!.set(Number(column), cell.value);
      }
      return [...rows.values()].map((row) => ({
        link: String(row.get(2)),
        latencyMs: Number(row.get(4)),
        jitterMs: Number(row.get(5)),
        lossPermille: Number(row.get(6)),
        up: row.get(7) === 1,
      }));
    },

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

    async pendingCommit() {
      const xml = await netconf((session) => session.get(`<commit-information xmlns="${stateNs}"/>`));
      // Without it, "nothing pending" would be a guess: a retry could commit a second time.
      if (!xml) throw new DeviceError('protocol', `${connection.serial} does not report commit-information`);
      const pending = child(parseXml(xml).documentElement!, 'confirm-pending');
      return pending && { persist: childText(pending, 'persist-id') ?? null };
    },

    async installImage({ url, sha256, reboot }) {
      const reply = await netconf((session) => session.rpc(
        `<request-package-add><package-url>${escapeXml(url)}</package-url><sha256>${escapeXml(sha256)}</sha256>${reboot ? '' : '<no-reboot/>'}</request-package-add>`,
        { timeoutMs: 15 * 60_000 },
      ));
      const version = reply.getElementsByTagName('version')[0]?.textContent;
      if (!version) throw new DeviceError('protocol', `${connection.serial} installed the image without saying which version`);
      return { version };
    },

    async rollbackImage() {
      const reply = await netconf((session) => session.rpc('<request-package-rollback/>'));
      return { version: reply.getElementsByTagName('version')[0]?.textContent ?? '' };
    },

    reboot: () => netconf((session) => session.rpc('<request-reboot/>')).then(() => undefined),
  };
}
