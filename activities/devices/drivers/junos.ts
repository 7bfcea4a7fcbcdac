// The driver for SRX-class Junos devices (platform "junos"): configuration in Junos's own schema
// (<configuration> with no namespace, as get-config returns it), through the candidate datastore
// and confirmed commits. The operational half (facts, interfaces, probes, software, reboot) is
// still the simulator's and moves to junos-operational.ts.
import { diffConfigs } from '../config-diff.ts';
import { DeviceError } from '../errors.ts';
import type { NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, escapeXml, parseXml, type Element } from '../netconf/xml.ts';
import type { DeviceConnection, DeviceDriver, DeviceFacts, InterfaceStatus, ProbeResult, Transports } from './contract.ts';

const stateNs = 'urn:branchline:sim:state';
const probeEntry = '1.3.6.1.4.1.64242.1.2.1';

/**
 * The configuration as Junos shows it: in a get-config reply <configuration> carries no namespace
 * of its own and so inherits the reply's NETCONF one, which a copy taken out of the reply names.
 */
function asJunosKeepsIt(xml: string): string {
  return xml.replace(/^<configuration xmlns="urn:ietf:params:xml:ns:netconf:base:1\.0"/, '<configuration');
}

export function junosDriver(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const target = {
    host: connection.host,
    port: connection.netconfPort,
    username: connection.username,
    password: connection.password,
    hostKeySha256: connection.hostKeySha256,
  };
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(target, work);
  const snmpTarget = { host: connection.host, port: connection.snmpPort, version: '2c' as const, community: connection.community };
  const state = (filter: string) => netconf((session) => session.get(`<${filter} xmlns="${stateNs}"/>`)).then((xml) => parseXml(xml).documentElement!);

  return {
    connection,

    async facts(): Promise<DeviceFacts> {
      return netconf(async (session) => {
        const info = parseXml(await session.get(`<software-information xmlns="${stateNs}"/>`)).documentElement!;
        const config = await session.getConfig('running', '<configuration><system><host-name/></system></configuration>');
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
      const cells = await transports.snmp.walk(snmpTarget, probeEntry);
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

    runningConfig: () => netconf((session) => session.getConfig('running')).then(asJunosKeepsIt),

    async tunnelsTo(peer) {
      const root = parseXml(await netconf((session) => session.getConfig('running'))).documentElement!;
      const path = (from: Element | undefined, ...names: string[]) => names.reduce<Element[]>(
        (found, name) => found.flatMap((e) => elementChildren(e).filter((c) => c.localName === name)), from ? [from] : []);
      const st0 = path(root, 'interfaces', 'interface').find((i) => childText(i, 'name') === 'st0');
      const unitAddress = new Map(path(st0, 'unit').map((u) => [childText(u, 'name'), path(u, 'family', 'inet', 'address')[0]]));
      // A tunnel is an IKE gateway whose address is the peer, and the VPN that uses the gateway.
      const gateways = new Map(path(root, 'security', 'ike', 'gateway').filter((g) => childText(g, 'address') === peer).map((g) => [childText(g, 'name'), g]));
      return path(root, 'security', 'ipsec', 'vpn').flatMap((vpn) => {
        const gateway = gateways.get(path(vpn, 'ike')[0] && childText(path(vpn, 'ike')[0]!, 'gateway'));
        const bind = childText(vpn, 'bind-interface') ?? '';
        if (!gateway || !/^st0\.\d+$/.test(bind)) return [];
        const unit = Number(bind.slice(4));
        const address = unitAddress.get(String(unit));
        return [{
          // The VPN is named after the far end and the unit (the renderer's tunnelName).
          name: (childText(vpn, 'name') ?? '').replace(new RegExp(`-${unit}$`), ''),
          unit,
          peer,
          localAddress: (address && childText(address, 'name')) ?? '',
          viaLink: (childText(gateway, 'external-interface') ?? '').replace(/\.0$/, ''),
        }];
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
