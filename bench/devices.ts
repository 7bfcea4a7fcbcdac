// `npm run bench:devices`: what the device layer sustains, measured from this one process against
// a simulator fleet in another: SNMP GET PDUs per second, NETCONF hello latency, new NETCONF
// sessions per second, and the simulator's memory per idle device. Ends with one JSON line.
// Options: --devices N (default 500), --seconds S per load phase (default 5).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetconfSession } from '../activities/devices/netconf/session.ts';
import { SnmpClient } from '../activities/devices/snmp.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '500' }, seconds: { type: 'string', default: '5' } } });
const deviceCount = Math.max(2, Number(values.devices));
const phaseMs = Math.max(1, Number(values.seconds)) * 1000;

interface SimulatedDeviceLine { serial: string; address: string; snmpPort: number; netconfPort: number; community: string; username: string; password: string }

async function startSimulator(devices: number, baseAddress: string): Promise<{ child: ChildProcess; devices: SimulatedDeviceLine[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/main.ts', '--devices', String(devices), '--json', '--base-address', baseAddress, '--snmp-port', '22161', '--netconf-port', '22830'], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 300_000;
  while (!output.includes('"ready":true')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the simulator did not start:\n${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const lines = output.trim().split('\n').map((line) => JSON.parse(line) as SimulatedDeviceLine & { ready?: boolean });
  return { child, devices: lines.filter((line) => !line.ready) };
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function settledRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return rssBytes(pid);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Keeps `concurrency` operations in flight until `durationMs` passes; returns how many completed. */
async function sustain(concurrency: number, durationMs: number, operation: (i: number) => Promise<unknown>): Promise<{ done: number; failed: number; seconds: number }> {
  const started = performance.now();
  let done = 0;
  let failed = 0;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() - started < durationMs) {
      try {
        await operation(next++);
        done += 1;
      } catch {
        failed += 1;
      }
    }
  }));
  return { done, failed, seconds: (performance.now() - started) / 1000 };
}

async function main() {
  // Memory: the same process with one device, then with the whole fleet.
  const single = await startSimulator(1, '127.50.0.1');
  const baseline = await settledRss(single.child.pid!);
  single.child.kill('SIGTERM');

  const { child, devices } = await startSimulator(deviceCount, '127.51.0.1');
  const fleetRss = await settledRss(child.pid!);
  const simulatorBytesPerDevice = Math.round((fleetRss - baseline) / (deviceCount - 1));

  try {
    // One session per device, as a poller holds them (the cap is for fleets beyond the descriptor limit).
    const snmp = new SnmpClient({ timeoutMs: 2000, retries: 0, maxSessions: Math.min(devices.length, 4096) });
    const snmpRun = await sustain(64, phaseMs, (i) => {
      const device = devices[i % devices.length]!;
      return snmp.get({ host: device.address, port: device.snmpPort, version: '2c', community: device.community }, ['1.3.6.1.2.1.1.3.0']);
    });
    snmp.close();

    const target = (device: SimulatedDeviceLine) => ({ host: device.address, port: device.netconfPort, username: device.username, password: device.password });
    const hellos: number[] = [];
    for (let i = 0; i < Math.min(100, devices.length); i++) {
      const started = performance.now();
      const session = await NetconfSession.connect(target(devices[i]!));
      hellos.push(performance.now() - started);
      session.destroy();
    }
    hellos.sort((a, b) => a - b);

    const sessionRun = await sustain(8, phaseMs, async (i) => {
      const session = await NetconfSession.connect(target(devices[i % devices.length]!));
      await session.close();
    });

    const result = {
      devices: deviceCount,
      snmpGetsPerSecond: Math.round(snmpRun.done / snmpRun.seconds),
      snmpFailures: snmpRun.failed,
      netconfHelloP50Ms: round(percentile(hellos, 50)),
      netconfHelloP95Ms: round(percentile(hellos, 95)),
      netconfSessionsPerSecond: round(sessionRun.done / sessionRun.seconds),
      netconfSessionFailures: sessionRun.failed,
      simulatorBytesPerDevice,
      simulatorRssMiB: round(fleetRss / 1048576),
    };
    console.log(JSON.stringify(result));
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
process.exit(0);
