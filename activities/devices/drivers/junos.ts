// The driver for SRX-class Junos devices (platform "junos"): configuration in Junos's own schema
// (<configuration> with no namespace, as get-config returns it), loaded into the candidate
// datastore (candidate.ts) and committed as Junos commits (junos-commits.ts); facts, interfaces,
// probes and software as a real SRX answers them (junos-operational.ts).
import type { NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, parseXml, serialize, type Element } from '../netconf/xml.ts';
import { candidateChanges } from './candidate.ts';
import type { DeviceAccounts, DeviceConnection, DeviceDriver, Transports } from './contract.ts';
import { junosCommits } from './junos-commits.ts';
import { junosOperations } from './junos-operational.ts';
import { junosVnfHost } from './junos-vnf.ts';
import { netconfTarget } from './targets.ts';

/**
 * The configuration as Junos keeps it. In a get-config reply <configuration> carries no namespace
 * of its own and so inherits the reply's NETCONF one, which a copy taken out of the reply names;
 * and Junos marks the active one with its last commit (junos:commit-seconds, -localtime, -user),
 * which says nothing of the configuration. Both go; the junos prefix stays if anything uses it.
 */
export function asJunosKeepsIt(xml: string): string {
  return xml.replace(/^<configuration\b[^>]*>/, (tag) => {
    const junos = /\sxmlns:junos="([^"]*)"/.exec(tag);
    return junos && xml.slice(tag.length).includes('junos:') ? `<configuration xmlns:junos="${junos[1]}">` : '<configuration>';
  });
}

/** The device's own accounts, which Branchline's configurations never name: its root password and its login users (Branchline's own among them). */
const accountStatements = ['root-authentication', 'login'];

/**
 * A configuration that is to replace the device's, with the accounts of `running` (the device's
 * configuration) kept: Junos refuses a configuration without root-authentication, and one without
 * the login Branchline manages the box with would lock Branchline out. Where the configuration
 * names accounts of its own, they stand, unless `accounts` is `running`: then the device ends with
 * exactly the accounts it runs (a version on record restored may name a login rotated away since,
 * and lack the one Branchline logs in with now).
 */
export function withAccountsKept(config: string, running: string, accounts: DeviceAccounts = 'configuration'): string {
  const kept = child(parseXml(`<data>${asJunosKeepsIt(running)}</data>`).documentElement!, 'configuration');
  const keptSystem = kept && child(kept, 'system');
  const document = parseXml(config);
  const root = document.documentElement!;
  const wanted = keptSystem ? elementChildren(keptSystem).filter((e) => accountStatements.includes(e.localName ?? '')) : [];
  let system = child(root, 'system');
  if (accounts === 'running' && system) {
    for (const named of elementChildren(system).filter((e) => accountStatements.includes(e.localName ?? ''))) system.removeChild(named);
  } else if (wanted.length === 0) {
    return config;
  }
  if (wanted.length > 0 && !system) system = root.insertBefore(document.createElementNS(root.namespaceURI, 'system'), root.firstChild) as Element;
  for (const account of wanted) {
    if (!child(system!, account.localName ?? '')) system!.appendChild(document.importNode(account, true));
  }
  return serialize(document);
}

/** The statements at a path below `from` (`system login user`, …). */
const path = (from: Element | undefined, ...names: string[]) => names.reduce<Element[]>(
  (found, name) => found.flatMap((e) => elementChildren(e).filter((c) => c.localName === name)), from ? [from] : []);

export function junosDriver(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const target = netconfTarget(connection);
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(target, work);
  const changes = candidateChanges(netconf, { scoped: true });
  const runningRoot = async () => parseXml(await netconf((session) => session.getConfig('running'))).documentElement!;

  return {
    connection,
    ...junosOperations(connection, transports),
    // Every Junos box answers for its VNF host; one that has none refuses the RPCs.
    vnfHost: junosVnfHost(connection, transports),

    runningConfig: (options) => netconf((session) => session.getConfig('running', options?.scope)).then(asJunosKeepsIt),

    loginUsers: async () => path(await runningRoot(), 'system', 'login', 'user').map((user) => childText(user, 'name') ?? ''),

    async tunnelsTo(peer) {
      const root = await runningRoot();
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
    ...changes,
    async loadCandidate(config, mode, options) {
      const running = mode === 'replace'
        ? await netconf((session) => session.getConfig('running', `<configuration><system>${accountStatements.map((a) => `<${a}/>`).join('')}</system></configuration>`))
        : '';
      await changes.loadCandidate(mode === 'replace' ? withAccountsKept(config, running, options?.accounts) : config, mode);
    },
    ...junosCommits(connection, netconf),
  };
}
