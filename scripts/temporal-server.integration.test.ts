// The Temporal development server that `npm start` runs is a single operator's: its Web UI has no
// sign-in and shows every tenant's runs, so it and the frontend answer on loopback only.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort, portIsOpen } from './processes.ts';
import { resolveTemporalCli, startTemporalDevServer } from './temporal-server.ts';

const root = join(import.meta.dirname, '..');

/** The addresses TCP sockets listen on for this port, read from the kernel's tables (IPv4 and IPv6). */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [hex, portHex] = local.split(':') as [string, string];
      if (Number.parseInt(portHex, 16) !== port) continue;
      addresses.push(hex.length === 8
        // IPv4, its bytes in host (little-endian) order.
        ? [...hex.matchAll(/../g)].map((byte) => Number.parseInt(byte[0], 16)).reverse().join('.')
        : hex === '0'.repeat(32) ? '::' : `ipv6:${hex}`);
    }
  }
  return addresses.sort();
}

/** This machine's addresses other than loopback (link-local IPv6 needs a scope: left out). */
function otherAddresses(): string[] {
  return Object.values(networkInterfaces()).flat()
    .filter((entry) => entry && !entry.internal && !entry.address.startsWith('fe80'))
    .map((entry) => entry!.address);
}

describe('the Temporal development server', () => {
  it('serves its Web UI and its frontend on loopback, and nowhere else on this machine', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'branchline-temporal-'));
    const port = await freePort();
    const uiPort = await freePort();
    const cli = resolveTemporalCli({ cliPath: process.env['TEMPORAL_CLI_PATH'] || undefined, toolsDir: join(root, '.data', 'tools'), say: () => undefined });
    const server = await startTemporalDevServer({
      cli, port, uiPort, namespace: 'default', dbFile: join(dataDir, 'temporal.db'), logFile: join(dataDir, 'temporal.log'),
    });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${uiPort}/`)).status, 200);
      assert.deepEqual(listeningAddresses(uiPort), ['127.0.0.1'], 'the Web UI');
      assert.deepEqual(listeningAddresses(port), ['127.0.0.1'], 'the frontend');
      for (const address of otherAddresses()) {
        assert.equal(await portIsOpen(uiPort, address), false, `the Web UI answers on ${address}`);
        assert.equal(await portIsOpen(port, address), false, `the frontend answers on ${address}`);
      }
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
