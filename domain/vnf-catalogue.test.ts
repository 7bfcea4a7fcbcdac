import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXml } from '../activities/devices/netconf/xml.ts';
import { validateConfiguration } from '../simulator/validation.ts';
import { vnfDefinition, vnfRemoval } from './render/nfx-vnf.ts';
import { renderDay1 } from './vnf-instance.ts';
import {
  day1Values, flavourShortfall, networkServiceProblems, vnfPackageInput, vnfPackageProblems, type VnfPackageInput,
} from './vnf-catalogue.ts';

const firewall = (overrides: Partial<VnfPackageInput> = {}): VnfPackageInput => vnfPackageInput.parse({
  vendor: 'Juniper Networks', product: 'vsrx', version: '22.4R1', type: 'firewall', imageSha256: 'a'.repeat(64),
  flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'large', vcpus: 2, memoryMiB: 4096, diskGiB: 8 }],
  interfaces: [{ name: 'eth2', role: 'left' }, { name: 'eth3', role: 'right' }],
  day1: {
    template: '<configuration><system><host-name>{{hostName}}</host-name></system><snmp><community><name>{{community}}</name></community></snmp></configuration>',
    parameters: [{ name: 'hostName', type: 'string' }, { name: 'community', type: 'string', default: 'branchline' }, { name: 'sessions', type: 'integer', min: 1, max: 100, required: false }],
  },
  healthCheck: { oid: '1.3.6.1.2.1.1.3.0' },
  scaling: { minFlavour: 'small', maxFlavour: 'large' },
  ...overrides,
});

describe('VNF catalogue', () => {
  it('accepts a complete package, filling in the health check\'s defaults', () => {
    const pkg = firewall();
    assert.deepEqual(vnfPackageProblems(pkg), []);
    assert.deepEqual([pkg.healthCheck.holds, pkg.healthCheck.intervalSeconds, pkg.healthCheck.failuresBeforeUnhealthy], ['answers', 30, 2]);
  });

  it('names each inconsistency of a package: twice-declared flavours, undeclared template parameters, scaling limits out of order, a bad default', () => {
    const pkg = firewall({
      flavours: [{ name: 'small', vcpus: 1, memoryMiB: 1024, diskGiB: 4 }, { name: 'small', vcpus: 2, memoryMiB: 2048, diskGiB: 4 }, { name: 'large', vcpus: 4, memoryMiB: 4096, diskGiB: 8 }],
      day1: { template: '{{hostName}} {{secret}}', parameters: [{ name: 'hostName', type: 'integer', required: true, default: 'x' as unknown as number }] },
      scaling: { minFlavour: 'large', maxFlavour: 'small' },
    });
    assert.deepEqual(vnfPackageProblems(pkg).map((p) => p.path), ['flavours', 'day1.template', 'day1.parameters.0.default', 'scaling']);
  });

  it('checks day-1 values by type and fills in defaults, then renders them escaped for XML', () => {
    const { parameters } = firewall().day1;
    assert.deepEqual(day1Values(parameters, { hostName: 'fw-<1>' }), { values: { hostName: 'fw-<1>', community: 'branchline' }, problems: [] });
    assert.deepEqual(day1Values(parameters, { sessions: 500, colour: 'red' }).problems.map((p) => p.message),
      ['the package declares no parameter colour', 'hostName is required', 'sessions is from 1 to 100']);
    assert.match(renderDay1(firewall().day1.template, { hostName: 'fw-<1>', community: 'c' }), /<host-name>fw-&lt;1&gt;<\/host-name>/);
  });

  it('says what a host lacks for a flavour, and nothing when it fits', () => {
    const host = { cores: 2, memoryMiB: 4096, diskGiB: 64 };
    assert.equal(flavourShortfall(host, { cores: 1, memoryMiB: 1024, diskGiB: 4 }, { vcpus: 1, memoryMiB: 1024, diskGiB: 4 }), undefined);
    assert.equal(flavourShortfall(host, { cores: 1, memoryMiB: 1024, diskGiB: 4 }, { vcpus: 2, memoryMiB: 4096, diskGiB: 4 }),
      '2 vCPUs asked, 1 of 2 free; 4096 MiB of memory asked, 3072 of 4096 free');
  });

  it('refuses a chain of a package without the flavour named or a side to chain by', () => {
    const id = '0190a6f0-0000-7000-8000-000000000001';
    const router = { flavours: firewall().flavours, interfaces: [{ name: 'eth2', role: 'left' as const }] };
    const problems = networkServiceProblems({ name: 'secure', description: '', functions: [{ packageId: id, flavour: 'huge' }, { packageId: id, flavour: 'small' }] }, new Map([[id, router]]));
    assert.deepEqual(problems.map((p) => p.message), ['the package has no flavour huge', 'the package has no right interface to chain by', 'the package has no right interface to chain by']);
  });
});

describe('NFX VNF configuration', () => {
  const definition = vnfDefinition({ name: 'vsrx-0001', imagePath: '/var/public/abc.qcow2', vcpus: 2, memoryMiB: 2048, interfaces: [] });

  it('defines a VNF as an NFX accepts it: image in /var/public, vCPUs, memory in KiB', () => {
    assert.match(definition, /<virtual-network-functions nc:operation="replace"><name>vsrx-0001<\/name><image><file>\/var\/public\/abc.qcow2<\/file><image-type>image<\/image-type><\/image><virtual-cpu><count>2<\/count><\/virtual-cpu><memory><size>2097152<\/size><\/memory>/);
    assert.deepEqual(validateConfiguration(parseXml(definition), { hostsVnfs: true }), []);
    assert.match(vnfRemoval('vsrx-0001'), /<virtual-network-functions nc:operation="remove"><name>vsrx-0001<\/name>/);
  });

  it('is refused by a box that hosts no VNFs (an SRX)', () => {
    assert.deepEqual(validateConfiguration(parseXml(definition)).map((p) => p.message), ['virtual-network-functions: this platform hosts no virtual network functions']);
  });
});
