// The Junos driver's operational half against replies as a Junos SRX writes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceError } from '../errors.ts';
import type { NetconfSessionPool } from '../netconf/pool.ts';
import { NetconfRpcError, type NetconfSession } from '../netconf/session.ts';
import { parseXml, type Element } from '../netconf/xml.ts';
import type { SnmpClient, VarBind } from '../snmp.ts';
import type { DeviceConnection } from './contract.ts';
import {
  freeBytesFor, interfacesFrom, junosOperations, packageResult, probeResultsFromRpmMib, rpmIndex, rpmMib, securityAssociationsFrom, stagedPath, uptimeSeconds,
} from './junos-operational.ts';

const reply = (body: string): Element =>
  parseXml(`<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" xmlns:junos="http://xml.juniper.net/junos/22.4R0/junos">${body}</rpc-reply>`).documentElement!;

const connection: DeviceConnection = {
  serial: 'CV4519AF0123', platform: 'junos', host: '192.0.2.7', netconfPort: 830, snmpPort: 161, username: 'u', password: 'p', community: 'c',
};

/** A device that answers each RPC (by its element name) from a table, and records what it was asked. */
function device(answers: Record<string, string | ((operation: string) => string)>) {
  const asked: string[] = [];
  const session = {
    hostKeySha256: 'SHA256:test',
    rpc: async (operation: string) => {
      asked.push(operation);
      const name = /^<([\w-]+)/.exec(operation)![1]!;
      const answer = answers[name];
      if (answer === undefined) throw new DeviceError('rejected', `syntax error: ${name}`);
      return reply(typeof answer === 'function' ? answer(operation) : answer);
    },
  } as unknown as NetconfSession;
  const netconf = { withSession: (_target: unknown, work: (s: NetconfSession) => Promise<unknown>) => work(session) } as unknown as NetconfSessionPool;
  return { asked, driver: junosOperations(connection, { netconf, snmp: {} as SnmpClient }) };
}

const storage = (availableBlocks: number) => `<system-storage-information junos:style="brief">
  <filesystem><filesystem-name>/dev/gpt/junos</filesystem-name><total-blocks junos:format="2.0G">4194304</total-blocks><used-blocks>3145728</used-blocks><available-blocks>1048576</available-blocks><used-percent> 75</used-percent><mounted-on>/.mount</mounted-on></filesystem>
  <filesystem><filesystem-name>/dev/gpt/var</filesystem-name><total-blocks>8388608</total-blocks><used-blocks>0</used-blocks><available-blocks>${availableBlocks}</available-blocks><used-percent> 0</used-percent><mounted-on>/.mount/var</mounted-on></filesystem>
</system-storage-information>`;
const sha = 'ab'.repeat(32);
const url = 'https://orchestrator.example/api/v1/images/junos-srxsme-23.2R1.10.tgz';

describe('Junos operational driver', () => {
  describe('facts', () => {
    it('reads host name, model (as the catalogue names it) and version, the chassis serial, the uptime and the room in /var/tmp', async () => {
      const { driver } = device({
        'get-software-information': '<software-information><host-name>leuven-01</host-name><product-model>srx340</product-model><junos-version>22.4R1.10</junos-version></software-information>',
        'get-chassis-inventory': '<chassis-inventory xmlns="http://xml.juniper.net/junos/22.4R0/junos-chassis"><chassis junos:style="inventory"><name>Chassis</name><serial-number>CV4519AF0123</serial-number></chassis></chassis-inventory>',
        'get-system-uptime-information': '<system-uptime-information><current-time><date-time junos:seconds="1700003600">2023-11-14 23:13:20 UTC</date-time></current-time>'
          + '<system-booted-time><date-time junos:seconds="1700000000">2023-11-14 22:13:20 UTC</date-time><time-length junos:seconds="3600">01:00:00</time-length></system-booted-time></system-uptime-information>',
        'get-system-storage': storage(2048),
      });
      assert.deepEqual(await driver.facts(), {
        serial: 'CV4519AF0123', model: 'SRX340', softwareVersion: '22.4R1.10', hostName: 'leuven-01', uptimeSeconds: 3600, storageFreeBytes: 2048 * 512, hostKeySha256: 'SHA256:test',
      });
    });

    it('takes the uptime from the boot time when the time length has no seconds, and the free room from / when nothing else holds /var/tmp', () => {
      assert.equal(uptimeSeconds(reply('<system-uptime-information><current-time><date-time junos:seconds="100">x</date-time></current-time><system-booted-time><date-time junos:seconds="40">y</date-time></system-booted-time></system-uptime-information>')), 60);
      assert.equal(freeBytesFor(reply('<system-storage-information><filesystem><available-blocks>10</available-blocks><mounted-on>/</mounted-on></filesystem></system-storage-information>'), '/var/tmp'), 5120);
    });
  });

  it('reads interfaces from the terse interface information: ports with their unit 0 addresses, and every logical interface', () => {
    const interfaces = interfacesFrom(reply(`<interface-information xmlns="http://xml.juniper.net/junos/22.4R0/junos-interface" junos:style="terse">
      <physical-interface><name>
ge-0/0/0
</name><admin-status>
up
</admin-status><oper-status>
up
</oper-status>
        <logical-interface><name>ge-0/0/0.0</name><admin-status>up</admin-status><oper-status>up</oper-status>
          <address-family><address-family-name>inet</address-family-name><interface-address><ifa-local junos:emit="emit">192.0.2.10/30</ifa-local></interface-address></address-family>
        </logical-interface>
      </physical-interface>
      <physical-interface><name>ge-0/0/1</name><admin-status>up</admin-status><oper-status>down</oper-status>
        <logical-interface><name>ge-0/0/1.0</name><admin-status>up</admin-status><oper-status>up</oper-status></logical-interface>
      </physical-interface>
      <physical-interface><name>st0</name><admin-status>up</admin-status><oper-status>up</oper-status>
        <logical-interface><name>st0.1</name><admin-status>up</admin-status><oper-status>down</oper-status>
          <address-family><address-family-name>inet</address-family-name><interface-address><ifa-local>10.254.0.1/30</ifa-local></interface-address></address-family>
        </logical-interface>
      </physical-interface>
    </interface-information>`));
    assert.deepEqual(interfaces, [
      { name: 'ge-0/0/0', adminUp: true, operUp: true, addresses: ['192.0.2.10/30'] },
      { name: 'ge-0/0/0.0', adminUp: true, operUp: true, addresses: ['192.0.2.10/30'] },
      { name: 'ge-0/0/1', adminUp: true, operUp: false },
      { name: 'ge-0/0/1.0', adminUp: true, operUp: false },
      { name: 'st0', adminUp: true, operUp: true },
      { name: 'st0.1', adminUp: true, operUp: false, addresses: ['10.254.0.1/30'] },
    ]);
  });

  it('reads a few interfaces by name, each alone, and a name the box does not know as no interface', async () => {
    const { asked, driver } = device({
      'get-interface-information': (operation) => {
        const name = /<interface-name>(.*)<\/interface-name>/.exec(operation)?.[1];
        if (name !== 'st0.7') throw new NetconfRpcError([{ type: 'protocol', tag: 'operation-failed', severity: 'error', message: `device ${name} not found` }], 'hub');
        return `<interface-information junos:style="terse"><logical-interface><name>st0.7</name><admin-status>up</admin-status><oper-status>up</oper-status></logical-interface></interface-information>`;
      },
    });
    assert.deepEqual(await driver.interfaces({ names: ['st0.7', 'st0.9'] }), [{ name: 'st0.7', adminUp: true, operUp: true }]);
    assert.deepEqual(asked, [
      '<get-interface-information><terse/><interface-name>st0.7</interface-name></get-interface-information>',
      '<get-interface-information><terse/><interface-name>st0.9</interface-name></get-interface-information>',
    ]);
  });

  it('reads the whole table once for many names', async () => {
    const { asked, driver } = device({ 'get-interface-information': '<interface-information junos:style="terse"/>' });
    await driver.interfaces({ names: ['st0.1', 'st0.2', 'st0.3', 'st0.4', 'st0.5'] });
    assert.deepEqual(asked, ['<get-interface-information><terse/></get-interface-information>']);
  });

  /** An RPM results cell as an agent answers it (Gauge32), and the index of wan1's SLA test. */
  const gauge = (oid: string, value: number): VarBind => ({ oid, value, type: 66 });
  const wan = rpmIndex('wan1', 'sla');

  it('reads each WAN link\'s SLA test from JUNIPER-RPM-MIB: the last completed test, RTT and jitter in ms, loss in per mille', () => {
    const mpls = rpmIndex('mpls', 'sla');
    const lte = rpmIndex('lte', 'sla');
    const other = rpmIndex('mpls', 'dns');
    const summary = [
      gauge(`${rpmMib.summaryEntry}.3.${mpls}.1`, 3), gauge(`${rpmMib.summaryEntry}.3.${mpls}.2`, 9), gauge(`${rpmMib.summaryEntry}.4.${mpls}.2`, 10_000_000),
      gauge(`${rpmMib.summaryEntry}.3.${lte}.2`, 0), gauge(`${rpmMib.summaryEntry}.4.${lte}.2`, 100_000_000),
      gauge(`${rpmMib.summaryEntry}.3.${other}.2`, 10), gauge(`${rpmMib.summaryEntry}.4.${other}.2`, 0),
    ];
    const calculated = [
      gauge(`${rpmMib.calculatedEntry}.5.${mpls}.2.1`, 23_456), gauge(`${rpmMib.calculatedEntry}.6.${mpls}.2.1`, 2_000), gauge(`${rpmMib.calculatedEntry}.5.${mpls}.1.1`, 99_000),
    ];
    assert.deepEqual(probeResultsFromRpmMib(summary, calculated), [
      { link: 'mpls', latencyMs: 23.5, jitterMs: 2, lossPermille: 100, up: true },
      { link: 'lte', latencyMs: 0, jitterMs: 0, lossPermille: 1000, up: false },
    ]);
  });

  it('reads a link\'s last five probes: the current test\'s two so far, and the last completed test\'s figures for the three before', () => {
    const summary = [
      gauge(`${rpmMib.summaryEntry}.2.${wan}.1`, 2), gauge(`${rpmMib.summaryEntry}.3.${wan}.1`, 2), gauge(`${rpmMib.summaryEntry}.4.${wan}.1`, 0),
      gauge(`${rpmMib.summaryEntry}.2.${wan}.2`, 5), gauge(`${rpmMib.summaryEntry}.3.${wan}.2`, 4), gauge(`${rpmMib.summaryEntry}.4.${wan}.2`, 20_000_000),
    ];
    const calculated = [
      gauge(`${rpmMib.calculatedEntry}.5.${wan}.1.1`, 300_000), gauge(`${rpmMib.calculatedEntry}.6.${wan}.1.1`, 4_000),
      gauge(`${rpmMib.calculatedEntry}.5.${wan}.2.1`, 30_000), gauge(`${rpmMib.calculatedEntry}.6.${wan}.2.1`, 4_000),
    ];
    // Two probes at 300 ms, and the 2.4 probes the last test answered of its three at 30 ms: (600 + 72) / 4.4.
    assert.deepEqual(probeResultsFromRpmMib(summary, calculated), [{ link: 'wan1', latencyMs: 152.7, jitterMs: 4, lossPermille: 120, up: true }]);
  });

  it('keeps the last completed test\'s jitter while the current test has one answer, whose peak-to-peak of 0 says nothing yet', () => {
    const summary = [
      gauge(`${rpmMib.summaryEntry}.2.${wan}.1`, 1), gauge(`${rpmMib.summaryEntry}.3.${wan}.1`, 1), gauge(`${rpmMib.summaryEntry}.4.${wan}.1`, 0),
      gauge(`${rpmMib.summaryEntry}.2.${wan}.2`, 10), gauge(`${rpmMib.summaryEntry}.3.${wan}.2`, 10), gauge(`${rpmMib.summaryEntry}.4.${wan}.2`, 0),
    ];
    const calculated = [
      gauge(`${rpmMib.calculatedEntry}.5.${wan}.1.1`, 18_000), gauge(`${rpmMib.calculatedEntry}.6.${wan}.1.1`, 0),
      gauge(`${rpmMib.calculatedEntry}.5.${wan}.2.1`, 18_000), gauge(`${rpmMib.calculatedEntry}.6.${wan}.2.1`, 2_000),
    ];
    assert.deepEqual(probeResultsFromRpmMib(summary, calculated), [{ link: 'wan1', latencyMs: 18, jitterMs: 2, lossPermille: 0, up: true }]);
  });

  it('reads the last completed test alone while the current one has no probe yet, and the current one alone once all its probes are known', () => {
    const last = [gauge(`${rpmMib.summaryEntry}.2.${wan}.2`, 5), gauge(`${rpmMib.summaryEntry}.3.${wan}.2`, 5), gauge(`${rpmMib.summaryEntry}.4.${wan}.2`, 0)];
    const calculated = [gauge(`${rpmMib.calculatedEntry}.5.${wan}.2.1`, 30_000), gauge(`${rpmMib.calculatedEntry}.5.${wan}.1.1`, 300_000)];
    const current = (sent: number) => [gauge(`${rpmMib.summaryEntry}.2.${wan}.1`, sent), gauge(`${rpmMib.summaryEntry}.3.${wan}.1`, sent), gauge(`${rpmMib.summaryEntry}.4.${wan}.1`, 0)];
    assert.deepEqual(probeResultsFromRpmMib([...last, ...current(0)], calculated), [{ link: 'wan1', latencyMs: 30, jitterMs: 0, lossPermille: 0, up: true }]);
    // Between the last probe's answer and the test's completion: not back to the older test's 30 ms.
    assert.deepEqual(probeResultsFromRpmMib([...last, ...current(5)], calculated), [{ link: 'wan1', latencyMs: 300, jitterMs: 0, lossPermille: 0, up: true }]);
  });

  describe('installImage', () => {
    const software = { 'get-system-storage': storage(8_388_608), 'file-copy': '<ok/>', 'file-delete': '<ok/>' };
    const checksum = (value: string) => `<checksum-information><file-checksum><computation-method>SHA256</computation-method><input-file>/var/tmp/x</input-file><checksum>${value}</checksum></file-checksum></checksum-information>`;
    const added = '<output>Installing package \'/var/tmp/junos-srxsme-23.2R1.10.tgz\' ...\nJUNOS 23.2R1.10 will become active at next reboot\nWARNING: A reboot is required</output><package-result>0</package-result>';

    it('copies the image to /var/tmp, checks its sha256 there, then adds the package without copying it again', async () => {
      const { driver, asked } = device({ ...software, 'get-sha256-checksum-information': checksum(sha.toUpperCase()), 'request-package-add': added });
      assert.deepEqual(await driver.installImage({ url, sha256: sha, reboot: false, sizeBytes: 1000 }), { version: '23.2R1.10' });
      assert.deepEqual(asked.map((rpc) => /^<([\w-]+)/.exec(rpc)![1]), ['get-system-storage', 'file-copy', 'get-sha256-checksum-information', 'request-package-add']);
      assert.match(asked[1]!, new RegExp(`<source>${url}</source><destination>/var/tmp/junos-srxsme-23.2R1.10.tgz</destination>`));
      assert.equal(asked[3], '<request-package-add><package-name>/var/tmp/junos-srxsme-23.2R1.10.tgz</package-name><no-copy/><unlink/></request-package-add>');
    });

    it('refuses an image whose sha256 on the device is not the one expected, and installs nothing', async () => {
      const { driver, asked } = device({ ...software, 'get-sha256-checksum-information': checksum('cd'.repeat(32)), 'request-package-add': added });
      await assert.rejects(driver.installImage({ url, sha256: sha, reboot: true }),
        (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && !e.retryable && e.details['reason'] === 'checksum-mismatch' && /sha256 c{1}d/.test(e.message));
      assert.ok(!asked.some((rpc) => rpc.startsWith('<request-package-add')), 'nothing installed');
      assert.ok(asked.some((rpc) => rpc.startsWith('<file-delete>')), 'the bad copy removed');
    });

    it('refuses, before copying anything, an image bigger than the room in /var/tmp', async () => {
      const { driver, asked } = device({ ...software, 'get-system-storage': storage(2) });
      await assert.rejects(driver.installImage({ url, sha256: sha, reboot: false, sizeBytes: 4096 }),
        (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && !e.retryable && e.details['reason'] === 'no-room' && /1024 bytes free/.test(e.message));
      assert.deepEqual(asked, ['<get-system-storage/>']);
    });

    it('says there is no room when the copy runs out of space, and passes the device\'s refusal of a package on', async () => {
      const full = device({ ...software, 'file-copy': () => { throw new DeviceError('rejected', 'refused the request: operation-failed (error: write failed: No space left on device)'); } });
      await assert.rejects(full.driver.installImage({ url, sha256: sha, reboot: false }), (e: unknown) => e instanceof DeviceError && e.details['reason'] === 'no-room');
      const refused = device({ ...software, 'get-sha256-checksum-information': checksum(sha), 'request-package-add': '<output>ERROR: package signature invalid</output><package-result>1</package-result>' });
      await assert.rejects(refused.driver.installImage({ url, sha256: sha, reboot: false }),
        (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && e.details['reason'] === 'install-refused' && /package signature invalid/.test(e.message));
    });

    it('asks the device to reboot with the install when told to', async () => {
      const { driver, asked } = device({ ...software, 'get-sha256-checksum-information': checksum(sha), 'request-package-add': added });
      await driver.installImage({ url, sha256: sha, reboot: true });
      assert.match(asked.at(-1)!, /<no-copy\/><unlink\/><reboot\/><\/request-package-add>$/);
    });
  });

  it('rolls the software back and reboots into it, or says why it cannot', async () => {
    const { driver, asked } = device({ 'request-package-rollback': '<output>Junos version \'22.4R1.10\' will become active at next reboot</output><package-result>0</package-result>' });
    assert.deepEqual(await driver.rollbackImage(), { version: '22.4R1.10' });
    assert.deepEqual(asked, ['<request-package-rollback><reboot/></request-package-rollback>']);
    // Without a reboot: what boots next changes, nothing else (a staged install is withdrawn so).
    assert.deepEqual(await driver.rollbackImage({ reboot: false }), { version: '22.4R1.10' });
    assert.equal(asked.at(-1), '<request-package-rollback></request-package-rollback>');
    const none = device({ 'request-package-rollback': '<output>Cannot rollback: no previous software</output><package-result>1</package-result>' });
    await assert.rejects(none.driver.rollbackImage(), (e: unknown) => e instanceof DeviceError && e.kind === 'rejected' && /Cannot rollback/.test(e.message));
  });

  it('reads package results, staged paths and security associations as Junos writes them', () => {
    assert.deepEqual(packageResult(reply('<multi-routing-engine-results><multi-routing-engine-item><re-name>fpc0</re-name><output>JUNOS version "D10.2" will become active at next reboot</output><package-result>0</package-result></multi-routing-engine-item></multi-routing-engine-results>')),
      { ok: true, output: 'JUNOS version "D10.2" will become active at next reboot', activeAtReboot: 'D10.2' });
    assert.equal(stagedPath(`https://orchestrator.example/api/v1/images/${sha}`, sha), `/var/tmp/${sha}`);
    assert.equal(stagedPath('https://orchestrator.example/images/', sha), `/var/tmp/image-${sha.slice(0, 16)}.tgz`);
    assert.deepEqual(securityAssociationsFrom(
      reply('<ike-security-associations-information><ike-security-associations><ike-sa-remote-address>198.51.100.1</ike-sa-remote-address><ike-sa-state>UP</ike-sa-state></ike-security-associations></ike-security-associations-information>'),
      reply('<ipsec-security-associations-information><total-active-tunnels>1</total-active-tunnels><ipsec-security-associations-block><sa-block-state>up</sa-block-state>'
        + '<ipsec-security-associations><sa-direction>&lt;</sa-direction><sa-remote-gateway>198.51.100.1</sa-remote-gateway></ipsec-security-associations>'
        + '<ipsec-security-associations><sa-direction>&gt;</sa-direction><sa-remote-gateway>198.51.100.1</sa-remote-gateway></ipsec-security-associations></ipsec-security-associations-block></ipsec-security-associations-information>'),
    ), [{ peer: '198.51.100.1', ikeUp: true, ipsecSas: 2, ipsecUp: true }]);
  });
});
