// The production topology's front: one address handing connections to the API processes in turn,
// passing over one that is down.
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const host = '127.170.2.1';

/** A server that answers every connection with its name, then closes it. */
async function namedServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Who answers a connection through the proxy ('' when the connection is closed unanswered). */
function whoAnswers(port: number): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
  });
}

describe('the TCP proxy over several servers', () => {
  const servers: Server[] = [];
  let proxy: TcpProxy | undefined;
  after(async () => {
    await proxy?.stop();
    for (const server of servers) server.close();
  });

  it('hands connections to each server in turn, and passes over one that refuses them', async () => {
    const first = await namedServer('api-1');
    const second = await namedServer('api-2');
    servers.push(first.server, second.server);
    proxy = await startTcpProxy([{ host, port: first.port }, { host, port: second.port }]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await whoAnswers(proxy.port));
    assert.deepEqual(answers.sort(), ['api-1', 'api-1', 'api-2', 'api-2']);

    await new Promise((resolve) => first.server.close(resolve));
    const afterward = [];
    for (let i = 0; i < 4; i++) afterward.push(await whoAnswers(proxy.port));
    assert.deepEqual(afterward, ['api-2', 'api-2', 'api-2', 'api-2']);

    await new Promise((resolve) => second.server.close(resolve));
    assert.equal(await whoAnswers(proxy.port), '', 'with every server down, the connection is closed');
  });
});
