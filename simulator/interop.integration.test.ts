// Interoperability: the simulator and Branchline's clients against standard third-party
// implementations — Net-SNMP's command-line tools and agent, ncclient, and the PyPI `netconf`
// server. npm test installs them (scripts/interop-tools.ts).
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DeviceError } from '../activities/devices/errors.ts';
import { NetconfRpcError, NetconfSession, capabilities } from '../activities/devices/netconf/session.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';
import { Fleet } from './fleet.ts';

const run = promisify(execFile);
const here = import.meta.dirname;

function pythonEnv(): NodeJS.ProcessEnv {
  const pythonPath = process.env['BRANCHLINE_INTEROP_PYTHONPATH'];
  if (!pythonPath) throw new Error('The interoperability tests need the tools npm test installs: run them through `npm test` (or `npm run test:integration`).');
  return { ...process.env, PYTHONPATH: pythonPath };
}

async function eventually<T>(what: string, probe: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('interoperability', () => {
  let fleet: Fleet;
  const scratch = mkdtempSync(join(tmpdir(), 'interop-'));
  const children: ChildProcess[] = [];
  const snmp = new SnmpClient({ timeoutMs: 1000, retries: 0 });

  before(async () => {
    fleet = await Fleet.start({ devices: 2, baseAddress: '127.36.0.1', snmpPort: 26161, netconfPort: 26830, controlPort: 0, models: ['SRX-SIM-300'], phoneHomeIntervalMs: 1000, rebootMs: 100 });
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    snmp.close();
    await fleet.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('the simulator answers Net-SNMP\'s snmpget (v2c) and snmpwalk (v3 authPriv, SHA and AES)', async () => {
    const device = fleet.device('BLS0000001')!;
    const agent = `${device.identity.address}:${device.identity.snmpPort}`;
    const get = await run('snmpget', ['-v2c', '-c', device.identity.community, '-On', '-Oqv', agent, '1.3.6.1.2.1.1.5.0', '1.3.6.1.4.1.2636.3.1.3.0']);
    assert.deepEqual(get.stdout.trim().split('\n').map((line) => line.replace(/"/g, '')), ['BLS0000001', 'BLS0000001']);
    const { user, authKey, privKey } = device.identity.snmpV3;
    const v3 = ['-v3', '-l', 'authPriv', '-u', user, '-a', 'SHA', '-A', authKey, '-x', 'AES', '-X', privKey, '-On', '-Oqv'];
    const walk = await run('snmpwalk', [...v3, agent, '1.3.6.1.4.1.2636.3.1']); // JUNIPER-MIB jnxBoxAnatomy: description, serial
    assert.deepEqual(walk.stdout.trim().split('\n').map((line) => line.replace(/"/g, '')), ['Juniper SRX-SIM-300 Internet Router', 'BLS0000001']);
    const ifNames = await run('snmpwalk', ['-v2c', '-c', device.identity.community, '-On', '-Oqv', agent, '1.3.6.1.2.1.31.1.1.1.1']);
    assert.match(ifNames.stdout, /ge-0\/0\/0/);
    await assert.rejects(run('snmpget', ['-v3', '-l', 'authPriv', '-u', user, '-a', 'SHA', '-A', 'not-the-password', '-x', 'AES', '-X', privKey, '-t', '0.5', '-r', '0', agent, '1.3.6.1.2.1.1.5.0']));
  });

  it('the simulator serves a standard NETCONF client (ncclient): lock, edit, validate, confirmed commit, confirm, rpc-error', async () => {
    const device = fleet.device('BLS0000002')!;
    const { stdout } = await run('python3', [join(here, 'interop', 'ncclient_session.py'), device.identity.address, String(device.identity.netconfPort), device.identity.username, device.identity.password], { env: pythonEnv(), timeout: 60_000 });
    const seen = JSON.parse(stdout) as { capabilities: string[]; hostName: string; badCommit: { tag: string; path: string } | string };
    for (const capability of [capabilities.base11, capabilities.candidate, 'urn:ietf:params:netconf:capability:confirmed-commit:1.0', capabilities.validate]) assert.ok(seen.capabilities.includes(capability), capability);
    assert.equal(seen.hostName, 'from-ncclient');
    assert.equal(typeof seen.badCommit, 'object');
    assert.equal((seen.badCommit as { tag: string }).tag, 'invalid-value');
    assert.match((seen.badCommit as { path: string }).path, /vlan-id/);
    assert.deepEqual(device.store.journal.map((entry) => entry.kind), ['confirmed-commit', 'confirm']);
  });

  it('Branchline\'s SNMP client reads a standard agent (Net-SNMP snmpd), and a wrong SNMPv3 password there is an authentication error', async () => {
    const address = '127.36.1.1';
    const config = join(scratch, 'snmpd.conf');
    writeFileSync(config, [
      `agentAddress udp:${address}:26162`,
      'rocommunity interop 127.0.0.0/8',
      'createUser interop SHA "interop-auth-1" AES "interop-priv-1"',
      'rouser interop priv',
      'sysName interop-snmpd',
    ].join('\n') + '\n');
    const snmpd = spawn('/usr/sbin/snmpd', ['-f', '-Lo', '-C', '-c', config, '-p', join(scratch, 'snmpd.pid')], {
      env: { ...process.env, SNMP_PERSISTENT_DIR: scratch, MIBS: '' },
      stdio: 'ignore',
    });
    children.push(snmpd);
    const v2c = { host: address, port: 26162, version: '2c' as const, community: 'interop' };
    const [name] = await eventually('snmpd answers', () => snmp.get(v2c, ['1.3.6.1.2.1.1.5.0']));
    assert.equal(name?.value, 'interop-snmpd');
    const v3 = { host: address, port: 26162, version: '3' as const, v3: { user: 'interop', authKey: 'interop-auth-1', privKey: 'interop-priv-1' } };
    assert.equal((await snmp.get(v3, ['1.3.6.1.2.1.1.5.0']))[0]?.value, 'interop-snmpd');
    await assert.rejects(snmp.get({ ...v3, v3: { ...v3.v3, authKey: 'wrong-password-1' } }, ['1.3.6.1.2.1.1.5.0']),
      (e: unknown) => e instanceof DeviceError && e.kind === 'auth' && !e.retryable);
  });

  it('Branchline\'s NETCONF client works a standard NETCONF server (PyPI netconf): hello, chunked framing, get-config, rpc-error', async () => {
    const server = spawn('python3', [join(here, 'interop', 'netconf_server.py'), '0', 'admin', 'interop-secret', join(scratch, 'host-key')], { env: pythonEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(server);
    let output = '';
    server.stdout!.on('data', (chunk) => (output += chunk));
    const port = await eventually('the server is ready', async () => {
      const match = /ready (\d+)/.exec(output);
      if (!match) throw new Error('not yet');
      return Number(match[1]);
    }, 30_000);
    const session = await NetconfSession.connect({ host: '127.0.0.1', port, username: 'admin', password: 'interop-secret' });
    try {
      assert.ok(session.serverCapabilities.includes(capabilities.base11));
      assert.match(await session.getConfig('running'), /<ns0:host-name>standard-server<\/ns0:host-name>|<host-name>standard-server<\/host-name>/);
      await assert.rejects(session.discardChanges(), (e: unknown) => e instanceof NetconfRpcError && e.errors.length > 0);
      assert.match(await session.getConfig('running'), /standard-server/, 'the session survives an rpc-error');
    } finally {
      await session.close();
    }
    await assert.rejects(NetconfSession.connect({ host: '127.0.0.1', port, username: 'admin', password: 'wrong' }), (e: unknown) => e instanceof DeviceError && e.kind === 'auth');
  });
});
