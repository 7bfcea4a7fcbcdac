// `npm run bench:burst`: F8 of the fault suite — a thousand runs started at once over the API
// (--runs, 1000): one device upgrade each, on as many simulated devices in service, every request
// sent in the same instant. The API may push back (429, resent after its Retry-After; a connection
// reset by a full listen queue, counted as answer 0 and resent) but never answers 5xx; every run must complete, and both invariants of the fault suite hold afterwards.
// Progress on stderr; one JSON line on stdout: the time from the first request to the last run
// completed, and the largest queue lag (schedule-to-start) of a workflow task and an activity task.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import { startLab, simulatorImage } from '../scripts/lab.ts';
import { sleep } from '../scripts/processes.ts';
import { upgradeDeviceWorkflowId } from '../workflows/upgrade-device.messages.ts';
import { benchScratch, bundleWorkflows, say, throwawayPlatform } from './harness.ts';
import { largestQueueLag } from './queue-lag.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' }, workers: { type: 'string', default: '2' } } });
const runCount = Math.max(1, Number(values.runs));
const workerCount = Math.max(1, Number(values.workers));
const model = 'SRX-SIM-300';

async function main() {
  const scratch = benchScratch('bench-burst');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch);
    say(`starting the lab: API, ${workerCount} workers, ${runCount} simulated devices in service`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: runCount }, () => model), baseAddress: '127.250.0.1', snmpPort: 42161, netconfPort: 42830,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, phoneHome: false,
    });
    scratch.onCleanUp(() => lab.stop());
    for (let started = 1; started < workerCount; started++) await lab.startWorker();
    const tenantId = (await lab.prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'Europe/Amsterdam', tags: [] }));
    const image = await lab.images.add(simulatorImage(model, '23.2R1'));
    const imageId = (await lab.prisma.firmwareImage.create({ data: { model, version: '23.2R1', sha256: image.sha256, sizeBytes: image.sizeBytes, fileName: '23.2R1.img' } })).id;
    const devices = await lab.prisma.device.findMany({ where: { site: { tenantId }, serial: { in: [...lab.fleet.devices.keys()] } }, select: { id: true } });

    say(`${devices.length} upgrades started at once`);
    const statuses = new Map<number, number>();
    const started = Date.now();
    await Promise.all(devices.map(async (device) => {
      for (;;) {
        let response: Response;
        try {
          response = await fetch(`${lab.apiUrl}/api/v1/devices/${device.id}/upgrade`, {
            method: 'POST', headers: { cookie: lab.adminCookie, 'content-type': 'application/json' }, body: JSON.stringify({ imageId }),
          });
        } catch {
          // A full listen queue resets the connection: back-pressure below HTTP, sent again as a 429 is.
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
          await sleep(1000);
          continue;
        }
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status !== 429) return;
        await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000);
      }
    }));
    const accepted = (Date.now() - started) / 1000;
    const serverErrors = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    if (serverErrors > 0) throw new Error(`the API answered 5xx ${serverErrors} times: ${JSON.stringify(Object.fromEntries(statuses))}`);
    say(`all accepted after ${accepted.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(statuses))}`);

    const workflowIds = devices.map((device) => upgradeDeviceWorkflowId(device.id));
    for (let lastSaid = 0; ;) {
      const running = await lab.client.workflow.count(`WorkflowType = "upgradeDevice" AND ExecutionStatus = "Running"`);
      if (running.count === 0) break;
      if (Date.now() - lastSaid > 10_000) {
        lastSaid = Date.now();
        say(`  ${running.count} running after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
      await sleep(1000);
    }
    const totalSeconds = (Date.now() - started) / 1000;
    say('checking the invariants and reading every run\'s history');
    await assertFaultInvariants(lab, {
      runs: workflowIds, timeoutMs: 60_000,
      devices: Object.fromEntries([...lab.fleet.devices.keys()].map((serial) => [serial, { installs: 1, reboots: 1 }])),
    });
    const lag = await largestQueueLag(lab.client, workflowIds);
    console.log(JSON.stringify({
      runs: workflowIds.length, workers: workerCount,
      totalSeconds: Math.round(totalSeconds * 10) / 10, acceptedSeconds: Math.round(accepted * 10) / 10,
      answers: Object.fromEntries(statuses),
      largestWorkflowTaskLagSeconds: lag.workflowTaskSeconds, largestActivityTaskLagSeconds: lag.activityTaskSeconds,
    }));
  } finally {
    await scratch.cleanUp();
  }
}

await main();
