// `npm run bench:upgrade`: how close a bulk upgrade comes to the ideal on this machine. The lab
// (API, worker, --devices simulated boxes over NETCONF, each taking --reboot-seconds to reboot)
// runs on its own Temporal development server and PostgreSQL. One device is upgraded alone first:
// its duration is the per-device upgrade time. Then a campaign upgrades every device, at most
// --concurrency at once (all at once, or --strategy canary). idealSeconds = per-device time ×
// devices / concurrency; ratio = wallSeconds / idealSeconds. upgradedTwice counts boxes that
// installed an image more than once. Progress on stderr; ends with one JSON line on stdout.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLab, simulatorImage } from '../scripts/lab.ts';
import { sleep } from '../scripts/processes.ts';
import type { CampaignProgress } from '../workflows/upgrade-campaign.messages.ts';
import { benchScratch, bundleWorkflows, machineJiffies, say, throwawayPlatform } from './harness.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    'reboot-seconds': { type: 'string', default: '10' },
    strategy: { type: 'string', default: 'all_at_once' },
  },
});
const deviceCount = Math.max(2, Number(values.devices));
const concurrency = Math.max(1, Number(values.concurrency));
const rebootMs = Math.max(0, Number(values['reboot-seconds']) * 1000);
const strategy = values.strategy === 'canary' ? 'canary' : 'all_at_once';

const model = 'SRX-SIM-300';

async function main() {
  const scratch = benchScratch('bench-upgrade');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch);
    say(`starting the lab: API, worker, ${deviceCount} simulated devices rebooting in ${rebootMs / 1000} s`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: deviceCount }, () => model), baseAddress: '127.48.0.1', snmpPort: 29162, netconfPort: 29831,
      // The worker in its own process, as in production: the lab's process serves the API and the simulated fleet.
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, rebootMs, phoneHome: false,
    });
    scratch.onCleanUp(() => lab.stop());
    const prisma = lab.prisma;
    const tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'Europe/Amsterdam', tags: [] }));
    const imageIds: Record<string, string> = {};
    for (const version of ['23.2R1', '23.4R1']) {
      const image = await lab.images.add(simulatorImage(model, version));
      imageIds[version] = (await prisma.firmwareImage.create({ data: { model, version, sha256: image.sha256, sizeBytes: image.sizeBytes, fileName: `${version}.img` } })).id;
    }

    say('one device alone: the per-device upgrade time');
    const lone = await prisma.device.findFirstOrThrow({ where: { site: { tenantId }, serial: { not: null } }, orderBy: { id: 'asc' } });
    const loneStarted = Date.now();
    const started = await lab.api('POST', `/api/v1/devices/${lone.id}/upgrade`, { imageId: imageIds['23.2R1'] });
    if (started.status !== 202) throw new Error(`the single upgrade did not start: ${JSON.stringify(started.body)}`);
    for (;;) {
      const { body } = await lab.api<{ execution: string }>('GET', `/api/v1/devices/${lone.id}/upgrade`);
      if (body.execution === 'COMPLETED') break;
      if (body.execution && body.execution !== 'RUNNING') throw new Error(`the single upgrade ended ${body.execution}`);
      await sleep(100);
    }
    const perDeviceSeconds = (Date.now() - loneStarted) / 1000;
    say(`per-device upgrade: ${perDeviceSeconds.toFixed(1)} s`);

    say(`campaign: ${deviceCount} devices to 23.4R1, ${concurrency} at once (${strategy})`);
    const campaignStarted = Date.now();
    const launched = await lab.api<{ id: string }>('POST', '/api/v1/upgrade-campaigns', {
      tenantId, name: 'Bench', imageId: imageIds['23.4R1'], strategy, concurrency, deadlineHours: 1,
    });
    if (launched.status !== 202) throw new Error(`the campaign did not start: ${JSON.stringify(launched.body)}`);
    const limitMs = Math.max(10 * 60_000, 5 * perDeviceSeconds * 1000 * (deviceCount / concurrency));
    let progress: { execution: string; status: string; progress: CampaignProgress | null };
    let lastReport = Date.now();
    const inFlightSamples: number[] = [];
    const cpuBefore = machineJiffies();
    for (;;) {
      progress = (await lab.api<typeof progress>('GET', `/api/v1/upgrade-campaigns/${launched.body.id}`)).body;
      if (progress.execution !== 'RUNNING') break;
      inFlightSamples.push(progress.progress?.inFlight ?? 0);
      if (Date.now() - campaignStarted > limitMs) throw new Error('the campaign took more than five times the ideal: stopped');
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const done = progress.progress?.phases.reduce((sum, p) => sum + p.upgraded + p.failed + p.skipped, 0) ?? 0;
        say(`  ${done}/${deviceCount} done after ${((Date.now() - campaignStarted) / 1000).toFixed(0)} s`);
      }
      await sleep(500);
    }
    const wallSeconds = (Date.now() - campaignStarted) / 1000;
    const cpuAfter = machineJiffies();
    const idealSeconds = (perDeviceSeconds * deviceCount) / concurrency;
    const rows = await prisma.campaignDevice.groupBy({ by: ['status'], where: { campaignId: launched.body.id }, _count: { _all: true } });
    const count = (status: string) => rows.find((r) => r.status === status)?._count._all ?? 0;
    const boxes = [...lab.fleet.devices.values()];
    const result = {
      devices: deviceCount,
      concurrency,
      strategy,
      rebootSeconds: rebootMs / 1000,
      perDeviceSeconds: Math.round(perDeviceSeconds * 10) / 10,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      idealSeconds: Math.round(idealSeconds * 10) / 10,
      ratio: Math.round((wallSeconds / idealSeconds) * 100) / 100,
      campaignStatus: progress.status,
      upgraded: count('upgraded'),
      failed: count('failed') + count('rolled_back'),
      skipped: count('skipped'),
      upgradedTwice: boxes.filter((box) => box.installs > (box.serial === lone.serial ? 2 : 1)).length,
      notUpgraded: boxes.filter((box) => box.softwareVersion() !== '23.4R1').length,
      /** How many upgrades were under way on average: below `concurrency`, dispatch is the limit. */
      meanInFlight: Math.round((inFlightSamples.reduce((sum, n) => sum + n, 0) / Math.max(1, inFlightSamples.length)) * 10) / 10,
      machineCpuPercent: Math.round((100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await scratch.cleanUp();
  }
}

await main();
