// The SNMP client against the simulator's agent, over real UDP sockets on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { measuredTests, rpmCollections, type RpmTest } from '../../simulator/rpm.ts';
import { oids, rpmInstance, startSnmpAgent, type RunningSnmpAgent, type SimInterface, type SnmpView } from '../../simulator/snmp-agent.ts';
import { DeviceError } from './errors.ts';
import { SnmpClient, type SnmpTarget } from './snmp.ts';

const bootedAt = Date.now();
const seconds = () => (Date.now() - bootedAt) / 1000;

function view(serial: string): SnmpView {
  const iface = (index: number, name: string, rate: number): SimInterface => ({
    index, name, description: `link ${name}`, speedMbps: 1000, adminUp: true, operUp: index !== 3, lastChangeCentiseconds: 0,
    inOctets: BigInt(Math.floor(rate * seconds())) + 5_000_000_000n, outOctets: BigInt(Math.floor(rate * 2 * seconds())),
  });
  return {
    serial,
    model: 'SRX-SIM-300',
    softwareVersion: () => '22.4R1',
    hostName: () => `branch-${serial}`,
    uptimeCentiseconds: () => Math.floor(seconds() * 100),
    interfaces: () => [iface(1, 'ge-0/0/0', 1_000_000), iface(2, 'ge-0/0/1', 2_000_000), iface(3, 'st0.1', 0)],
    rpmResults: () => {
      const test: RpmTest = {
        owner: 'mpls', test: 'sla', target: '192.0.2.1', probeType: 'icmp-ping', probeCount: 10, probeIntervalSeconds: 3, testIntervalSeconds: 1, totalLoss: 1, traps: [],
        link: { name: 'mpls', interfaceName: 'ge-0/0/0', latencyMs: 23, jitterMs: 2, lossPermille: 100, cut: false },
      };
      return [{ test, collections: rpmCollections(test, seconds(), false, measuredTests(test, Date.now(), serial)) }];
    },
  };
}

describe('SNMP', () => {
  const agents: RunningSnmpAgent[] = [];
  const client = new SnmpClient({ timeoutMs: 1000, retries: 0, maxSessions: 2 });
  const v3 = { user: 'branchline', authKey: 'auth-secret-1', privKey: 'priv-secret-1' };
  const targets: SnmpTarget[] = [];

  before(async () => {
    for (let i = 1; i <= 4; i++) {
      const address = `127.20.0.${i}`;
      agents.push(await startSnmpAgent(view(`SIM${i}`), { address, port: 16161, credentials: { community: 'branch', v3 } }));
      targets.push({ host: address, port: 16161, version: '2c', community: 'branch' });
    }
  });
  after(async () => {
    client.close();
    await Promise.all(agents.map((a) => a.close()));
  });

  it('gets several objects in one request (v2c)', async () => {
    const [name, uptime, objectId] = await client.get(targets[0]!, [oids.sysName, oids.sysUpTime, oids.sysObjectID]);
    assert.equal(name?.value, 'branch-SIM1');
    assert.equal(typeof uptime?.value, 'number');
    assert.equal(objectId?.value, '1.3.6.1.4.1.2636.1.1.1.2.135', 'jnxProductNameSRX340');
  });

  it('walks ifTable and ifXTable: one row per interface, oper status, 64-bit counters that move', async () => {
    const ifTable = await client.walk(targets[0]!, oids.ifEntry);
    const operStatus = ifTable.filter((vb) => vb.oid.startsWith(`${oids.ifEntry}.8.`)).map((vb) => vb.value);
    assert.deepEqual(operStatus, [1, 1, 2]);
    const names = (await client.walk(targets[0]!, `${oids.ifXEntry}.1`)).map((vb) => vb.value);
    assert.deepEqual(names, ['ge-0/0/0', 'ge-0/0/1', 'st0.1']);
    const first = (await client.get(targets[0]!, [`${oids.ifXEntry}.6.2`]))[0]!.value as bigint;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = (await client.get(targets[0]!, [`${oids.ifXEntry}.6.2`]))[0]!.value as bigint;
    assert.equal(typeof first, 'bigint');
    assert.ok(first > 4_294_967_295n, 'beyond 32 bits');
    assert.ok(second > first, 'counters move');
  });

  it('reads JUNIPER-RPM-MIB results, indexed by probe owner and test name, with get-bulk and get-next', async () => {
    const instance = rpmInstance('mpls', 'sla');
    assert.equal(instance, '4.109.112.108.115.3.115.108.97');
    // Probes sent: the current test's so far (it grows probe by probe), then the last completed test's ten.
    const [current, lastCompleted] = await client.getBulk(targets[0]!, [`${oids.rpmSummaryEntry}.2`], 0, 3);
    assert.equal(current?.oid, `${oids.rpmSummaryEntry}.2.${instance}.1`);
    assert.ok(typeof current.value === 'number' && current.value >= 0 && current.value <= 10, `the current test's probes so far: ${String(current.value)}`);
    assert.deepEqual([lastCompleted?.oid, lastCompleted?.value], [`${oids.rpmSummaryEntry}.2.${instance}.2`, 10]);
    const [lost] = await client.get(targets[0]!, [`${oids.rpmSummaryEntry}.4.${instance}.2`]);
    assert.equal(lost?.value, 10_000_000, 'one probe of ten: 10 %, with six decimals');
    const [average] = await client.getNext(targets[0]!, [`${oids.rpmCalculatedEntry}.5.${instance}.2`]);
    assert.deepEqual([average?.oid, average?.value], [`${oids.rpmCalculatedEntry}.5.${instance}.2.1`, 23_000], 'round-trip average in microseconds');
  });

  it('answers a GET of several table cells from the rows as they are, a row it does not hold as no such instance, over SNMPv3 too', async () => {
    const instance = rpmInstance('mpls', 'sla');
    const cells = [`${oids.rpmSummaryEntry}.2.${instance}.2`, `${oids.rpmCalculatedEntry}.5.${instance}.2.1`, `${oids.rpmSummaryEntry}.2.${rpmInstance('dsl', 'sla')}.2`];
    assert.deepEqual((await client.getPresent(targets[0]!, cells)).map((vb) => [vb.oid, vb.value]), [[cells[0], 10], [cells[1], 23_000]]);
    const secure = await client.getPresent({ host: '127.20.0.2', port: 16161, version: '3', v3 }, cells);
    assert.deepEqual(secure.map((vb) => vb.oid), cells.slice(0, 2));
  });

  it('reports an object the device does not have as no-such-object', async () => {
    await assert.rejects(client.get(targets[0]!, [`${oids.ifEntry}.8.99`]), (e: unknown) => e instanceof DeviceError && e.kind === 'no-such-object' && !e.retryable);
  });

  it('speaks SNMPv3 with SHA and AES, and refuses an unknown user as an authentication error', async () => {
    const [name] = await client.get({ host: '127.20.0.2', port: 16161, version: '3', v3 }, [oids.sysName]);
    assert.equal(name?.value, 'branch-SIM2');
    const stranger = { host: '127.20.0.2', port: 16161, version: '3' as const, v3: { ...v3, user: 'stranger' } };
    await assert.rejects(client.get(stranger, [oids.sysName]), (e: unknown) => e instanceof DeviceError && e.kind === 'auth' && !e.retryable);
  });

  it('gets no answer with a wrong SNMPv3 password (the agent drops a wrong digest), as a timeout', async () => {
    const wrong = { host: '127.20.0.2', port: 16161, version: '3' as const, v3: { ...v3, authKey: 'wrong-secret-1' } };
    await assert.rejects(client.get(wrong, [oids.sysName]), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout');
  });

  it('times out, retryably, when nothing answers', async () => {
    await assert.rejects(client.get({ host: '127.20.0.99', port: 16161, version: '2c', community: 'branch' }, [oids.sysName]),
      (e: unknown) => e instanceof DeviceError && e.retryable);
    await assert.rejects(client.get({ ...targets[1]!, community: 'not-ours' }, [oids.sysName]), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout');
  });

  it('reuses one session per device and keeps at most maxSessions open', async () => {
    for (let round = 0; round < 3; round++) {
      for (const [i, target] of targets.entries()) {
        const [name] = await client.get(target, [oids.sysName]);
        assert.equal(name?.value, `branch-SIM${i + 1}`);
        assert.ok(client.openSessions <= 2);
      }
    }
  });
});
