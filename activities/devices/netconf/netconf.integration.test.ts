// The NETCONF client against the simulator's NETCONF server, over real SSH sockets.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { ConfigStore } from '../../../simulator/config-store.ts';
import { generateKeyPair } from '../../../simulator/device.ts';
import { startNetconfServer, type ConfiguredLogin, type NetconfDevice, type RunningNetconfServer } from '../../../simulator/netconf-server.ts';
import { sha512Crypt } from '../../../runtime/sha512-crypt.ts';
import { DeviceError } from '../errors.ts';
import { frame, MessageDecoder } from './framing.ts';
import { capabilities, keyFingerprint, NetconfRpcError, NetconfSession, type NetconfTarget } from './session.ts';

const ns = 'http://xml.juniper.net/xnm/1.1/xnm';
const hostKey = generateKeyPair();
const clientKey = generateKeyPair();
const otherHostKey = generateKeyPair();
const userKey = generateKeyPair();

const interfaceConfig = (unit: string, vlan: number) =>
  `<configuration xmlns="${ns}"><interfaces><interface><name>ge-0/0/1</name><unit><name>${unit}</name><vlan-id>${vlan}</vlan-id></unit></interface></interfaces></configuration>`;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NETCONF over SSH', () => {
  /** The login users the configuration holds, beside the factory account. */
  const logins: ConfiguredLogin[] = [];
  const device: NetconfDevice & { store: ConfigStore } = {
    store: new ConfigStore(),
    faults: { replyDelayMs: 0, dropReplies: false },
    credentials: { username: 'admin', password: 'secret', authorizedKeys: [clientKey.public] },
    configuredLogins: () => logins,
    operationalState: () => '<software-information xmlns="urn:example:device-state"><version>22.4R1</version></software-information>',
  };
  let server: RunningNetconfServer;
  let target: NetconfTarget;
  const open: NetconfSession[] = [];
  const connect = async (overrides: Partial<NetconfTarget> = {}) => {
    const session = await NetconfSession.connect({ ...target, ...overrides });
    open.push(session);
    return session;
  };

  before(async () => {
    server = await startNetconfServer(device, { address: '127.0.0.1', port: 0, hostKey: hostKey.private });
    target = { host: '127.0.0.1', port: server.port, username: 'admin', password: 'secret', connectTimeoutMs: 5000 };
  });
  beforeEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    device.store.reset();
    device.faults.replyDelayMs = 0;
    device.faults.dropReplies = false;
  });
  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await server.close();
  });

  it('exchanges hellos: capabilities, a session id, and base:1.1 chunked framing', async () => {
    const session = await connect();
    assert.ok(session.sessionId > 0);
    assert.ok(session.serverCapabilities.includes(capabilities.base11));
    assert.ok(session.serverCapabilities.includes(capabilities.candidate));
    assert.match(session.hostKeySha256, /^SHA256:/);
    assert.match(await session.get('<software-information xmlns="urn:example:device-state"/>'), /<version>22\.4R1<\/version>/);
  });

  it('speaks base:1.0 end-of-message framing to a client that offers only 1.0', async () => {
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.on('ready', resolve).on('error', reject).connect({ host: '127.0.0.1', port: server.port, username: 'admin', password: 'secret' });
    });
    const channel = await new Promise<ssh2.ClientChannel>((resolve, reject) => client.subsys('netconf', (e, c) => (e ? reject(e) : resolve(c))));
    const decoder = new MessageDecoder('eom');
    const received: string[] = [];
    channel.on('data', (data: Buffer) => received.push(...decoder.push(data)));
    channel.write(frame(`<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>${capabilities.base10}</capability></capabilities></hello>`, 'eom'));
    channel.write(frame('<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="7"><get-config><source><running/></source></get-config></rpc>', 'eom'));
    while (received.length < 2) await wait(20);
    assert.match(received[0]!, /<hello/);
    assert.match(received[1]!, /<rpc-reply[^>]*message-id="7"[^>]*><data><configuration/);
    client.end();
  });

  it('edits the candidate, filters it by subtree, and commits it to running, once', async () => {
    const session = await connect();
    await session.editConfig({ target: 'candidate', config: interfaceConfig('10', 10) });
    await session.editConfig({ target: 'candidate', config: interfaceConfig('20', 20) });
    assert.doesNotMatch(await session.getConfig('running'), /vlan-id/);
    const filtered = await session.getConfig('candidate', `<configuration xmlns="${ns}"><interfaces><interface><name>ge-0/0/1</name><unit><name>20</name></unit></interface></interfaces></configuration>`);
    assert.match(filtered, /<vlan-id>20<\/vlan-id>/);
    assert.doesNotMatch(filtered, /<vlan-id>10<\/vlan-id>/);
    await session.validate('candidate');
    await session.commit();
    assert.match(await session.getConfig('running'), /<vlan-id>10<\/vlan-id>.*<vlan-id>20<\/vlan-id>/s);
    assert.deepEqual(device.store.journal.map((e) => [e.kind, e.changed, e.sections]), [['commit', true, ['interfaces']]]);
  });

  it('turns an rpc-error into a typed error with the path, and leaves running as it was', async () => {
    const session = await connect();
    // Junos refuses a value outside its type at the edit already.
    const error = await session.editConfig({ target: 'candidate', config: interfaceConfig('10', 5000) }).then(() => assert.fail('the edit should be refused'), (e: unknown) => e);
    assert.ok(error instanceof NetconfRpcError);
    assert.equal(error.kind, 'rejected');
    assert.equal(error.retryable, false);
    assert.equal(error.errors[0]?.tag, 'invalid-value');
    assert.equal(error.errors[0]?.path, '[edit interfaces interface ge-0/0/1 unit 10 vlan-id]');
    assert.match(error.message, /"5000" is not a number from 1 to 4094/);
    assert.doesNotMatch(await session.getConfig('running'), /vlan-id/);
    assert.equal(device.store.journal.length, 0);
  });

  it('reports deleting what does not exist as no-such-object', async () => {
    const session = await connect();
    const config = `<configuration xmlns="${ns}"><interfaces><interface xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><name>ge-0/0/9</name></interface></interfaces></configuration>`;
    await assert.rejects(session.editConfig({ target: 'candidate', config }), (e: unknown) => e instanceof DeviceError && e.kind === 'no-such-object');
  });

  it('when another session holds the lock, refuses lock and edit with the holder\'s session id', async () => {
    const holder = await connect();
    const other = await connect();
    await holder.lock('candidate');
    await assert.rejects(other.lock('candidate'), (e: unknown) =>
      e instanceof NetconfRpcError && e.kind === 'lock-held' && e.retryable && e.errors[0]?.sessionId === holder.sessionId);
    await assert.rejects(other.editConfig({ target: 'candidate', config: interfaceConfig('10', 10) }), (e: unknown) => e instanceof NetconfRpcError && e.errors[0]?.tag === 'in-use');
    await holder.unlock('candidate');
    await other.lock('candidate');
  });

  it('releases the locks of a killed session', async () => {
    const holder = await connect();
    const killer = await connect();
    await holder.lock('candidate');
    await killer.killSession(holder.sessionId);
    await killer.lock('candidate');
    for (let i = 0; i < 50 && holder.isOpen; i++) await wait(20);
    assert.equal(holder.isOpen, false);
  });

  it('reverts a confirmed commit when the confirm timeout passes', async () => {
    const session = await connect();
    await session.editConfig({ target: 'candidate', config: interfaceConfig('10', 10) });
    await session.commit({ confirmTimeoutSeconds: 1 });
    assert.match(await session.getConfig('running'), /vlan-id/);
    await wait(1500);
    assert.doesNotMatch(await session.getConfig('running'), /vlan-id/);
    assert.deepEqual(device.store.journal.map((e) => [e.kind, e.reason]), [['confirmed-commit', undefined], ['revert', 'confirm timeout']]);
  });

  it('reverts a confirmed commit when its session is lost before the confirm', async () => {
    const session = await connect();
    await session.editConfig({ target: 'candidate', config: interfaceConfig('10', 10) });
    await session.commit({ confirmTimeoutSeconds: 600 });
    session.destroy();
    for (let i = 0; i < 100 && device.store.confirmPending; i++) await wait(20);
    const reader = await connect();
    assert.doesNotMatch(await reader.getConfig('running'), /vlan-id/);
    assert.equal(device.store.journal.at(-1)?.reason, 'session lost before confirm');
  });

  it('confirms a confirmed commit with the next commit, from any session; and refuses persist, as Junos (:confirmed-commit:1.0) does', async () => {
    const first = await connect();
    assert.ok(first.serverCapabilities.includes('urn:ietf:params:netconf:capability:confirmed-commit:1.0'));
    assert.ok(!first.serverCapabilities.includes(capabilities.confirmedCommit));
    await first.editConfig({ target: 'candidate', config: interfaceConfig('10', 10) });
    await assert.rejects(first.commit({ confirmTimeoutSeconds: 600, persist: 'onboard-42' }), (e: unknown) => e instanceof NetconfRpcError && e.errors[0]?.tag === 'unknown-element');
    await first.commit({ confirmTimeoutSeconds: 600 });
    const second = await connect();
    await second.commit();
    first.destroy();
    await wait(200);
    assert.equal(device.store.confirmPending, undefined);
    assert.match(await second.getConfig('running'), /vlan-id/);
    assert.deepEqual(device.store.journal.map((e) => e.kind), ['confirmed-commit', 'confirm']);
  });

  it('reverts a confirmed commit when its session is killed, and discards candidate changes', async () => {
    const victim = await connect();
    await victim.editConfig({ target: 'candidate', config: interfaceConfig('10', 10) });
    await victim.commit({ confirmTimeoutSeconds: 600 });
    const session = await connect();
    await session.killSession(victim.sessionId);
    assert.doesNotMatch(await session.getConfig('running'), /vlan-id/);
    await session.editConfig({ target: 'candidate', config: interfaceConfig('30', 30) });
    await session.discardChanges();
    assert.doesNotMatch(await session.getConfig('candidate'), /vlan-id/);
  });

  it('refuses a changed host key', async () => {
    await assert.rejects(connect({ hostKeySha256: keyFingerprint(otherHostKey.public) }), (e: unknown) => e instanceof DeviceError && e.kind === 'host-key-changed' && !e.retryable);
    const first = await connect();
    await connect({ hostKeySha256: first.hostKeySha256 });
  });

  it('refuses a wrong password as an authentication error, and accepts a key', async () => {
    await assert.rejects(connect({ password: 'wrong' }), (e: unknown) => e instanceof DeviceError && e.kind === 'auth' && !e.retryable);
    const session = await connect({ password: undefined, privateKey: clientKey.private });
    assert.ok(session.isOpen);
  });

  it('lets the login users of the configuration in by their crypt password or their key, and no longer once removed or refused', async () => {
    logins.push({ name: 'ops', encryptedPassword: sha512Crypt('ops-password'), publicKeys: [] }, { name: 'robot', publicKeys: [userKey.public] });
    try {
      assert.ok((await connect({ username: 'ops', password: 'ops-password' })).isOpen);
      assert.ok((await connect({ username: 'robot', password: undefined, privateKey: userKey.private })).isOpen);
      const refused = (e: unknown) => e instanceof DeviceError && e.kind === 'auth';
      await assert.rejects(connect({ username: 'ops', password: 'wrong' }), refused);
      await assert.rejects(connect({ username: 'robot', password: undefined, privateKey: clientKey.private }), refused, 'another key');
      await assert.rejects(connect({ username: 'ops', password: 'secret' }), refused, "the factory account's password is its own");
      device.faults.refuseConfiguredLogins = true;
      await assert.rejects(connect({ username: 'ops', password: 'ops-password' }), refused);
      assert.ok((await connect()).isOpen, 'the factory account still logs in');
      device.faults.refuseConfiguredLogins = false;
      logins.splice(0, 1);
      await assert.rejects(connect({ username: 'ops', password: 'ops-password' }), refused, 'removed from the configuration');
    } finally {
      logins.splice(0);
      device.faults.refuseConfiguredLogins = false;
    }
  });

  it('times out an rpc the device does not answer, as a retryable error', async () => {
    const session = await connect({ rpcTimeoutMs: 300 });
    device.faults.dropReplies = true;
    await assert.rejects(session.getConfig('running'), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout' && e.retryable);
    device.faults.dropReplies = false;
    device.faults.replyDelayMs = 100;
    assert.match(await session.getConfig('running'), /configuration/);
  });

  it('reports an address where nothing listens as unreachable', async () => {
    await assert.rejects(NetconfSession.connect({ ...target, port: 1 }), (e: unknown) => e instanceof DeviceError && e.kind === 'unreachable');
  });
});
