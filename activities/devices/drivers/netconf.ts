// The generic driver for RFC 6241 devices (platform "netconf"): whatever speaks NETCONF with the
// IETF models. Facts from ietf-system (platform, clock) and the modules the device announces
// (hello capabilities, ietf-yang-library); interfaces from ietf-interfaces (NMDA's operational
// datastore where the device has one, else interfaces-state); configuration changes through the
// candidate datastore and confirmed commits. No vendor operation: software images and tunnels
// have no standard model, and are refused as such.
import { DeviceError } from '../errors.ts';
import { capabilities, type NetconfSession } from '../netconf/session.ts';
import { child, childText, elementChildren, parseXml, type Element } from '../netconf/xml.ts';
import { candidateChanges, persistedCommits } from './candidate.ts';
import type { DeviceConnection, DeviceDriver, DeviceFacts, InterfaceStatus, Transports } from './contract.ts';
import { netconfTarget } from './targets.ts';

const ns = {
  system: 'urn:ietf:params:xml:ns:yang:ietf-system',
  interfaces: 'urn:ietf:params:xml:ns:yang:ietf-interfaces',
  ip: 'urn:ietf:params:xml:ns:yang:ietf-ip',
  yangLibrary: 'urn:ietf:params:xml:ns:yang:ietf-yang-library',
  nmda: 'urn:ietf:params:xml:ns:yang:ietf-netconf-nmda',
  datastores: 'urn:ietf:params:xml:ns:yang:ietf-datastores',
} as const;

/** ietf-interfaces from this revision on is NMDA's: state lives in the operational datastore (RFC 8343). */
const nmdaInterfacesRevision = '2018-02-20';

/** A module the device implements, and its revision ('' when it says none). */
export interface ImplementedModule {
  name: string;
  revision: string;
}

/** The YANG 1.0 modules a hello announces (RFC 6020 §5.6.4: `<namespace>?module=…&revision=…`). */
export function modulesOfCapabilities(serverCapabilities: string[]): ImplementedModule[] {
  return serverCapabilities.flatMap((capability) => {
    const query = capability.split('?')[1];
    if (!query) return [];
    const parameters = new URLSearchParams(query);
    const name = parameters.get('module');
    return name ? [{ name, revision: parameters.get('revision') ?? '' }] : [];
  });
}

/** The children of a reply's data, as one element to walk. */
function dataRoot(xml: string): Element {
  return parseXml(`<data>${xml}</data>`).documentElement as Element;
}

function children(element: Element | undefined, localName: string): Element[] {
  return element ? elementChildren(element).filter((e) => e.localName === localName) : [];
}

/** "192.0.2.1/24" for each ietf-ip ipv4 address below an interface entry. */
function ipv4Addresses(entry: Element): string[] {
  return children(child(entry, 'ipv4'), 'address').flatMap((address) => {
    const ip = childText(address, 'ip');
    const prefixLength = childText(address, 'prefix-length');
    return ip ? [prefixLength ? `${ip}/${prefixLength}` : ip] : [];
  });
}

const seconds = (from: string | undefined, to: string | undefined): number => {
  const span = (Date.parse(to ?? '') - Date.parse(from ?? '')) / 1000;
  return Number.isFinite(span) && span > 0 ? Math.floor(span) : 0;
};

export function netconfDriver(connection: DeviceConnection, transports: Transports): DeviceDriver {
  const target = netconfTarget(connection);
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(target, work);
  const changes = candidateChanges(netconf);
  const unsupported = (what: string) => new DeviceError('rejected', `${connection.serial} is driven as a generic NETCONF device (platform "netconf"): ${what} has no standard NETCONF model`);

  /** The modules the device implements: its hello, and its YANG library when it announces one (YANG 1.1 modules are only there). */
  async function modules(session: NetconfSession): Promise<ImplementedModule[]> {
    const announced = modulesOfCapabilities(session.serverCapabilities);
    if (!session.serverCapabilities.some((c) => c.startsWith('urn:ietf:params:netconf:capability:yang-library:'))) return announced;
    const library = dataRoot(await session.get(`<modules-state xmlns="${ns.yangLibrary}"><module><name/><revision/></module></modules-state>`));
    const listed = children(child(library, 'modules-state'), 'module').map((m) => ({ name: childText(m, 'name') ?? '', revision: childText(m, 'revision') ?? '' }));
    return [...announced, ...listed.filter((m) => !announced.some((a) => a.name === m.name))];
  }

  /** Interfaces from NMDA's operational datastore (RFC 8342 get-data, RFC 8343). */
  async function operationalInterfaces(session: NetconfSession): Promise<InterfaceStatus[]> {
    const reply = await session.rpc(`<get-data xmlns="${ns.nmda}" xmlns:ds="${ns.datastores}"><datastore>ds:operational</datastore>`
      + `<subtree-filter><interfaces xmlns="${ns.interfaces}"/></subtree-filter></get-data>`);
    const data = child(reply, 'data');
    if (!data) throw new DeviceError('protocol', `${connection.serial} answered get-data without <data>`);
    return children(child(data, 'interfaces'), 'interface').map((entry) => {
      const addresses = ipv4Addresses(entry);
      return {
        name: childText(entry, 'name') ?? '',
        adminUp: (childText(entry, 'admin-status') ?? (childText(entry, 'enabled') === 'false' ? 'down' : 'up')) === 'up',
        operUp: childText(entry, 'oper-status') === 'up',
        ...(addresses.length > 0 ? { addresses } : {}),
      };
    });
  }

  /** Interfaces from interfaces-state (RFC 7223), with what the configuration says where state is silent. */
  async function stateInterfaces(session: NetconfSession): Promise<InterfaceStatus[]> {
    const state = dataRoot(await session.get(`<interfaces-state xmlns="${ns.interfaces}"/>`));
    const config = dataRoot(await session.getConfig('running', `<interfaces xmlns="${ns.interfaces}"/>`));
    const configured = new Map(children(child(config, 'interfaces'), 'interface').map((entry) => [childText(entry, 'name') ?? '', entry]));
    return children(child(state, 'interfaces-state'), 'interface').map((entry) => {
      const name = childText(entry, 'name') ?? '';
      const intended = configured.get(name);
      const reported = ipv4Addresses(entry);
      const addresses = reported.length > 0 ? reported : intended ? ipv4Addresses(intended) : [];
      const adminStatus = childText(entry, 'admin-status') ?? (intended && childText(intended, 'enabled') === 'false' ? 'down' : 'up');
      return {
        name,
        adminUp: adminStatus === 'up',
        operUp: childText(entry, 'oper-status') === 'up',
        ...(addresses.length > 0 ? { addresses } : {}),
      };
    });
  }

  return {
    connection,

    async facts(): Promise<DeviceFacts> {
      return netconf(async (session) => {
        const state = dataRoot(await session.get(`<system-state xmlns="${ns.system}"><platform/><clock/></system-state>`));
        const config = dataRoot(await session.getConfig('running', `<system xmlns="${ns.system}"><hostname/></system>`));
        const systemState = child(state, 'system-state');
        const platform = systemState && child(systemState, 'platform');
        const clock = systemState && child(systemState, 'clock');
        const system = child(config, 'system');
        return {
          // ietf-system names no serial number: the inventory's is the one Branchline knows the device by.
          serial: connection.serial,
          model: (platform && (childText(platform, 'machine') || childText(platform, 'os-name'))) || '',
          softwareVersion: (platform && (childText(platform, 'os-release') || childText(platform, 'os-version'))) || '',
          hostName: (system && childText(system, 'hostname')) ?? '',
          uptimeSeconds: clock ? seconds(childText(clock, 'boot-datetime'), childText(clock, 'current-datetime')) : 0,
          hostKeySha256: session.hostKeySha256,
        };
      });
    },

    interfaces: () => netconf(async (session) => {
      const implemented = await modules(session);
      const interfacesModule = implemented.find((m) => m.name === 'ietf-interfaces');
      if (!interfacesModule) throw unsupported('reading interfaces without ietf-interfaces');
      const nmda = interfacesModule.revision >= nmdaInterfacesRevision && implemented.some((m) => m.name === 'ietf-netconf-nmda');
      return nmda ? operationalInterfaces(session) : stateInterfaces(session);
    }),

    // Link probes (RPM, IP SLA) are vendor features: a generic device reports none.
    probes: async () => [],

    runningConfig: () => netconf((session) => session.getConfig('running')),

    // ietf-system's local users (RFC 7317: system authentication user).
    loginUsers: () => netconf(async (session) => {
      const [system] = children(dataRoot(await session.getConfig('running', `<system xmlns="${ns.system}"><authentication/></system>`)), 'system');
      return children(children(system, 'authentication')[0], 'user').map((user) => childText(user, 'name') ?? '');
    }),

    tunnelsTo: () => Promise.reject(unsupported('reading IPsec tunnels')),

    ...changes,
    ...persistedCommits(netconf),
    // No account is kept: ietf-system's users are the configuration's whole, whatever `accounts`
    // asks (a generic device's login is not one Branchline rotates).
    async loadCandidate(config, mode) {
      await netconf(async (session) => {
        if (!session.serverCapabilities.includes(capabilities.candidate)) throw unsupported('a change without the :candidate capability');
      });
      await changes.loadCandidate(config, mode);
    },

    commitConfirmed: ({ confirmTimeoutSeconds, persist }) => netconf(async (session) => {
      if (!session.serverCapabilities.includes(capabilities.confirmedCommit)) throw unsupported('a change without :confirmed-commit:1.1');
      // No separate <validate>: a commit validates the candidate anyway (RFC 6241 §8.3.4.1), and
      // yuma123's netconfd (2.13) answers a commit that follows a validate with <ok/> having
      // committed nothing and emptied the candidate.
      await session.commit({ confirmTimeoutSeconds, persist });
    }),

    installImage: () => Promise.reject(unsupported('installing software')),
    rollbackImage: () => Promise.reject(unsupported('rolling software back')),
    // ietf-system's system-restart (RFC 7317) is standard, and what a reboot means there.
    reboot: () => netconf((session) => session.rpc(`<system-restart xmlns="${ns.system}"/>`)).then(() => undefined),
  };
}
