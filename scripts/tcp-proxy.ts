// A TCP proxy: forwards a local port to a server, or in turn to several (the production topology's
// front, one address for its API processes), and can cut every connection through it (and refuse
// new ones) until restored, as a network partition or a server outage would (fault tests).
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Closes every connection through the proxy and refuses new ones. */
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

type Target = { host: string; port: number };

/**
 * Each new connection goes to the next target; a target that refuses it (its process down) is
 * passed over for the one after, so a connection fails only when every target refuses.
 */
export async function startTcpProxy(targets: Target | Target[], listen: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<TcpProxy> {
  const upstreams = Array.isArray(targets) ? targets : [targets];
  const sockets = new Set<Socket>();
  let cut = false;
  let next = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the other side's close ends this one
  };
  const forward = (client: Socket, attemptsLeft: number) => {
    const target = upstreams[next++ % upstreams.length]!;
    const upstream = connect(target.port, target.host);
    track(upstream);
    let connected = false;
    const closeUpstream = () => upstream.destroy();
    client.once('close', closeUpstream);
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('close', () => {
      client.off('close', closeUpstream);
      if (connected || cut || client.destroyed) client.destroy();
      else if (attemptsLeft > 1) forward(client, attemptsLeft - 1);
      else client.destroy();
    });
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    if (cut) {
      client.destroy();
      return;
    }
    track(client);
    forward(client, upstreams.length);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  const cutAll = () => {
    cut = true;
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut: cutAll,
    restore() {
      cut = false;
    },
    async stop() {
      cutAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
