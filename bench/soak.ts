// `npm run bench:soak -- --minutes 60`: F16 of the fault suite — a branch's whole life in a loop,
// for --minutes (60) or --cycles (300) whichever ends first, --parallel (3) at a time: a one-box
// hub site onboarded, its box upgraded, the site decommissioned (each cycle on a box of its own).
// Memory of the worker process and of the lab process (the API, with the simulator beside it) is
// read every --sample-seconds (20). Progress on stderr; one JSON line on stdout: the memory slope
// of each (MiB per hour, least squares over the samples after the first tenth of the run), and
// the throughput drift (cycles per minute in the last quarter against the first).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertFaultInvariants } from '../scripts/fault-invariants.ts';
import { onboardingEnded, startHubOnboarding, startUpgrade } from '../scripts/fault-lab.ts';
import { startLab, simulatorImage, type Lab } from '../scripts/lab.ts';
import { sleep } from '../scripts/processes.ts';
import { serialOf } from '../simulator/fleet.ts';
import { decommissionWorkflowId } from '../workflows/decommission-site.messages.ts';
import { benchScratch, bundleWorkflows, say, throwawayPlatform } from './harness.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    cycles: { type: 'string', default: '300' },
    parallel: { type: 'string', default: '3' },
    'sample-seconds': { type: 'string', default: '20' },
  },
});
const minutes = Math.max(1, Number(values.minutes));
const maxCycles = Math.max(1, Number(values.cycles));
const parallel = Math.max(1, Number(values.parallel));
const sampleMs = Math.max(1, Number(values['sample-seconds'])) * 1000;
const model = 'SRX-SIM-4600';

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Least-squares slope of (hours, MiB) points, in MiB per hour. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

async function ended(lab: Lab, workflowId: string): Promise<string> {
  for (;;) {
    const status = (await lab.client.workflow.getHandle(workflowId).describe()).status.name;
    if (status !== 'RUNNING') return status;
    await sleep(500);
  }
}

async function main() {
  const scratch = benchScratch('bench-soak');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    say(`starting the lab: API, worker, ${maxCycles} simulated boxes`);
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: maxCycles }, () => model), baseAddress: '127.251.0.1', snmpPort: 43161, netconfPort: 43830,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory,
      // Boxes waiting for their turn would otherwise call the API every second, hundreds at once.
      phoneHomeIntervalMs: 60_000,
    });
    scratch.onCleanUp(() => lab.stop());
    const tenantId = (await lab.prisma.tenant.findUniqueOrThrow({ where: { slug: 'acme-retail' } })).id;
    const image = await lab.images.add(simulatorImage(model, '23.2R1'));
    const imageId = (await lab.prisma.firmwareImage.create({ data: { model, version: '23.2R1', sha256: image.sha256, sizeBytes: image.sizeBytes, fileName: '23.2R1.img' } })).id;

    const started = Date.now();
    const deadline = started + minutes * 60_000;
    const samples: { at: number; worker: number; lab: number }[] = [];
    const sample = () => samples.push({ at: Date.now(), worker: lab.workerPids().reduce((sum, pid) => sum + rssMiB(pid), 0), lab: rssMiB(process.pid) });
    sample();
    const sampler = setInterval(sample, sampleMs);
    const completions: number[] = [];
    const runs: string[] = [];
    const failures: string[] = [];
    let next = 0;

    /** One box's life: onboarded, upgraded, decommissioned. */
    async function cycle(index: number) {
      const serial = serialOf(index);
      const onboarding = await startHubOnboarding({ lab, tenantId }, `Soak hub ${index + 1}`, serial, model);
      runs.push(onboarding.workflowId);
      const state = (await onboardingEnded(lab, onboarding.siteId, 900_000)).state;
      if (state !== 'completed') throw new Error(`onboarding of ${serial}: ${state}`);
      const upgrade = await startUpgrade(lab, serial, imageId);
      runs.push(upgrade);
      const upgraded = await ended(lab, upgrade);
      if (upgraded !== 'COMPLETED') throw new Error(`upgrade of ${serial}: ${upgraded}`);
      const decommission = await lab.api('POST', `/api/v1/sites/${onboarding.siteId}/decommission`, {});
      if (decommission.status !== 202) throw new Error(`decommission of ${serial}: ${decommission.status} ${JSON.stringify(decommission.body)}`);
      runs.push(decommissionWorkflowId(onboarding.siteId));
      const decommissioned = await ended(lab, decommissionWorkflowId(onboarding.siteId));
      if (decommissioned !== 'COMPLETED') throw new Error(`decommission of ${serial}: ${decommissioned}`);
      completions.push(Date.now());
    }

    await Promise.all(Array.from({ length: parallel }, async () => {
      while (Date.now() < deadline && next < maxCycles) {
        const index = next++;
        await cycle(index).catch((error: unknown) => void failures.push((error as Error).message));
        if (completions.length % 10 === 0) say(`  ${completions.length} cycles after ${((Date.now() - started) / 60_000).toFixed(1)} min`);
      }
    }));
    clearInterval(sampler);
    sample();
    const elapsed = Date.now() - started;

    say('checking the invariants');
    await assertFaultInvariants(lab, {
      runs, timeoutMs: 60_000,
      devices: Object.fromEntries(Array.from({ length: next }, (_, index) => [serialOf(index), { installs: 1 }])),
    });

    const settled = samples.filter((s) => s.at - started >= elapsed / 10);
    const hours = (at: number) => (at - started) / 3_600_000;
    const perMinute = (from: number, to: number) => completions.filter((at) => at >= from && at < to).length / ((to - from) / 60_000);
    const firstQuarter = perMinute(started, started + elapsed / 4);
    const lastQuarter = perMinute(started + (3 * elapsed) / 4, started + elapsed + 1);
    console.log(JSON.stringify({
      minutes: Math.round((elapsed / 60_000) * 10) / 10, cycles: completions.length, failures: failures.length, firstFailures: failures.slice(0, 3), parallel,
      workerRssMiB: { first: Math.round(samples[0]!.worker), last: Math.round(samples.at(-1)!.worker), slopeMiBPerHour: Math.round(slope(settled.map((s) => [hours(s.at), s.worker])) * 10) / 10 },
      apiAndSimulatorRssMiB: { first: Math.round(samples[0]!.lab), last: Math.round(samples.at(-1)!.lab), slopeMiBPerHour: Math.round(slope(settled.map((s) => [hours(s.at), s.lab])) * 10) / 10 },
      cyclesPerMinute: { firstQuarter: Math.round(firstQuarter * 100) / 100, lastQuarter: Math.round(lastQuarter * 100) / 100 },
      throughputDriftPercent: firstQuarter > 0 ? Math.round(((lastQuarter - firstQuarter) / firstQuarter) * 1000) / 10 : null,
    }));
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    await scratch.cleanUp();
  }
}

await main();
