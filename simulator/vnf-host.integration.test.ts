// A simulated NFX hosting VNFs, driven as Branchline drives it: the image fetched over HTTP and
// checked by its sha256, the VNF defined by a confirmed commit, its guest reached over NETCONF and
// SNMP on its own address, and the control API's faults seen the way an orchestrator sees them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NetconfSession } from '../activities/devices/netconf/session.ts';
import type { Element } from '../activities/devices/netconf/xml.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import { vnfDefinition, vnfRemoval } from '../domain/render/nfx-vnf.ts';
import { eventually } from '../scripts/testing.ts';
import { Fleet } from './fleet.ts';
import type { SimulatedDevice } from './device.ts';
import { oids } from './snmp-agent.ts';

/** The configuration itself, without the stamp of the commit that made it. */
const withoutCommitStamp = (config: string) => config.replace(/ junos:commit-[a-z]+="[^"]*"/g, '');
const text = (e: Element, name: string) => e.getElementsByTagName(name)[0]?.textContent ?? undefined;

describe('simulated uCPE hosting VNFs', () => {
  let fleet: Fleet;
  let ucpe: SimulatedDevice;
  let session: NetconfSession;
  /** The running configuration before any VNF: what removing them all must give back. */
  let initialConfig: string;
  const snmp = new SnmpClient({ timeoutMs: 500, retries: 0 });
  const guestAddress = '127.110.0.10';
  const control = async (path: string, body?: unknown) => {
    const response = await fetch(`${fleet.controlUrl}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json() as Promise<{ resources: { used: { cores: number; memoryMiB: number; diskBytes: number } }; images: string[]; vnfs: { name: string; state: string; reason: string | null; boots: number }[] }>;
  };
  const vnfState = async (name: string) => (await control(`/devices/${ucpe.serial}/vnfs`)).vnfs.find((v) => v.name === name);
  const stateIs = (name: string, state: string) => eventually(`${name} ${state}`, () => vnfState(name), (vnf) => vnf?.state === state, 10_000);
  const commit = async (config: string) => {
    await session.editConfig({ target: 'candidate', config });
    await session.rpc('<commit-configuration/>');
  };
  const guestSession = () => NetconfSession.connect({ host: guestAddress, port: ucpe.identity.netconfPort, username: ucpe.identity.username, password: ucpe.identity.password, connectTimeoutMs: 1500 });
  /** The guest's uptime over SNMP, once it answers (a guest still booting, or hung, answers nothing). */
  const guestAnswers = (what: string) => eventually(what, () => guestUptime().catch(() => undefined), (uptime) => typeof uptime === 'number', 10_000);
  const guestUptime = async () => (await snmp.get({ host: guestAddress, port: ucpe.identity.snmpPort, version: '2c', community: ucpe.identity.community }, [oids.sysUpTime]))[0]?.value;
  const firewall = { name: 'fw', imagePath: '/var/public/vsrx.qcow2', vcpus: 1, memoryMiB: 1024, interfaces: [] };

  before(async () => {
    fleet = await Fleet.start({
      devices: 1, baseAddress: '127.110.0.1', snmpPort: 21161, netconfPort: 21830, controlPort: 0, models: ['NFX150'],
      phoneHomeIntervalMs: 60_000, rebootMs: 300, vnfGuests: { baseAddress: guestAddress, bootMs: 200 },
    });
    ucpe = [...fleet.devices.values()][0]!;
    session = await NetconfSession.connect({ host: ucpe.identity.address, port: ucpe.identity.netconfPort, username: ucpe.identity.username, password: ucpe.identity.password, connectTimeoutMs: 3000 });
    await commit('<configuration><system><host-name>nfx-lab</host-name></system></configuration>');
    initialConfig = withoutCommitStamp(await session.getConfig('running'));
  });
  after(async () => {
    session.destroy();
    snmp.close();
    await fleet.stop();
  });

  it('fetches an image over HTTP into /var/public and reports its sha256, counting it against the host disk', async () => {
    const url = `${fleet.controlUrl}/vnf-images/vsrx/22.4R1?sizeGiB=4`;
    const expected = createHash('sha256').update(Buffer.from(await (await fetch(url)).arrayBuffer())).digest('hex');
    await session.rpc(`<file-copy><source>${url.replace(/&/g, '&amp;')}</source><destination>/var/public/vsrx.qcow2</destination></file-copy>`);
    const checksum = await session.rpc('<get-sha256-checksum-information><path>/var/public/vsrx.qcow2</path></get-sha256-checksum-information>');
    assert.equal(text(checksum, 'checksum'), expected);
    assert.ok((await control(`/devices/${ucpe.serial}/vnfs`)).resources.used.diskBytes > 4 * 1024 ** 3);
  });

  it('boots a VNF its configuration defines, whose guest then answers NETCONF and SNMP on its own address', async () => {
    await commit(vnfDefinition(firewall));
    assert.equal((await vnfState('fw'))?.state, 'booting', 'a guest takes its boot time');
    await stateIs('fw', 'running');
    const guest = await guestSession();
    try {
      assert.equal(text(await guest.rpc('<get-software-information/>'), 'product-model'), 'vsrx');
    } finally {
      guest.destroy();
    }
    assert.ok(typeof (await guestUptime()) === 'number');
    const info = await session.rpc('<get-virtual-network-functions/>');
    assert.deepEqual(['vnf-state', 'vnf-liveliness', 'vnf-management-address', 'cpu-used', 'memory-used'].map((n) => text(info, n)), ['running', 'up', guestAddress, '1', String(1024 * 1024)]);
  });

  it('refuses a VNF whose image is not in /var/public, and a guest interface on a VLAN that does not exist, at commit', async () => {
    await session.editConfig({ target: 'candidate', config: vnfDefinition({ ...firewall, name: 'bad', imagePath: '/tmp/x.qcow2', interfaces: [{ name: 'eth2', vlan: 'nowhere' }] }) });
    await assert.rejects(session.rpc('<commit-configuration/>'), /must be a file in \/var\/public.*vlan nowhere is not defined/s);
    await session.discardChanges();
  });

  it('crashes, and comes back on a restart', async () => {
    await control(`/devices/${ucpe.serial}/vnfs/fw/crash`, {});
    assert.equal((await vnfState('fw'))?.state, 'crashed');
    await assert.rejects(guestSession());
    await session.rpc('<request-virtual-network-functions><vnf-name>fw</vnf-name><restart/></request-virtual-network-functions>');
    await stateIs('fw', 'running');
    await guestAnswers('the guest answers SNMP');
  });

  it('hangs: the host reports it running and alive while its guest answers nothing', async () => {
    await control(`/devices/${ucpe.serial}/vnfs/fw/hang`, {});
    const info = await session.rpc('<get-virtual-network-functions/>');
    assert.deepEqual([text(info, 'vnf-state'), text(info, 'vnf-liveliness')], ['running', 'up']);
    await assert.rejects(guestUptime());
    await session.rpc('<request-virtual-network-functions><vnf-name>fw</vnf-name><restart/></request-virtual-network-functions>');
    await stateIs('fw', 'running');
    await guestAnswers('the guest answers SNMP again');
  });

  it('fails a boot when told to, and refuses a VNF the host has no memory for', async () => {
    await control(`/devices/${ucpe.serial}/vnf-faults`, { failNextBoot: 'fw' });
    await session.rpc('<request-virtual-network-functions><vnf-name>fw</vnf-name><restart/></request-virtual-network-functions>');
    await stateIs('fw', 'error');
    assert.match((await vnfState('fw'))?.reason ?? '', /boot failed/);
    await commit(vnfDefinition({ ...firewall, name: 'big', memoryMiB: 8192 }));
    assert.deepEqual([(await vnfState('big'))?.state, (await vnfState('big'))?.reason], ['error', 'insufficient memory on the host']);
    await commit(vnfRemoval('big'));
  });

  it('refuses an image when the disk is full', async () => {
    await control(`/devices/${ucpe.serial}/vnf-faults`, { diskFull: true });
    await assert.rejects(session.rpc(`<file-copy><source>${fleet.controlUrl}/vnf-images/csr/17.3</source><destination>/var/public/csr.qcow2</destination></file-copy>`), /No space left on device/);
    await control(`/devices/${ucpe.serial}/vnf-faults`, { diskFull: false });
  });

  it('frees the cores, memory and disk once the VNF is removed and its image deleted, the configuration as it was', async () => {
    await commit(vnfRemoval('fw'));
    await session.rpc('<file-delete><path>/var/public/vsrx.qcow2</path></file-delete>');
    const host = await control(`/devices/${ucpe.serial}/vnfs`);
    assert.deepEqual([host.vnfs, host.images, host.resources.used], [[], [], { cores: 0, memoryMiB: 0, diskBytes: 0 }]);
    assert.equal(withoutCommitStamp(await session.getConfig('running')), initialConfig);
    await assert.rejects(guestSession());
  });
});
