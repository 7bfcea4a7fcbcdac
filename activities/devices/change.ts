// A configuration change as a state machine (STYLE, from napalm and JSNAPy): lock → load → diff →
// nothing to do: discard, changed false → confirmed commit → post-checks → confirm, or roll back.
// A retry that finds its earlier attempt committed but unconfirmed (by its persist token) goes
// straight to the checks; one that finds it confirmed is done, and one that finds it reverted is
// refused, never committed again. The lock is released on every path.
import { DeviceError, lockRefusal } from './errors.ts';
import type { DeviceAccounts, DeviceDriver } from './drivers/contract.ts';
import type { PostCheck } from '../../domain/post-checks.ts';

export async function failedChecks(driver: DeviceDriver, checks: PostCheck[]): Promise<string[]> {
  return (await checkFailures(driver, checks)).flat();
}

/** What fails of each check, in order ([] for a check that holds), from one reading of the device. */
async function checkFailures(driver: DeviceDriver, checks: PostCheck[]): Promise<string[][]> {
  if (checks.length === 0) return [];
  const needs = new Set(checks.map((check) => check.kind));
  const readsSas = needs.has('tunnel-up') && !!driver.securityAssociations;
  const named = checks.flatMap((check) => (check.kind === 'interface-up' || (check.kind === 'tunnel-up' && !readsSas) ? [check.interface] : []));
  const [interfaces, probes, facts, sas] = await Promise.all([
    named.length > 0 ? driver.interfaces({ names: named }) : [],
    needs.has('probe-up') ? driver.probes() : [],
    needs.has('version') ? driver.facts() : undefined,
    readsSas ? driver.securityAssociations!() : undefined,
  ]);
  return checks.map((check) => {
    switch (check.kind) {
      case 'interface-up': {
        const found = interfaces.find((i) => i.name === check.interface);
        if (!found?.operUp) return [`interface ${check.interface} is ${found ? 'down' : 'missing'}`];
        return !check.address || found.addresses?.includes(check.address) ? [] : [`interface ${check.interface} is up without its address ${check.address}`];
      }
      case 'probe-up': {
        const found = probes.find((p) => p.link === check.link);
        return found?.up ? [] : [`WAN link ${check.link} is ${found ? 'down' : 'missing'}`];
      }
      case 'version':
        return facts?.softwareVersion === check.equals ? [] : [`software is ${facts?.softwareVersion}, not ${check.equals}`];
      case 'tunnel-up': {
        if (!sas) return interfaces.find((i) => i.name === check.interface)?.operUp ? [] : [`tunnel ${check.interface} to ${check.peer} is down`];
        const sa = sas.find((s) => s.peer === check.peer);
        return sa?.ikeUp && sa.ipsecUp ? [] : [`tunnel ${check.interface} to ${check.peer} is down (${!sa?.ikeUp ? 'no IKE SA' : 'no IPsec SA'})`];
      }
    }
  });
}

/**
 * The checks a change is judged by: its tunnels only those up before it (a peer already down is
 * no fault of the change), read before the commit. A change found committed by an earlier
 * attempt has no such reading, and is judged without its tunnels.
 */
async function checksBeforeChange(driver: DeviceDriver, checks: PostCheck[]): Promise<PostCheck[]> {
  const tunnels = checks.filter((check) => check.kind === 'tunnel-up');
  if (tunnels.length === 0) return checks;
  const failures = await checkFailures(driver, tunnels);
  const down = new Set<PostCheck>(tunnels.filter((_, index) => failures[index]!.length > 0));
  return checks.filter((check) => !down.has(check));
}

const withoutTunnels = (checks: PostCheck[]) => checks.filter((check) => check.kind !== 'tunnel-up');

export interface ConfigChangeInput {
  config: string;
  mode: 'merge' | 'replace';
  /** Whose accounts a replace leaves the device with (the driver contract's DeviceAccounts). */
  accounts?: DeviceAccounts;
  confirmTimeoutSeconds: number;
  /** A token naming this change, so that any session (after a retry, another worker) can confirm or cancel it. */
  persist: string;
  checks: PostCheck[];
}

/** Structured events of a change worth an operator's eye (the activity's logger). */
export type ChangeLog = (message: string, details: Record<string, unknown>) => void;

export async function applyConfiguration(driver: DeviceDriver, input: ConfigChangeInput, log: ChangeLog = () => undefined): Promise<{ changed: boolean; diff: string }> {
  if (await lockOrFinish(driver, input, log)) return { changed: true, diff: '' };
  try {
    // Asked under the lock, so no other session can touch the candidate that a confirm commits.
    if (await driver.pendingCommit(input.persist, input.confirmTimeoutSeconds)) {
      // An earlier attempt of this very change committed and was lost before confirming: check
      // and confirm that commit rather than let it revert and commit again, so the device commits
      // once. Its diff died with that attempt: the result says changed with an empty diff.
      await confirmOrRollBack(driver, { ...input, checks: withoutTunnels(input.checks) });
      return { changed: true, diff: '' };
    }
    const earlier = await earlierAttempt(driver, input);
    if (earlier) return earlier;
    await driver.loadCandidate(input.config, input.mode, input.accounts ? { accounts: input.accounts } : undefined);
    const diff = await driver.diff();
    if (!diff) {
      await driver.discard();
      return { changed: false, diff };
    }
    const checks = await checksBeforeChange(driver, input.checks).catch(async (error: unknown) => {
      await driver.discard().catch(() => undefined);
      throw error;
    });
    try {
      await driver.commitConfirmed({ confirmTimeoutSeconds: input.confirmTimeoutSeconds, persist: input.persist });
    } catch (error) {
      await driver.discard().catch(() => undefined); // a refused commit leaves nothing behind in the candidate
      throw error;
    }
    await confirmOrRollBack(driver, { ...input, checks });
    return { changed: true, diff };
  } finally {
    await driver.unlock().catch(() => undefined);
  }
}

/**
 * Takes the candidate lock; true when, instead, the change turned out done. A candidate left
 * with changes nobody committed (a session that died mid-edit) makes servers refuse the lock for
 * ever: it is discarded, and the lock asked again. A server may refuse the lock while a
 * confirmed commit waits for its confirm: when that commit is this change's own earlier attempt,
 * waiting would let it revert and commit it a second time, so it is checked and confirmed (or
 * rolled back) now, by its persist token, which the device refuses when the commit is not ours.
 */
async function lockOrFinish(driver: DeviceDriver, input: ConfigChangeInput, log: ChangeLog): Promise<boolean> {
  try {
    await driver.lock();
    return false;
  } catch (error) {
    const refusal = lockRefusal(error);
    if (refusal === 'candidate-dirty') {
      log('discarding the uncommitted changes left in the candidate, which block the lock', { deviceSerial: driver.connection.serial, refusal: (error as Error).message });
      await driver.discard();
      await driver.lock();
      return false;
    }
    if (refusal === 'commit-pending' && await finishOwnPendingCommit(driver, input)) return true;
    throw error;
  }
}

/** Confirms (checks holding) or rolls back the pending commit named by this change's token; false when it is not this change's. */
async function finishOwnPendingCommit(driver: DeviceDriver, input: ConfigChangeInput): Promise<boolean> {
  const refused = (error: unknown) => error instanceof DeviceError && error.kind === 'rejected';
  const failures = await failedChecks(driver, withoutTunnels(input.checks)).catch((error: Error) => [`post-checks could not run: ${error.message}`]);
  if (failures.length > 0) {
    try {
      await driver.rollback(input.persist);
    } catch (error) {
      if (refused(error)) return false;
      throw error;
    }
    throw rolledBack(driver, failures);
  }
  // A confirm commits the candidate too: make it exactly what runs (refused while another
  // session holds the lock, and then the confirm is refused as well, which is right).
  await driver.discard().catch(() => undefined);
  try {
    await driver.confirm(input.persist);
    return true;
  } catch (error) {
    if (refused(error)) return false;
    throw error;
  }
}

/**
 * What an earlier attempt of this change left, by the device's commit history: confirmed, it is
 * done; rolled back or reverted by the device, it is refused rather than applied again. A change
 * the device reverted on its own lost the device after its commit (its post-checks, confirm or
 * rollback never reached it): applying it again would cut the device off again.
 */
async function earlierAttempt(driver: DeviceDriver, input: ConfigChangeInput): Promise<{ changed: true; diff: '' } | undefined> {
  const outcome = await driver.changeOutcome?.(input.persist);
  const serial = driver.connection.serial;
  switch (outcome) {
    case 'confirmed':
      return { changed: true, diff: '' };
    case 'rolled-back':
      throw new DeviceError('rejected', `${serial}: change ${input.persist} was rolled back by an earlier attempt; it is not applied again`, { persist: input.persist });
    case 'reverted-by-device':
      throw new DeviceError('management-path-lost', `${serial} stopped answering after change ${input.persist} was committed and reverted it on its own when no confirm came: `
        + 'the change cuts the device off (its management path?) and is not applied again', { persist: input.persist });
    default:
      return undefined;
  }
}

const rolledBack = (driver: DeviceDriver, failures: string[]) =>
  new DeviceError('rejected', `${driver.connection.serial}: the change was rolled back, post-checks failed: ${failures.join('; ')}`, { failures });

/** The committed change stays only if the post-checks hold. */
async function confirmOrRollBack(driver: DeviceDriver, input: ConfigChangeInput): Promise<void> {
  const failures = await failedChecks(driver, input.checks).catch((error: Error) => [`post-checks could not run: ${error.message}`]);
  if (failures.length > 0) {
    await driver.rollback(input.persist);
    throw rolledBack(driver, failures);
  }
  await driver.confirm(input.persist);
}
