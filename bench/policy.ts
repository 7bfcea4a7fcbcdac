// `npm run bench:policy -- --sites 1000`: how close a policy deployment comes to the ideal on this
// machine. The lab (API, worker, two simulated boxes per site over NETCONF) runs on its own
// Temporal development server and PostgreSQL; every site has a Staff department. A one-site
// deployment first gives the per-site time (its dry run and its push); then a dry run of every
// site (dryRunSeconds), then a deployment of a Staff rule to every site, at most --concurrency at
// once (deploySeconds, its own dry run included). idealSeconds = dryRunSeconds + per-site time ×
// sites / concurrency; ratio = deploySeconds / idealSeconds; failed counts sites not deployed. What the
// deployment costs per site: CPU seconds by program, history events, and SQL statements
// (statementsPerSite, pg_stat_statements; the most called on stderr).
// Then drift reconciliation over the whole fleet, as its schedule would run it: a first round
// reads every box whole (coldScanSeconds; driftedAfterDeployment should be 0, or the deployment's
// records miss what the boxes run), then, ten boxes changed by hand, the round every interval
// costs (driftScanSeconds over driftScanDevices, as bench:drift's warm round; driftedByHand 10).
// Progress on stderr; ends with one JSON line on stdout.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { taskQueues } from '../domain/task-queues.ts';
import { deployPolicyWorkflowId } from '../workflows/deploy-policy.messages.ts';
import { startLab, type Lab } from '../scripts/lab.ts';
import type { ReconcileDriftResult } from '../workflows/reconcile-drift.messages.ts';
import type { reconcileDrift } from '../workflows/reconcile-drift.ts';
import { sleep } from '../scripts/processes.ts';
import {
  benchScratch, bundleWorkflows, countStatements, cpuSecondsByProgram, machineJiffies, profiledEnv, say, statementsCountable, statementsPer, systemStatements, throwawayPlatform,
} from './harness.ts';

const { values } = parseArgs({ options: {
  sites: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' }, 'base-address': { type: 'string', default: '127.121.0.1' },
  // A directory for the worker process's CPU profile, written as it stops.
  'cpu-prof': { type: 'string' },
} });
const siteCount = Math.max(2, Number(values.sites));
const concurrency = Math.max(1, Number(values.concurrency));

const rule = (name: string, siteGroup?: string) => ({
  name, from: { kind: 'department', name: 'Staff' }, to: { kind: 'internet' }, applications: ['https'], action: 'allow', log: true, ...(siteGroup ? { siteGroup } : {}),
});

/** Puts the intent, deploys it and waits: the wall seconds and the deployment's status. */
async function deployed(lab: Lab, tenantId: string, firewallRules: unknown[], dryRun: boolean): Promise<{ seconds: number; deploymentId: string; status: string }> {
  const path = `/api/v1/tenants/${tenantId}/policy-intent`;
  const etag = (await fetch(lab.apiUrl + path, { headers: { cookie: lab.adminCookie } })).headers.get('etag')!;
  const put = await fetch(lab.apiUrl + path, {
    method: 'PUT', headers: { cookie: lab.adminCookie, 'content-type': 'application/json', 'if-match': etag }, body: JSON.stringify({ departments: [{ name: 'Staff' }], firewallRules }),
  });
  if (put.status !== 200) throw new Error(`the intent was refused: ${await put.text()}`);
  const started = Date.now();
  const launched = await lab.api<{ deploymentId: string; progressUrl: string }>('POST', `/api/v1/tenants/${tenantId}/policy-deployments`, { dryRun, concurrency, failureBudgetPct: 100 });
  if (launched.status !== 202) throw new Error(`the deployment did not start: ${JSON.stringify(launched.body)}`);
  let lastReport = Date.now();
  for (;;) {
    const { body } = await lab.api<{ execution: string; status: string; progress: { waves: { upgraded: number; failed: number }[] } | null }>('GET', launched.body.progressUrl);
    if (body.execution !== 'RUNNING' && body.execution !== 'UNKNOWN') return { seconds: (Date.now() - started) / 1000, deploymentId: launched.body.deploymentId, status: body.status };
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const done = body.progress?.waves.reduce((sum, w) => sum + w.upgraded + w.failed, 0) ?? 0;
      say(`  ${done} sites deployed after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    await sleep(250);
  }
}

/** This process's name in the CPU figures: the API and the simulator run in it, the worker apart. */
const ownProcess = 'bench (API, simulator)';

/** What a history holds that costs the Temporal server (and the worker) work. */
function historyCounts(events: proto.temporal.api.history.v1.IHistoryEvent[]) {
  const count = (type: proto.temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
  const { EventType } = proto.temporal.api.enums.v1;
  return {
    events: events.length,
    workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    localActivities: count(EventType.EVENT_TYPE_MARKER_RECORDED),
    signals: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) + count(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
    updates: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
    timers: count(EventType.EVENT_TYPE_TIMER_STARTED),
  };
}
type HistoryCounts = ReturnType<typeof historyCounts>;
const addCounts = (a: HistoryCounts, b: HistoryCounts): HistoryCounts =>
  Object.fromEntries(Object.entries(a).map(([key, value]) => [key, value + b[key as keyof HistoryCounts]])) as HistoryCounts;

/**
 * A run's history, read in pages of 50 events: the server's pages of 256 can pass the 4 MB a
 * TypeScript client takes in one message (the SDK's own default of 128 MB does not reach gRPC)
 * where the events carry the sites' configurations.
 */
async function eventsOf(lab: Lab, workflowId: string, runId: string) {
  const events: proto.temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await lab.client.workflowService.getWorkflowExecutionHistory({
      namespace: lab.client.options.namespace, execution: { workflowId, runId }, maximumPageSize: 50, ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

/**
 * The Temporal work a site costs, as history events: the deployment's runs (each site's devices'
 * leases taken, changed and given back in them) shared over the sites.
 */
async function temporalWorkPerSite(lab: Lab, deploymentId: string, siteCount: number) {
  let deployment = historyCounts([]);
  for await (const run of lab.client.workflow.list({ query: `WorkflowId = '${deployPolicyWorkflowId(deploymentId)}'` })) {
    deployment = addCounts(deployment, historyCounts(await eventsOf(lab, run.workflowId, run.runId)));
  }
  return Object.fromEntries(Object.entries(deployment).map(([key, value]) => [key, Math.round((value / Math.max(1, siteCount)) * 10) / 10]));
}

async function main() {
  const scratch = benchScratch('bench-policy');
  try {
    const bundlePath = await bundleWorkflows(scratch);
    const platform = await throwawayPlatform(scratch, { postgresSettings: statementsCountable });
    say(`starting the lab: API, worker, ${siteCount} sites of two simulated devices`);
    const logDirectory = join(scratch.directory, 'logs');
    mkdirSync(logDirectory, { recursive: true });
    const lab = await startLab({
      databaseUrl: platform.databaseUrl, temporalAddress: platform.temporalAddress, namespace: 'default',
      models: Array.from({ length: siteCount * 2 }, () => 'SRX-SIM-300'), baseAddress: values['base-address'], snmpPort: 29163, netconfPort: 29832,
      worker: 'process', workflowBundlePath: bundlePath, logDirectory, phoneHome: false, workerEnv: profiledEnv(values['cpu-prof']),
    });
    scratch.onCleanUp(() => lab.stop());
    const { prisma } = lab;
    const tenantId = (await prisma.tenant.findUniqueOrThrow({ where: { slug: 'globex-logistics' } })).id;
    await lab.importFleet(tenantId, (site) => ({ timezone: 'Europe/Amsterdam', tags: site === 0 ? ['solo'] : [] }));
    const sites = await prisma.site.findMany({ where: { tenantId, status: 'active' }, select: { id: true } });
    for (const [index, site] of sites.entries()) {
      const department = await prisma.department.create({ data: { siteId: site.id, name: 'Staff' } });
      await prisma.lanSegment.create({ data: { siteId: site.id, departmentId: department.id, name: 'staff', vlanId: 10, prefix: `10.${64 + Math.floor(index / 256)}.${index % 256}.0/24` } });
    }

    say('one site alone: the per-site time');
    // Only the first site in service while it is measured, so its deployment previews it alone.
    const others = sites.slice(1).map((s) => s.id);
    await prisma.site.updateMany({ where: { id: { in: others } }, data: { status: 'planned' } });
    const lone = await deployed(lab, tenantId, [rule('solo', 'solo')], false);
    await prisma.site.updateMany({ where: { id: { in: others } }, data: { status: 'active' } });
    say(`per-site deployment: ${lone.seconds.toFixed(1)} s`);

    say(`dry run of ${sites.length} sites`);
    const dryRun = await deployed(lab, tenantId, [rule('solo', 'solo'), rule('staff-web')], true);
    say(`dry run: ${dryRun.seconds.toFixed(1)} s`);

    say(`deployment to ${sites.length} sites, ${concurrency} at once`);
    await countStatements(prisma);
    const cpuBefore = machineJiffies();
    const programsBefore = cpuSecondsByProgram(ownProcess);
    const deploy = await deployed(lab, tenantId, [rule('solo', 'solo'), rule('staff-web')], false);
    const programsAfter = cpuSecondsByProgram(ownProcess);
    const cpuAfter = machineJiffies();
    const statementsPerSite = await statementsPer(prisma, sites.length);
    const cpuSecondsPerSite: Record<string, number> = Object.fromEntries([...programsAfter].map(([name, seconds]) => [name, Math.round(((seconds - (programsBefore.get(name) ?? 0)) / sites.length) * 1000) / 1000])
      .filter(([, perSite]) => (perSite as number) >= 0.001));
    const temporalPerSite = await temporalWorkPerSite(lab, deploy.deploymentId, sites.length);
    const rows = await prisma.policyDeploymentSite.groupBy({ by: ['status'], where: { deploymentId: deploy.deploymentId }, _count: { _all: true } });
    const count = (status: string) => rows.find((r) => r.status === status)?._count._all ?? 0;
    const idealSeconds = dryRun.seconds + (lone.seconds * sites.length) / concurrency;
    const round = (n: number) => Math.round(n * 10) / 10;

    say(`drift reconciliation of ${siteCount * 2} devices`);
    const driftRound = async (name: string): Promise<{ seconds: number; result: ReconcileDriftResult }> => {
      const started = Date.now();
      const result = await lab.client.workflow.execute<typeof reconcileDrift>('reconcileDrift', { workflowId: `bench-policy-drift/${name}`, taskQueue: taskQueues.orchestration, args: [{}] });
      say(`${name} drift round: ${((Date.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(result)}`);
      return { seconds: (Date.now() - started) / 1000, result };
    };
    const cold = await driftRound('cold');
    const byHand = systemStatements('<domain-name>changed.example</domain-name>');
    for (const box of [...lab.fleet.devices.values()].slice(0, 10)) box.store.handEdit('alice', byHand);
    const warm = await driftRound('warm');
    console.log(JSON.stringify({
      sites: sites.length, devices: siteCount * 2, concurrency,
      perSiteSeconds: round(lone.seconds), dryRunSeconds: round(dryRun.seconds), deploySeconds: round(deploy.seconds), idealSeconds: round(idealSeconds),
      ratio: Math.round((deploy.seconds / idealSeconds) * 100) / 100, status: deploy.status,
      deployed: count('deployed'), failed: count('failed') + count('rolled_back') + count('skipped'),
      statementsPerSite, cpuSecondsPerSite, cpuSecondsPerSiteTotal: Math.round(Object.values(cpuSecondsPerSite).reduce((a, b) => a + b, 0) * 1000) / 1000, temporalPerSite,
      machineCpuPercent: Math.round((100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total)),
      driftScanSeconds: round(warm.seconds), driftScanDevices: warm.result.checked, coldScanSeconds: round(cold.seconds),
      driftedAfterDeployment: cold.result.drifted, driftedByHand: warm.result.drifted, driftUnreachable: warm.result.readings.unreachable,
    }));
  } finally {
    await scratch.cleanUp();
  }
}

await main();
