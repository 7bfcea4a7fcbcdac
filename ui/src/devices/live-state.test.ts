import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveInterface, uptime, type LiveReading } from './live-state.ts';

const read = (interfaces: { name: string; adminUp: boolean; operUp: boolean }[]): LiveReading => ({
  state: 'read', reading: { hostName: 'h', model: 'm', serial: 's', softwareVersion: 'v', uptimeSeconds: 1, readAt: '', interfaces: interfaces.map((i) => ({ ...i, addresses: [] })) },
});

describe('liveInterface', () => {
  it('finds a port up when one of its units is', () => {
    assert.equal(liveInterface(read([{ name: 'ge-0/0/0', adminUp: true, operUp: false }, { name: 'ge-0/0/0.0', adminUp: true, operUp: true }]), 'ge-0/0/0'), 'Up');
  });
  it('tells a tunnel unit down from one the device does not have', () => {
    const reading = read([{ name: 'st0.1', adminUp: true, operUp: false }]);
    assert.equal(liveInterface(reading, 'st0.1'), 'Down');
    assert.equal(liveInterface(reading, 'st0.2'), 'Not on the device');
    assert.equal(liveInterface(reading, 'st0.10'), 'Not on the device');
  });
  it('says why there is no state when the device cannot be reached or has no box', () => {
    assert.equal(liveInterface({ state: 'unreachable', reason: 'x' }, 'ge-0/0/0'), 'Unknown: the device cannot be reached');
    assert.equal(liveInterface({ state: 'not-provisioned' }, 'ge-0/0/0'), 'Not provisioned');
  });
});

describe('uptime', () => {
  it('reads in the largest units that matter', () => {
    assert.equal(uptime(40), '40 s');
    assert.equal(uptime(125 * 60), '2 h 5 min');
    assert.equal(uptime(3 * 86_400 + 4 * 3600 + 59), '3 d 4 h');
  });
});
