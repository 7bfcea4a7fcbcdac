// The two things every fault test asserts, whatever the fault: no run lost (each run the case
// started is found in Temporal and ended as expected, and every run summary in PostgreSQL says
// what Temporal says), and no device changed twice or left half-configured (its commit journal,
// installs and reboots, no confirmed commit waiting, its running configuration the last version on
// record, its change lease free).
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { serialize } from '../activities/devices/netconf/xml.ts';
import { asJunosKeepsIt } from '../activities/devices/drivers/junos.ts';
import { createDeviceSecrets } from '../activities/devices/secrets.ts';
import { diffConfigs } from '../domain/config-diff.ts';
import { createDeviceLeases } from '../activities/leases.ts';
import type { JournalEntry } from '../simulator/config-store.ts';
import type { Lab } from './lab.ts';
import { configurationContent } from '../inventory/config-history.ts';

/** Temporal's status of a run, as its run summary spells it. */
const summaryStatus: Record<string, string> = {
  RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'terminated', TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

/**
 * Whether a summary agrees with Temporal: open while the run is, closed once it is. A run that
 * returns may close its summary as it judges its outcome (a halted campaign completes as a run and
 * is summarised failed); one that Temporal ended otherwise is summarised as Temporal says.
 */
function agrees(summary: string, temporal: string): boolean {
  if (temporal === 'COMPLETED') return summary !== 'running';
  return summaryStatus[temporal] === summary;
}

export interface DeviceExpectation {
  /** Branchline changes confirmed since the journal's entry at this index (0: ever). */
  changes?: number;
  journalFrom?: number;
  /** Images installed and reboots since the simulator started. */
  installs?: number;
  reboots?: number;
}

export interface FaultInvariants {
  /** The runs the case started: each must be found and end with this status (COMPLETED unless said). */
  runs: (string | { workflowId: string; status: string })[];
  /** The boxes the case touched, and what it expects of each beyond the invariants. */
  devices: Record<string, DeviceExpectation>;
  /** How long the runs get to end (they are usually over already). */
  timeoutMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A change's commit names it in its log: `branchline <token>`, then `… confirmed` or `… rolled back`. */
const changeToken = (entry: JournalEntry) => /^branchline (\S+)$/.exec(entry.log ?? '')?.[1];

/**
 * What is wrong with one box's commit journal: a change committed again after it was confirmed,
 * one that changed nothing, or one neither confirmed nor rolled back (a change the box reverted —
 * power lost, confirm timeout — may be committed again: it is not running).
 */
export function journalProblems(journal: JournalEntry[]): string[] {
  const problems: string[] = [];
  const confirmed = new Set<string>();
  journal.forEach((entry, index) => {
    const token = changeToken(entry);
    if (entry.kind !== 'confirmed-commit' || !token) return;
    if (confirmed.has(token)) problems.push(`change ${token} committed again after its confirm`);
    if (!entry.changed) problems.push(`change ${token} committed again what was running already`);
    const next = journal[index + 1];
    if (next?.log === `branchline ${token} confirmed`) confirmed.add(token);
    else if (!next || (next.kind !== 'revert' && next.log !== `branchline ${token} rolled back`)) {
      problems.push(`change ${token} followed by ${next ? `${next.kind} "${next.log ?? ''}"` : 'nothing'}: neither confirmed nor rolled back`);
    }
  });
  return problems;
}

/** The changes a journal shows confirmed. */
export const confirmedChanges = (journal: JournalEntry[]) => journal.filter((entry) => /^branchline \S+ confirmed$/.test(entry.log ?? '')).length;

async function runStatus(lab: Lab, workflowId: string): Promise<string> {
  try {
    return (await lab.client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT FOUND';
    throw error;
  }
}

/** No run lost: each run ended as expected, and every run summary agrees with Temporal (the last write may lag its run a moment). */
async function assertNoRunLost(lab: Lab, invariants: FaultInvariants): Promise<void> {
  const deadline = Date.now() + (invariants.timeoutMs ?? 120_000);
  for (const run of invariants.runs) {
    const { workflowId, status } = typeof run === 'string' ? { workflowId: run, status: 'COMPLETED' } : run;
    let actual = await runStatus(lab, workflowId);
    while (actual === 'RUNNING' && status !== 'RUNNING' && Date.now() < deadline) {
      await pause(500);
      actual = await runStatus(lab, workflowId);
    }
    assert.equal(actual, status, `run ${workflowId}`);
  }
  let disagreements: string[] = [];
  do {
    const summaries = await lab.prisma.runSummary.findMany({ select: { workflowId: true, status: true } });
    disagreements = [];
    for (const summary of summaries) {
      const temporal = await runStatus(lab, summary.workflowId);
      if (!agrees(summary.status, temporal)) disagreements.push(`${summary.workflowId}: summary ${summary.status}, Temporal ${temporal}`);
    }
    // The case's own runs are summarised exactly as they ended.
    const summarised = new Map(summaries.map((summary) => [summary.workflowId, summary.status]));
    for (const run of invariants.runs) {
      const { workflowId, status } = typeof run === 'string' ? { workflowId: run, status: 'COMPLETED' } : run;
      if (summarised.get(workflowId) !== summaryStatus[status]) disagreements.push(`${workflowId}: summary ${summarised.get(workflowId) ?? 'missing'}, expected ${summaryStatus[status]}`);
    }
    if (disagreements.length) await pause(500);
  } while (disagreements.length && Date.now() < deadline);
  assert.deepEqual(disagreements, [], 'run summaries agree with Temporal');
}

/** Nothing done twice, nothing half-done, on one box. */
async function assertDeviceSettled(lab: Lab, serial: string, expected: DeviceExpectation): Promise<void> {
  const box = lab.fleet.device(serial);
  assert.ok(box, `no simulated box ${serial}`);
  const journal = box.store.journal.slice(expected.journalFrom ?? 0);
  assert.deepEqual(journalProblems(journal), [], `${serial}'s commit journal`);
  if (expected.changes !== undefined) {
    assert.equal(confirmedChanges(journal), expected.changes, `${serial}: Branchline changes confirmed`);
  }
  assert.equal(box.store.confirmPending, undefined, `${serial}: a confirmed commit waits for its confirm`);
  assert.equal(box.pendingVersion, null, `${serial}: software installed but not booted`);
  if (expected.installs !== undefined) assert.equal(box.installs, expected.installs, `${serial}: images installed`);
  if (expected.reboots !== undefined) assert.equal(box.reboots, expected.reboots, `${serial}: reboots`);

  // A retired box (its site decommissioned) is reset to factory defaults: no version describes it.
  const device = await lab.prisma.device.findFirst({
    where: { serial, status: { not: 'retired' } },
    select: { id: true, configVersions: { orderBy: { version: 'desc' }, take: 1, select: { version: true, content: true } } },
  });
  const latest = device?.configVersions[0];
  if (device && latest) {
    const running = await createDeviceSecrets(lab.prisma, lab.secretsKey).conceal(device.id, asJunosKeepsIt(serialize(box.store.running)));
    assert.equal(diffConfigs(await configurationContent(lab.prisma, device.id, latest.version) ?? '', running), '', `${serial} runs what version ${latest.version} on record says`);
  }

  const lease = await createDeviceLeases({ prisma: lab.prisma, client: lab.client }).describe(serial);
  assert.deepEqual({ holder: lease.holder, waiting: lease.waiting }, { holder: null, waiting: [] }, `${serial}'s change lease is free`);
}

/** Asserts both invariants of the fault suite; call once the case's runs have ended (or are about to). */
export async function assertFaultInvariants(lab: Lab, invariants: FaultInvariants): Promise<void> {
  await assertNoRunLost(lab, invariants);
  for (const [serial, expected] of Object.entries(invariants.devices)) await assertDeviceSettled(lab, serial, expected);
}
