// A configuration change as a state machine (STYLE, from napalm and JSNAPy): lock → load → diff →
// nothing to do: discard, changed false → confirmed commit → post-checks → confirm, or roll back.
// A retry that finds its earlier attempt committed but unconfirmed goes straight to the checks.
// The lock is released on every path.
import { DeviceError } from './errors.ts';
import type { DeviceDriver } from './drivers/contract.ts';
import type { PostCheck } from '../../domain/post-checks.ts';

export async function failedChecks(driver: DeviceDriver, checks: PostCheck[]): Promise<string[]> {
  if (checks.length === 0) return [];
  const needs = new Set(checks.map((check) => check.kind));
  const [interfaces, probes, facts] = await Promise.all([
    needs.has('interface-up') ? driver.interfaces() : [],
    needs.has('probe-up') ? driver.probes() : [],
    needs.has('version') ? driver.facts() : undefined,
  ]);
  return checks.flatMap((check) => {
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
    }
  });
}

export interface ConfigChangeInput {
  config: string;
  mode: 'merge' | 'replace';
  confirmTimeoutSeconds: number;
  /** A token naming this change, so that any session (after a retry, another worker) can confirm or cancel it. */
  persist: string;
  checks: PostCheck[];
}

export async function applyConfiguration(driver: DeviceDriver, input: ConfigChangeInput): Promise<{ changed: boolean; diff: string }> {
  await driver.lock();
  try {
    // Asked under the lock, so no other session can touch the candidate that a confirm commits.
    const pending = await driver.pendingCommit();
    if (pending?.persist === input.persist) {
      // An earlier attempt of this very change committed and was lost before confirming: check
      // and confirm that commit rather than revert and commit again, so the device commits once.
      // Its diff died with that attempt: the result says changed with an empty diff.
      await driver.discard(); // a confirm commits the candidate too: make it exactly what was committed
      await confirmOrRollBack(driver, input);
      return { changed: true, diff: '' };
    }
    await driver.loadCandidate(input.config, input.mode);
    const diff = await driver.diff();
    if (!diff) {
      await driver.discard();
      return { changed: false, diff };
    }
    try {
      await driver.commitConfirmed({ confirmTimeoutSeconds: input.confirmTimeoutSeconds, persist: input.persist });
    } catch (error) {
      await driver.discard().catch(() => undefined); // a refused commit leaves nothing behind in the candidate
      throw error;
    }
    await confirmOrRollBack(driver, input);
    return { changed: true, diff };
  } finally {
    await driver.unlock().catch(() => undefined);
  }
}

/** The committed change stays only if the post-checks hold. */
async function confirmOrRollBack(driver: DeviceDriver, input: ConfigChangeInput): Promise<void> {
  const failures = await failedChecks(driver, input.checks).catch((error: Error) => [`post-checks could not run: ${error.message}`]);
  if (failures.length > 0) {
    await driver.rollback(input.persist);
    throw new DeviceError('rejected', `${driver.connection.serial}: the change was rolled back, post-checks failed: ${failures.join('; ')}`, { failures });
  }
  await driver.confirm(input.persist);
}
