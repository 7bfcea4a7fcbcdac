// One device to new software, or back where it was. Under the device's lease: pre-checks (the site
// is in service and idle, the device answers, runs another version, has room for the image) →
// stage (download, sha256 checked on the device) → reboot → back (uptime reset, new version) →
// post-checks (every interface and tunnel up before is up again). A failure after staging rolls
// the device back to its previous software and fails the run saying why.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import { patched, takePatchBatch } from './patches.ts';
import type { DeviceActivities } from '../activities/devices/activities.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity, deviceReadActivity, deviceWriteActivity } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { withDeviceLeases } from './lease.ts';
import { describeFailure, StepLog } from './steps.ts';
import { type UpgradeDeviceInput, type UpgradeDeviceResult, type UpgradeProgress, upgradeProgressQuery } from './upgrade-device.messages.ts';

/** How long interfaces and tunnels get to come back up after the reboot before the upgrade is judged bad. */
const postCheckWaitSeconds = 30;

/** Enough room for the image and its unpacking, as vendors ask for. */
const storageFactor = 2;

export async function upgradeDevice(input: UpgradeDeviceInput): Promise<UpgradeDeviceResult> {
  takePatchBatch();
  const sites = proxyActivities<SiteActivities>(databaseActivity);
  const reads = proxyActivities<DeviceActivities>(deviceReadActivity);
  const writes = proxyActivities<DeviceActivities>(deviceWriteActivity);
  const { workflowId, runId } = workflowInfo();
  const { image } = input;
  const steps = new StepLog([
    { name: 'pre-checks', label: 'Pre-checks' },
    { name: 'stage', label: `Stage ${image.version}` },
    { name: 'reboot', label: 'Reboot' },
    { name: 'back', label: 'Wait until back' },
    { name: 'post-checks', label: 'Post-checks' },
  ]);
  const progress: UpgradeProgress = {
    deviceId: input.deviceId, hostname: '', image: image.version, state: 'running', fromVersion: null, steps: steps.steps, error: null,
  };
  setHandler(upgradeProgressQuery, () => progress);
  const { hostname, siteId, tenantId, target } = await sites.loadDeviceTarget({ deviceId: input.deviceId });
  progress.hostname = hostname;
  if (!input.campaignId) {
    await sites.recordRun({ workflowId, runId, kind: 'device_upgrade', tenantId, siteId });
  }
  const close = async (status: 'completed' | 'failed' | 'cancelled', error?: string) => {
    if (!input.campaignId) await sites.closeRun({ workflowId, status, ...(error ? { error } : {}) });
  };

  try {
    const result = await withDeviceLeases([target.serial], `upgrade of ${hostname} to ${image.version}`, '30 minutes', () => upgrade());
    progress.state = 'completed';
    await close('completed');
    return result;
  } catch (error) {
    progress.error ??= describeFailure(error).message;
    progress.state = progress.state === 'rolled_back' ? 'rolled_back' : 'failed';
    // A cancelled run closes its summary all the same, and ends as cancelled.
    const cancelled = isCancellation(error);
    await CancellationScope.nonCancellable(() => close(cancelled ? 'cancelled' : 'failed', progress.error!));
    if (cancelled || error instanceof ApplicationFailure) throw error;
    // A device that stopped answering during the pre-checks: the campaign may come back to it later.
    const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
    throw ApplicationFailure.nonRetryable(progress.error, cause?.type ?? failureTypes.upgradeFailed, { deviceId: input.deviceId, rolledBack: false });
  }

  async function upgrade(): Promise<UpgradeDeviceResult> {
    const baseline = await steps.run('pre-checks', async () => {
      await sites.assertSiteIdle({ siteId });
      const found = await reads.readUpgradeBaseline({ target });
      if (found.storageFreeBytes !== null && found.storageFreeBytes < image.sizeBytes * storageFactor) {
        throw ApplicationFailure.nonRetryable(
          `${hostname} has ${found.storageFreeBytes} bytes free; ${image.version} needs ${image.sizeBytes * storageFactor}.`,
          failureTypes.upgradePreCheckFailed, { deviceId: input.deviceId },
        );
      }
      return found;
    }, (found) => `running ${found.version}, ${found.up.length} interfaces up`);
    progress.fromVersion = baseline.version;
    if (baseline.version === image.version) {
      for (const name of ['stage', 'reboot', 'back', 'post-checks']) steps.mark(name, 'skipped', `already on ${image.version}`);
      return { deviceId: input.deviceId, fromVersion: baseline.version, version: image.version, alreadyOn: true };
    }

    await sites.setDeviceStatus({ deviceId: input.deviceId, status: 'upgrading' });
    let staging = false;
    let staged = false;
    try {
      staging = true;
      await steps.run('stage', () => writes.stageImage({ target, image }), (r) => `${r.version} installed, active after the reboot`);
      staged = true;
      await rebootAndWait(image.version);
      await steps.run('post-checks', () => writes.verifyDevice({
        target, checks: baseline.up.map((name) => ({ kind: 'interface-up' as const, interface: name })), waitUpToSeconds: postCheckWaitSeconds,
      }), () => `${baseline.up.length} interfaces up again`);
    } catch (error) {
      const reason = describeFailure(error).message;
      // Patched in: a stage that failed after the package was added leaves it to activate at the next
      // reboot; only one the device refused (DeviceRejected) added nothing.
      const undo = patched('rollback-clears-staged-software') ? staged || (staging && !refusedByDevice(error)) : staged;
      // Undone whatever ended the upgrade: a cancelled run puts the device back too.
      await CancellationScope.nonCancellable(async () => {
        if (undo) await rollBack(baseline.version, reason);
        await sites.setDeviceStatus({ deviceId: input.deviceId, status: 'online', softwareVersion: baseline.version });
      });
      progress.error = undo ? `${reason} Rolled back to ${baseline.version}.` : reason;
      if (isCancellation(error)) throw error;
      throw ApplicationFailure.nonRetryable(`${hostname}: ${progress.error}`, failureTypes.upgradeFailed, { deviceId: input.deviceId, rolledBack: undo, reason });
    }
    await sites.setDeviceStatus({ deviceId: input.deviceId, status: 'online', softwareVersion: image.version });
    return { deviceId: input.deviceId, fromVersion: baseline.version, version: image.version, alreadyOn: false };
  }

  /** Reboots the device once and waits until it is back on `version`, booted after the reboot. */
  async function rebootAndWait(version: string): Promise<void> {
    // Patched in: the reboot's time is the device's boot time before it, and a retried reboot that
    // finds the device booted since does not reboot it again.
    if (!patched('reboot-timed-by-the-device')) {
      await steps.run('reboot', () => writes.rebootDevice({ target }));
      const rebootedAt = new Date().toISOString();
      await steps.run('back', () => writes.waitUntilBack({ target, version, rebootedAt }), (r) => `running ${r.version}`);
      return;
    }
    const bootedAt = await steps.run('reboot', rebootOnce);
    await steps.run('back', () => writes.waitUntilBack({ target, version, bootedAfter: bootedAt }), (r) => `running ${r.version}`);
  }

  /** Reboots the device once, even retried; answers when it booted before, which the wait for it compares with. */
  async function rebootOnce(): Promise<string> {
    const { bootedAt } = await reads.readBootTime({ target });
    await writes.rebootDevice({ target, bootedAt });
    return bootedAt;
  }

  async function rollBack(version: string, reason: string): Promise<void> {
    steps.add({ name: 'rollback', label: `Roll back to ${version}` });
    await steps.run('rollback', async () => {
      const { version: running } = await reads.readUpgradeBaseline({ target }).catch(() => ({ version: undefined }));
      if (!patched('rollback-clears-staged-software')) {
        if (running !== version) {
          await writes.rollBackImage({ target });
          await writes.waitUntilBack({ target, version, rebootedAt: new Date().toISOString() });
        }
        return;
      }
      // The old software boots next: a staged install is withdrawn, or the new software rolled back.
      await writes.setNextBootSoftware({ target, version });
      if (running !== version) await writes.waitUntilBack({ target, version, bootedAfter: await rebootOnce() });
    }, () => `back on ${version} (${reason})`);
    progress.state = 'rolled_back';
  }
}

/** A failure the device answered with a refusal (an install it would not take): nothing was changed on it. */
function refusedByDevice(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === failureTypes.deviceRejected;
}
