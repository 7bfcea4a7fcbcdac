// `npm run bench:hub-config`: what one simulated hub's configuration operations cost as its tunnels
// grow, with no network, Temporal or database in the way — the simulator's share of a hub commit
// in bench:onboarding. A hub's stage 2 first; then spokes' tunnels arrive in batches (the product
// gathers several sites' edits into one change), each batch as the product applies it: lock,
// edit-config, commit confirmed, commit (the confirm), unlock. Every --every tunnels it prints the
// median of each operation over the last batches. Options: --tunnels N (1000), --batch B (8),
// --every E (100). Ends with one JSON line on stdout.
import { parseArgs } from 'node:util';
import { elementChildren, parseXml } from '../activities/devices/netconf/xml.ts';
import { formatIpv4, parseIpv4 } from '../domain/ipv4.ts';
import type { DeviceConfigInput, TunnelConfig } from '../domain/render/device-config.ts';
import { junosRenderer } from '../domain/render/junos.ts';
import { ConfigStore } from '../simulator/config-store.ts';
import { say } from './harness.ts';

const { values } = parseArgs({
  options: {
    tunnels: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '8' },
    every: { type: 'string', default: '100' },
  },
});
const tunnelCount = Math.max(1, Number(values.tunnels));
const batchSize = Math.max(1, Number(values.batch));
const every = Math.max(batchSize, Number(values.every));

const hub: DeviceConfigInput = {
  hostname: 'bench-hub-east',
  loopback: '10.255.255.1/32',
  wanLinks: [
    { name: 'mpls', interfaceName: 'ge-0/0/0', address: '198.51.100.1/24', gateway: '198.51.100.254' },
    { name: 'internet', interfaceName: 'ge-0/0/1', address: '203.0.113.1/24', gateway: '203.0.113.254' },
  ],
  lanSegments: [],
  tunnels: [],
};

/** The hub's end of spoke n's tunnel: its own st0 unit and /30, as the allocator gives them. */
const tunnelTo = (n: number): TunnelConfig => ({
  name: `spoke-${n}`, unit: n, peer: formatIpv4(parseIpv4('100.64.0.1')! + n), localAddress: `${formatIpv4(parseIpv4('172.16.0.1')! + 4 * n)}/30`, viaLink: n % 2 ? 'mpls' : 'internet',
});

const configOf = (xml: string) => elementChildren(parseXml(`<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">${xml}</config>`).documentElement!);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const timed = (samples: number[], run: () => void) => {
  const started = performance.now();
  run();
  samples.push(performance.now() - started);
};

const store = new ConfigStore(junosRenderer.stage2(hub));
const session = { sessionId: 1, username: 'branchline' };
const rows: { tunnels: number; editMs: number; confirmedCommitMs: number; confirmMs: number }[] = [];
let samples = { edit: [] as number[], confirmed: [] as number[], confirm: [] as number[] };
for (let first = 1; first <= tunnelCount; first += batchSize) {
  const batch = Array.from({ length: Math.min(batchSize, tunnelCount - first + 1) }, (_, i) => tunnelTo(first + i));
  store.lock('candidate', session.sessionId);
  timed(samples.edit, () => {
    for (const tunnel of batch) store.edit('candidate', configOf(junosRenderer.tunnel(tunnel, hub.wanLinks).add), 'merge', session.sessionId);
  });
  timed(samples.confirmed, () => store.commit({ ...session, confirmed: true, confirmTimeoutSeconds: 600 }));
  timed(samples.confirm, () => store.commit(session));
  store.unlock('candidate', session.sessionId);
  const done = first + batch.length - 1;
  if (Math.floor(done / every) !== Math.floor((first - 1) / every) || done === tunnelCount) {
    const row = { tunnels: done, editMs: median(samples.edit), confirmedCommitMs: median(samples.confirmed), confirmMs: median(samples.confirm) };
    rows.push(row);
    say(`${row.tunnels} tunnels: edit ${row.editMs.toFixed(1)} ms, commit confirmed ${row.confirmedCommitMs.toFixed(1)} ms, confirm ${row.confirmMs.toFixed(1)} ms`);
    samples = { edit: [], confirmed: [], confirm: [] };
  }
}
const round = (n: number) => Math.round(n * 10) / 10;
const last = rows.at(-1)!;
process.stdout.write(`${JSON.stringify({
  tunnels: tunnelCount, batch: batchSize,
  editMs: round(last.editMs), confirmedCommitMs: round(last.confirmedCommitMs), confirmMs: round(last.confirmMs),
  byTunnels: rows.map((r) => ({ tunnels: r.tunnels, editMs: round(r.editMs), confirmedCommitMs: round(r.confirmedCommitMs), confirmMs: round(r.confirmMs) })),
})}\n`);
