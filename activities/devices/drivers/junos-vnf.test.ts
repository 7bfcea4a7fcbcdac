import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXml } from '../netconf/xml.ts';
import { vnfHostReport } from './junos-vnf.ts';

describe('junos VNF host', () => {
  it('reads each VNF and the host resources from get-virtual-network-functions', () => {
    const reply = parseXml('<rpc-reply><vnf-information><vnf-instance><vnf-name>fw</vnf-name><vnf-state>error</vnf-state><vnf-liveliness>down</vnf-liveliness>'
      + '<vnf-management-address>127.18.0.1</vnf-management-address><vnf-image>/var/public/a.qcow2</vnf-image><virtual-cpu-count>1</virtual-cpu-count>'
      + '<memory-size>1048576</memory-size><vnf-error>boot failed</vnf-error></vnf-instance><host-resources><cpu-total>2</cpu-total><cpu-used>1</cpu-used>'
      + '<memory-total>4194304</memory-total><memory-used>1048576</memory-used><disk-total>100</disk-total><disk-available>40</disk-available></host-resources>'
      + '</vnf-information></rpc-reply>').documentElement!;
    assert.deepEqual(vnfHostReport(reply), {
      vnfs: [{ name: 'fw', state: 'error', up: false, address: '127.18.0.1', image: '/var/public/a.qcow2', vcpus: 1, memoryKiB: 1048576, error: 'boot failed' }],
      host: { cores: 2, coresUsed: 1, memoryKiB: 4194304, memoryUsedKiB: 1048576, diskBytes: 100, diskFreeBytes: 40 },
    });
  });
});
