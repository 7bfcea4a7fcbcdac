import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vnfDefinition } from '../domain/render/nfx-vnf.ts';
import { parseXml } from '../activities/devices/netconf/xml.ts';
import { simulatorVnfImage, VnfHost } from './vnf-host.ts';

const image = '/var/public/vsrx.qcow2';
const definition = (name: string, left: string, right: string) => vnfDefinition({
  name, imagePath: image, vcpus: 1, memoryMiB: 1024, interfaces: [{ name: 'eth2', vlan: left }, { name: 'eth3', vlan: right }],
}).replace(/ nc:operation="replace"/, '');
const running = (...vnfs: string[]) => parseXml(`<configuration>${vnfs.map((v) => v.replace(/^<configuration[^>]*>|<\/configuration>$/g, '')).join('')}</configuration>`);

function host(): VnfHost {
  const vnfHost = new VnfHost({ cores: 4, memoryMiB: 8192, diskGiB: 64 }, {
    bootMs: 0, addresses: ['127.160.9.1', '127.160.9.2'], onChange: () => undefined,
    createGuest: () => ({ powerOn: async () => undefined, powerOff: async () => undefined, stop: async () => undefined, setHung: async () => undefined }),
  });
  vnfHost.storeImage(image, simulatorVnfImage('vsrx', '22.4R1'));
  return vnfHost;
}
const booted = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('a uCPE\'s service-chain path report', () => {
  it('follows a flow from the LAN VLAN through each chained VNF, in chain order, to the egress VLAN', async () => {
    const vnfHost = host();
    // Defined in the other order: the path follows the VLANs, not the configuration's order.
    vnfHost.reconcile(running(definition('wanopt', 'chain-1', 'wan-out'), definition('firewall', 'lan', 'chain-1')));
    await booted();
    const path = vnfHost.servicePath('lan');
    assert.deepEqual(path.hops.map((h) => [h.vnf, h.ingressInterface, h.egressInterface]), [['firewall', 'eth2', 'eth3'], ['wanopt', 'eth2', 'eth3']]);
    assert.deepEqual([path.status, path.egressVlan], ['forwarding', 'wan-out']);
    assert.match(vnfHost.servicePathInformation('lan'), /<path-status>forwarding<\/path-status>/);
  });

  it('when a VNF of the chain crashed › reports the flow dropped there', async () => {
    const vnfHost = host();
    vnfHost.reconcile(running(definition('firewall', 'lan', 'chain-1'), definition('wanopt', 'chain-1', 'wan-out')));
    await booted();
    await vnfHost.crash('wanopt');
    const path = vnfHost.servicePath('lan');
    assert.deepEqual([path.status, path.droppedAt, path.egressVlan], ['dropped', 'wanopt', null]);
  });

  it('when nothing is chained on the VLAN › reports the flow leaving where it entered', () => {
    const path = host().servicePath('lan');
    assert.deepEqual([path.hops, path.egressVlan, path.status], [[], 'lan', 'forwarding']);
  });
});
