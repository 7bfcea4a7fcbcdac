// `npm run bench:vnf -- --instances 500`: VNF lifecycles on simulated uCPEs (NFX150, two VNFs each:
// --instances / 2 boxes) on this machine, its own Temporal and PostgreSQL, the worker in its own
// process. Every instance is asked for at once through the API and instantiated by its
// `vnf/<instanceId>` run (image, definition by confirmed commit, boot, day-1 on the guest's NETCONF,
// health over its SNMP); then --heals of them crash through the control API and are healed with no
// operator; then every instance is terminated, and what the uCPEs and the inventory still hold is
// counted as leaked. Progress on stderr; one JSON line on stdout.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { vnfDefinitions } from '../simulator/vnf-host.ts';
import { catalogueVsrx, startLab } from '../scripts/lab.ts';
import { benchScratch, bundleWorkflows, machineJiffies, say, throwawayPlatform } from './harness.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '500' },
    heals: { type: 'string', default: '50' },
    'check-seconds': { type: 'string', default: '15' },
    'boot-ms': { type: 'string', default: '3000' },
  },
});
const instanceCount = Math.max(2, Math.floor(Number(values.instances) / 2) * 2);
const hostCount = instanceCount / 2;
const healCount = Math.min(instanceCount, Math.max(0, Number(values.heals)));
const checkSeconds = Math.max(1, Number(values['check-seconds']));
const bootMs = Math.max(0, Number(values['boot-ms']));

const p95 = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!);
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const scratch = benchScratch('bench-vnf');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch);
    say(`starting the lab: API, worker, ${hostCount} simulated uCPEs for ${instanceCount} VNFs`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: hostCount }, () => 'NFX150'), baseAddress: '127.165.0.1', snmpPort: 29164, netconfPort: 29833,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, phoneHome: false,
      vnfGuests: { baseAddress: '127.166.0.1', bootMs },
    });
    scratch.onCleanUp(() => lab.stop());
    const { prisma } = lab;
    const tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, () => ({ timezone: 'UTC', tags: [] }));
    const devices = await prisma.device.findMany({ where: { model: 'NFX150' }, select: { id: true, siteId: true, serial: true }, orderBy: { serial: 'asc' } });

    const packageId = await catalogueVsrx(lab, { checkSeconds, timeoutSeconds: 3 });
    const healing = { intervalSeconds: checkSeconds, failuresBeforeUnhealthy: 1, cooldownSeconds: 180, maxAttempts: 3, bootWaitSeconds: 300 };

    // ---- instantiate: every instance asked for at once -------------------------------------
    say(`instantiating ${instanceCount} VNFs`);
    const asked = new Map<string, { at: number; serial: string; name: string }>();
    const phaseStart = Date.now();
    const cpuBefore = machineJiffies();
    let refused = 0;
    await Promise.all(devices.map(async (device, index) => {
      for (const slot of [0, 1]) {
        const at = Date.now();
        const response = await lab.api<{ id: string; name: string }>('POST', `/api/v1/sites/${device.siteId}/vnf-instances`, {
          packageId, flavour: 'small', deviceId: device.id, parameters: { hostName: `fw-${index}-${slot}` }, healing,
        });
        if (response.status !== 202) {
          refused += 1;
          say(`refused: ${response.status} ${JSON.stringify(response.body)}`);
        } else asked.set(response.body.id, { at, serial: device.serial!, name: response.body.name });
      }
    }));
    const instantiateMs: number[] = [];
    const settled = new Set<string>();
    let failed = refused;
    const deadline = Date.now() + Math.max(600_000, instanceCount * 2_000);
    let lastSaid = Date.now();
    while (settled.size < asked.size && Date.now() < deadline) {
      const rows = await prisma.vnfInstance.findMany({ where: { id: { in: [...asked.keys()].filter((id) => !settled.has(id)) } }, select: { id: true, status: true } });
      for (const row of rows) {
        if (row.status === 'running') {
          instantiateMs.push(Date.now() - asked.get(row.id)!.at);
          settled.add(row.id);
        } else if (row.status === 'failed') {
          failed += 1;
          settled.add(row.id);
        }
      }
      if (Date.now() - lastSaid > 10_000) {
        lastSaid = Date.now();
        say(`${instantiateMs.length} running, ${failed} failed of ${instanceCount}`);
      }
      await pause(200);
    }
    const instantiateSeconds = (Date.now() - phaseStart) / 1000;
    const cpuAfter = machineJiffies();
    const stuck = asked.size - settled.size;
    say(`instantiation: ${instantiateMs.length} running in ${instantiateSeconds.toFixed(1)} s, ${failed} failed, ${stuck} not settled`);

    // ---- heal: crashes, healed with no operator -------------------------------------------
    const running = [...asked.entries()].filter(([id]) => instantiateMs.length && settled.has(id));
    const victims = running.slice(0, healCount);
    say(`crashing ${victims.length} VNFs`);
    const crashedAt = new Map<string, number>();
    const healsBefore = new Map((await prisma.vnfInstance.findMany({ where: { id: { in: victims.map(([id]) => id) } }, select: { id: true, healCount: true } })).map((r) => [r.id, r.healCount]));
    for (const [id, { serial, name }] of victims) {
      const response = await fetch(`${lab.fleet.controlUrl}/devices/${serial}/vnfs/${name}/crash`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (response.ok) crashedAt.set(id, Date.now());
      else say(`crash of ${name} on ${serial}: ${response.status} ${await response.text()}`);
    }
    const healMs: number[] = [];
    const healDeadline = Date.now() + Math.max(300_000, checkSeconds * 10_000);
    // Waits for every crashed one: a healed one leaves crashedAt.
    while (crashedAt.size > 0 && Date.now() < healDeadline) {
      const rows = await prisma.vnfInstance.findMany({ where: { id: { in: [...crashedAt.keys()] } }, select: { id: true, status: true, healCount: true, lastOperationOutcome: true } });
      for (const row of rows) {
        if (row.status === 'running' && row.healCount > (healsBefore.get(row.id) ?? 0) && row.lastOperationOutcome === 'completed') {
          healMs.push(Date.now() - crashedAt.get(row.id)!);
          crashedAt.delete(row.id);
        }
      }
      await pause(200);
    }
    const unhealed = crashedAt.size;
    for (const row of await prisma.vnfInstance.findMany({ where: { id: { in: [...crashedAt.keys()] } }, select: { name: true, status: true, healCount: true, lastOperation: true, lastOperationOutcome: true, lastOperationError: true } })) {
      say(`not healed: ${JSON.stringify(row)}`);
    }
    say(`healed ${healMs.length}, ${unhealed} not healed`);

    // ---- terminate everything, then count what is left ------------------------------------
    say('terminating every instance');
    const live = await prisma.vnfInstance.findMany({ where: { status: { notIn: ['terminated', 'failed'] } }, select: { id: true } });
    for (const { id } of live) {
      for (let attempt = 0; attempt < 60; attempt++) {
        const response = await lab.api('POST', `/api/v1/vnf-instances/${id}/terminate`);
        if (response.status === 202) break;
        await pause(1000); // busy (an operation in flight): asked again
      }
    }
    const terminateDeadline = Date.now() + 600_000;
    while (Date.now() < terminateDeadline && await prisma.vnfInstance.count({ where: { status: { notIn: ['terminated', 'failed'] } } }) > 0) await pause(500);
    await pause(2000);
    let leakedResources = 0;
    const leaks: string[] = [];
    for (const box of lab.fleet.devices.values()) {
      const report = box.vnfHost!.describe();
      const vnfsDefined = vnfDefinitions(box.store.running).length;
      const leaked = report.vnfs.length + report.images.length + report.resources.used.cores + (report.resources.used.memoryMiB > 0 ? 1 : 0) + vnfsDefined;
      if (leaked) leaks.push(`${box.serial}: ${report.vnfs.length} VNFs, ${report.images.length} images, ${report.resources.used.cores} cores, ${report.resources.used.memoryMiB} MiB, ${vnfsDefined} defined`);
      leakedResources += leaked;
    }
    const reserved = await prisma.vnfInstance.count({ where: { OR: [{ reservedVcpus: { gt: 0 } }, { reservedMemoryMiB: { gt: 0 } }, { reservedDiskGiB: { gt: 0 } }] } });
    if (reserved) leaks.push(`${reserved} instances still hold a reservation`);
    leakedResources += reserved;
    for (const leak of leaks.slice(0, 10)) say(`leaked: ${leak}`);

    console.log(JSON.stringify({
      instances: instanceCount,
      ucpes: hostCount,
      instantiatedPerMinute: Math.round((instantiateMs.length / instantiateSeconds) * 60 * 10) / 10,
      instantiateP95Ms: p95(instantiateMs),
      healP95Ms: p95(healMs),
      heals: healMs.length,
      unhealed,
      failed: failed + stuck,
      leakedResources,
      checkSeconds,
      bootMs,
      machineCpuPercent: Math.round((100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total)),
    }));
  } finally {
    await scratch.cleanUp();
  }
}

await main();
