// A Junos NFX's VNF host, as its operational RPCs answer (the NFX150/NFX250 guides): images fetched
// into /var/public by file-copy and checked by sha256 there (as firmware is staged), the VNFs and
// the host's resources from get-virtual-network-functions, a VNF started, stopped or restarted by
// request-virtual-network-functions, an image removed by file-delete when no VNF uses it.
import { DeviceError } from '../errors.ts';
import type { NetconfSession } from '../netconf/session.ts';
import { childText, elementChildren, escapeXml, type Element } from '../netconf/xml.ts';
import type { ServiceChainPath } from '../../../domain/network-service.ts';
import type { DeviceConnection, Transports, VnfHostOperations, VnfHostReport } from './contract.ts';
import { netconfTarget } from './targets.ts';

const findAll = (root: Element, localName: string): Element[] =>
  elementChildren(root).flatMap((element) => (element.localName === localName ? [element] : findAll(element, localName)));
const find = (root: Element, localName: string): Element | undefined => (root.localName === localName ? root : findAll(root, localName)[0]);

/** get-virtual-network-functions, read: each VNF's state and address, and the host's resources. */
export function vnfHostReport(reply: Element): VnfHostReport {
  const number = (e: Element | undefined, name: string) => Number((e && childText(e, name)) ?? 0);
  const host = find(reply, 'host-resources');
  return {
    vnfs: findAll(reply, 'vnf-instance').map((vnf) => ({
      name: childText(vnf, 'vnf-name') ?? '',
      state: childText(vnf, 'vnf-state') ?? 'unknown',
      up: childText(vnf, 'vnf-liveliness') === 'up',
      address: childText(vnf, 'vnf-management-address') ?? '',
      image: childText(vnf, 'vnf-image') ?? '',
      vcpus: number(vnf, 'virtual-cpu-count'),
      memoryKiB: number(vnf, 'memory-size'),
      ...(childText(vnf, 'vnf-error') ? { error: childText(vnf, 'vnf-error')! } : {}),
    })),
    host: {
      cores: number(host, 'cpu-total'), coresUsed: number(host, 'cpu-used'),
      memoryKiB: number(host, 'memory-total'), memoryUsedKiB: number(host, 'memory-used'),
      diskBytes: number(host, 'disk-total'), diskFreeBytes: number(host, 'disk-available'),
    },
  };
}

/** get-vnf-service-chain-path, read: the hops a flow takes from its ingress VLAN, and where it leaves or is dropped. */
export function serviceChainPath(reply: Element): ServiceChainPath {
  const info = find(reply, 'service-chain-path-information');
  const text = (name: string) => (info && childText(info, name)) ?? null;
  return {
    ingressVlan: text('ingress-vlan') ?? '',
    hops: (info ? findAll(info, 'service-chain-hop') : []).map((hop) => ({
      vnf: childText(hop, 'vnf-name') ?? '', ingressInterface: childText(hop, 'ingress-interface') ?? '',
      egressInterface: childText(hop, 'egress-interface') ?? null, state: childText(hop, 'vnf-state') ?? 'unknown',
    })),
    egressVlan: text('egress-vlan'),
    status: text('path-status') ?? 'unknown',
    droppedAt: text('dropped-at') ?? undefined,
  };
}

const missingFile = (error: unknown) => error instanceof DeviceError && /no such file/i.test(error.message);

export function junosVnfHost(connection: DeviceConnection, transports: Transports): VnfHostOperations {
  const netconf = <T>(work: (session: NetconfSession) => Promise<T>) => transports.netconf.withSession(netconfTarget(connection), work);
  const { serial } = connection;
  const checksumOf = async (session: NetconfSession, path: string): Promise<string | undefined> => {
    try {
      const reply = await session.rpc(`<get-sha256-checksum-information><path>${escapeXml(path)}</path></get-sha256-checksum-information>`, { timeoutMs: 5 * 60_000 });
      return find(reply, 'checksum')?.textContent?.trim().toLowerCase();
    } catch (error) {
      if (missingFile(error)) return undefined;
      throw error;
    }
  };
  const report = (session: NetconfSession) => session.rpc('<get-virtual-network-functions/>').then(vnfHostReport);

  return {
    report: () => netconf(report),

    copyImage: (input) => netconf(async (session) => {
      const expected = input.sha256.toLowerCase();
      // Already there, whole: nothing to copy (a retry, or an image two instances share).
      if (await checksumOf(session, input.path) === expected) return { copied: false };
      try {
        await session.rpc(`<file-copy><source>${escapeXml(input.url)}</source><destination>${escapeXml(input.path)}</destination></file-copy>`, { timeoutMs: 15 * 60_000 });
      } catch (error) {
        if (error instanceof DeviceError && /no space left/i.test(error.message)) {
          throw new DeviceError('rejected', `${serial} has no room in /var/public for the VNF image: ${error.message}`, { reason: 'no-room' }, { cause: error });
        }
        throw error;
      }
      const actual = await checksumOf(session, input.path);
      if (actual !== expected) {
        await session.rpc(`<file-delete><path>${escapeXml(input.path)}</path></file-delete>`).catch(() => undefined);
        throw new DeviceError('rejected', `${serial}: the VNF image copied to ${input.path} has sha256 ${actual ?? '(none reported)'}, expected ${expected}; removed`, { reason: 'checksum-mismatch', expected, actual });
      }
      return { copied: true };
    }),

    request: (name, action) => netconf(async (session) => {
      await session.rpc(`<request-virtual-network-functions><vnf-name>${escapeXml(name)}</vnf-name><${action}/></request-virtual-network-functions>`);
    }),

    servicePath: (vlan) => netconf(async (session) => serviceChainPath(await session.rpc(`<get-vnf-service-chain-path><vlan>${escapeXml(vlan)}</vlan></get-vnf-service-chain-path>`))),

    deleteImageIfUnused: (path) => netconf(async (session) => {
      if ((await report(session)).vnfs.some((vnf) => vnf.image === path)) return { deleted: false };
      try {
        await session.rpc(`<file-delete><path>${escapeXml(path)}</path></file-delete>`);
        return { deleted: true };
      } catch (error) {
        if (missingFile(error)) return { deleted: false };
        throw error;
      }
    }),
  };
}
