// `npm run bench:drift -- --devices 1000`: drift reconciliation over a simulated fleet on this
// machine. Each box is given a configuration by hand and that configuration put on record as its
// version; a first round reads every box in full (cold: no commit seen before), then --drift boxes
// are changed by hand and a second round runs (warm: only their newest commit is new, so only they
// are read whole). driftScanSeconds is the warm round, the one every interval costs. Progress on
// stderr; one JSON line on stdout.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { taskQueues } from '../domain/task-queues.ts';
import { startLab } from '../scripts/lab.ts';
import type { ReconcileDriftResult } from '../workflows/reconcile-drift.messages.ts';
import type { reconcileDrift } from '../workflows/reconcile-drift.ts';
import { benchScratch, bundleWorkflows, machineJiffies, say, systemStatements, throwawayPlatform } from './harness.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '1000' }, drift: { type: 'string', default: '10' } } });
const deviceCount = Math.max(1, Number(values.devices));
const driftCount = Math.min(deviceCount, Math.max(0, Number(values.drift)));

async function main() {
  const scratch = benchScratch('bench-drift');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch);
    say(`starting the lab: API, worker, ${deviceCount} simulated devices`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: deviceCount }, () => 'SRX-SIM-300'), baseAddress: '127.131.0.1', snmpPort: 29163, netconfPort: 29832,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, phoneHome: false,
    });
    scratch.onCleanUp(() => lab.stop());
    const { prisma } = lab;
    const tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    const boxes = [...lab.fleet.devices.values()];
    const devices = new Map((await prisma.device.findMany({ select: { id: true, serial: true } })).map((d) => [d.serial, d.id]));
    say('a configuration on every box, and on record as its version 1');
    for (const box of boxes) {
      box.store.handEdit('installer', systemStatements(`<host-name>${box.serial.toLowerCase()}</host-name><domain-name>branch.example</domain-name>`));
      const content = box.store.datastore('running').toString();
      await prisma.configVersion.create({
        data: { deviceId: devices.get(box.serial)!, version: 1, source: 'onboarding', content, sha256: createHash('sha256').update(content).digest('hex') },
      });
    }
    const round = async (name: string) => {
      const started = Date.now();
      const result = await lab.client.workflow.execute<typeof reconcileDrift>('reconcileDrift', { workflowId: `bench-drift/${name}`, taskQueue: taskQueues.orchestration, args: [{}] });
      const seconds = (Date.now() - started) / 1000;
      say(`${name} round: ${seconds.toFixed(1)} s, ${JSON.stringify(result)}`);
      return { seconds, result };
    };
    const cold = await round('cold');
    say(`${driftCount} boxes changed by hand`);
    for (const box of boxes.slice(0, driftCount)) box.store.handEdit('alice', systemStatements('<domain-name>changed.example</domain-name>'));
    const cpuBefore = machineJiffies();
    const warm = await round('warm');
    const cpuAfter = machineJiffies();
    const result: Record<string, unknown> & { warm: ReconcileDriftResult } = {
      devices: deviceCount,
      driftScanSeconds: Math.round(warm.seconds * 10) / 10,
      coldScanSeconds: Math.round(cold.seconds * 10) / 10,
      changedByHand: driftCount,
      drifted: warm.result.drifted,
      fullReads: warm.result.fullReads,
      unreachable: warm.result.readings.unreachable,
      warm: warm.result,
      machineCpuPercent: Math.round((100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total)),
    };
    const { warm: _warm, ...line } = result;
    console.log(JSON.stringify(line));
  } finally {
    await scratch.cleanUp();
  }
}

await main();
