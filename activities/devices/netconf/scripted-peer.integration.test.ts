// Branchline's NETCONF client against a tiny scripted NETCONF peer over real SSH, for what
// netconfd does not show: replies that break the protocol, and a device calling home that drops
// an rpc. Each test says which defect it covers; those marked "failed before" did.
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ssh2, { type ServerChannel } from 'ssh2';
import { generateKeyPair } from '../../../simulator/device.ts';
import { netconfDriver } from '../drivers/netconf.ts';
import { DeviceError } from '../errors.ts';
import { SnmpClient } from '../snmp.ts';
import { CallHomeListener } from './call-home.ts';
import { endOfMessage, frame, MessageDecoder } from './framing.ts';
import { NetconfSessionPool } from './pool.ts';
import { capabilities, keyFingerprint, NetconfSession } from './session.ts';
import { netconfBaseNs } from './xml.ts';

const hostKey = generateKeyPair();
const serverHello = `<hello xmlns="${netconfBaseNs}"><capabilities><capability>${capabilities.base10}</capability>`
  + `<capability>urn:ietf:params:xml:ns:yang:ietf-system?module=ietf-system&amp;revision=2014-08-06</capability></capabilities><session-id>7</session-id></hello>`;

interface Read {
  /** One SSH data packet as the peer read it. */
  text: string;
  /** Whether the peer had written its hello by then. */
  afterServerHello: boolean;
}

/**
 * A NETCONF peer speaking base:1.0 only, answering each rpc with `answer` (undefined: no answer
 * at all). Keeps every read it made.
 */
function scriptedPeer(answer: (messageId: string, rpc: string, index: number) => string | undefined) {
  const reads: Read[] = [];
  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (connection) => {
    connection.on('authentication', (context) => context.accept());
    connection.on('error', () => undefined);
    connection.on('ready', () => connection.on('session', (accept) => {
      accept().on('subsystem', (acceptSubsystem) => {
        const channel: ServerChannel = acceptSubsystem();
        const decoder = new MessageDecoder('eom');
        let helloSent = false;
        let rpcs = 0;
        channel.on('data', (data: Buffer) => {
          reads.push({ text: data.toString(), afterServerHello: helloSent });
          for (const message of decoder.push(data)) {
            if (message.includes('<hello')) continue;
            const messageId = /message-id="([^"]*)"/.exec(message)?.[1] ?? '';
            const reply = answer(messageId, message, rpcs++);
            if (reply !== undefined) channel.write(`${reply}${endOfMessage}`);
          }
        });
        channel.write(frame(serverHello, 'eom'));
        helloSent = true;
      });
    }));
  });
  return { server, reads };
}

const reply = (messageId: string, body: string) => `<rpc-reply xmlns="${netconfBaseNs}" message-id="${messageId}">${body}</rpc-reply>`;

describe('NETCONF client against a scripted peer', () => {
  const peers: ssh2.Server[] = [];
  const listen = async (peer: { server: ssh2.Server }) => {
    peers.push(peer.server);
    await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
    return (peer.server.address() as { port: number }).port;
  };
  after(() => {
    for (const server of peers) server.close();
  });

  describe('defect: unparseable or unexpected replies are typed protocol failures, not plain XML errors (scripted peer: netconfd does not send them)', () => {
    let port: number;
    before(async () => {
      port = await listen(scriptedPeer((messageId, rpc) => {
        if (rpc.includes('<close-session')) return reply(messageId, '<ok/>');
        if (rpc.includes('no-message-id')) return `<rpc-reply xmlns="${netconfBaseNs}"><ok/></rpc-reply>`;
        if (rpc.includes('not-xml')) return `<rpc-reply xmlns="${netconfBaseNs}" message-id="${messageId}"><data><a></b></data></rpc-reply>`;
        if (rpc.includes('<get')) return reply(messageId, '<ok/>'); // a get answered without <data>
        return reply(messageId, '<ok/>');
      }));
    });
    const connect = () => NetconfSession.connect({ host: '127.0.0.1', port, username: 'any', password: 'any', rpcTimeoutMs: 3000 });
    const isProtocol = (e: unknown) => e instanceof DeviceError && e.kind === 'protocol' && !e.retryable;

    it('a reply without a message-id fails the rpc as protocol at once (failed before: waited for the rpc timeout, retryable)', async () => {
      const session = await connect();
      const started = Date.now();
      await assert.rejects(session.rpc('<no-message-id/>'), isProtocol);
      assert.ok(Date.now() - started < 2000, 'not left to the rpc timeout');
      assert.equal(session.isOpen, false, 'a stream that cannot be matched any more is closed');
    });

    it('a get answered without <data> is protocol, for the session and the generic driver (failed before: an empty answer, read as no data)', async () => {
      const session = await connect();
      try {
        await assert.rejects(session.get('<system-state xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>'), isProtocol);
      } finally {
        await session.close();
      }
      const pool = new NetconfSessionPool({ maxSessions: 1, idleMs: 1000 });
      const snmp = new SnmpClient({ timeoutMs: 100, retries: 0 });
      try {
        const driver = netconfDriver({ serial: 'SCRIPTED-1', platform: 'netconf', host: '127.0.0.1', netconfPort: port, snmpPort: 0, username: 'any', password: 'any', community: '' }, { netconf: pool, snmp });
        await assert.rejects(driver.facts(), isProtocol);
      } finally {
        await pool.close();
        snmp.close();
      }
    });

    it('a reply that is not well-formed XML is protocol (typed so before too: kept as a guard)', async () => {
      const session = await connect();
      await assert.rejects(session.rpc('<not-xml/>'), isProtocol);
    });
  });

  describe('defect: a device calling home that drops an rpc (Call Home)', () => {
    /** A Call Home listener, and a scripted device that dials it and serves SSH over that connection (RFC 8071). */
    const callHome = async (answer: Parameters<typeof scriptedPeer>[0], test: (session: NetconfSession, reads: Read[]) => Promise<void>) => {
      const peer = scriptedPeer(answer);
      peers.push(peer.server);
      const clientKey = generateKeyPair();
      const listener = new CallHomeListener({
        host: '127.0.0.1',
        port: 0,
        rpcTimeoutMs: 1500,
        deviceByHostKey: (key) => (key === keyFingerprint(hostKey.private) ? { serial: 'CALLER-1', username: 'branchline', privateKey: clientKey.private } : undefined),
      });
      const port = await listener.start();
      let socket: Socket | undefined;
      try {
        socket = tcpConnect(port, '127.0.0.1', () => peer.server.injectSocket(socket!));
        await test(await listener.waitFor('CALLER-1', 10_000), peer.reads);
      } finally {
        socket?.destroy();
        await listener.stop();
      }
    };
    const answered = (messageId: string, rpc: string) => reply(messageId, rpc.includes('<get') ? '<data/>' : '<ok/>');

    it('that drops the first rpc it reads, as netconfd does one read with the hello: the caller\'s first rpc is answered all the same (failed before: it hung 60 s)', async () => {
      await callHome((messageId, rpc, index) => (index === 0 ? undefined : answered(messageId, rpc)), async (session, reads) => {
        const started = Date.now();
        assert.equal(await session.get('<system-state xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>'), '');
        assert.ok(Date.now() - started < 1000, `answered after ${Date.now() - started} ms`);
        // The client's side of the ordering: its hello alone in its first write, no rpc before the device's hello.
        const [first, ...rest] = reads;
        assert.ok(first, 'the peer read something');
        assert.match(first.text, /^<hello[^]*<\/hello>\]\]>\]\]>$/, 'the hello went out in a write of its own');
        for (const read of rest.filter((r) => r.text.includes('<rpc'))) assert.equal(read.afterServerHello, true);
      });
    });

    it('that stops answering: the rpc fails with a typed timeout within the listener\'s rpc timeout (failed before: Call Home set none, 60 s)', async () => {
      await callHome((messageId, rpc, index) => (index === 0 ? answered(messageId, rpc) : undefined), async (session) => {
        const started = Date.now();
        await assert.rejects(session.get(), (e: unknown) => e instanceof DeviceError && e.kind === 'timeout' && e.retryable);
        assert.ok(Date.now() - started < 5000, `timed out after ${Date.now() - started} ms`);
      });
    });
  });
});
