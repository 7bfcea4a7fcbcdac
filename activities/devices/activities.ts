// The activities that touch devices (the devices task queue): configuration changes, facts,
// firmware, read-back checks. Each builds its driver from the target the workflow passes and the
// fleet's credentials from the worker's configuration, so no secret enters a workflow history.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../prisma/client.ts';
import { failureTypes } from '../../domain/failure-types.ts';
import type { configSource } from '../../domain/choices.ts';
import type { TunnelConfig } from '../../domain/render/device-config.ts';
import { compareVersions, type DeviceTarget, type TargetImage } from '../../domain/site-plan.ts';
import type { PostCheck } from '../../domain/post-checks.ts';
import { applyConfiguration as applyChange, failedChecks } from './change.ts';
import type { CommitSummary, DeviceAccounts, DeviceDriver, DeviceFacts, Transports } from './drivers/contract.ts';
import { commitLog } from './drivers/junos-commits.ts';
import { changeScope, rebuildsUnambiguously } from '../../domain/config-delta.ts';
import { configurationContent, configurationSha256, incrementsPerWhole } from '../../inventory/config-history.ts';
import { driverFor } from './drivers/registry.ts';
import { netconfTarget } from './drivers/targets.ts';
import { DeviceError } from './errors.ts';
import { toApplicationFailure } from './failures.ts';
import { createDeviceSecrets } from './secrets.ts';
import type { DeviceState } from '../../domain/device-state.ts';
import { credentialsBox, deviceCredentials, rotationLogin, type OpenedCredentials } from '../../inventory/credentials.ts';
import { SecretBoxError, type SecretBox } from '../../runtime/secret-box.ts';
import { isDeterministicDatabaseError } from '../database-refusals.ts';

export interface DeviceCredentials {
  username: string;
  password: string;
  community: string;
}

export interface DeviceActivityDependencies {
  prisma: PrismaClient;
  transports: Transports;
  /** The fleet's credentials: for a device with no credential profile of its own or its tenant's. */
  credentials: DeviceCredentials;
  /** The deployment's key: IKE pre-shared keys are derived from it, device credential profiles opened with it. */
  secretsKey: Buffer;
  /** Where devices download images from: the API's public URL. */
  imageBaseUrl: string;
}

type ConfigSource = (typeof configSource.values)[number];

export interface PushConfigurationInput {
  target: DeviceTarget;
  config: string;
  mode: 'merge' | 'replace';
  /** Whose accounts a replace leaves the device with (default: the configuration's where it names them). */
  accounts?: DeviceAccounts;
  /** Names this change on the device, so a retry finishes it instead of doing it twice. */
  persist: string;
  checks: PostCheck[];
  source: ConfigSource;
  workflowId: string;
  confirmTimeoutSeconds?: number;
}

export interface RecordConfigurationInput {
  target: DeviceTarget;
  source: ConfigSource;
  workflowId: string;
  /**
   * The change just applied, when a merge: its version may be recorded as an increment (what the
   * merge touched, read back) instead of the whole configuration read again. Runs started before
   * this was passed record the whole configuration, as then.
   */
  change?: Pick<PushConfigurationInput, 'config' | 'mode' | 'persist'>;
  /** The earlier version a rollback brought back, which the new version says it restores. */
  restoredVersion?: number;
}

/** A version on record pushed back to the device whole (a rollback, or intent re-applied over a drift). */
export interface RestoreConfigurationInput {
  target: DeviceTarget;
  version: number;
  persist: string;
  checks: PostCheck[];
  workflowId: string;
  confirmTimeoutSeconds?: number;
}

/**
 * A change made on the device: whether it changed, when its confirmed commit answered (epoch ms,
 * the worker's clock: traffic takes the new configuration then; absent when a retry found its
 * commit made earlier), and when each step of it answered, by the driver call's name (`session`:
 * the NETCONF session open), so a run's history shows where a change's time went.
 */
export interface ConfigurationApplied {
  changed: boolean;
  committedAt?: number;
  steps?: Record<string, number>;
}

/** The last of the details of applyConfigurationsInTurn's failure: the changes made before the device that failed. */
export interface ChangesMadeBeforeFailure {
  appliedBefore: ConfigurationApplied[];
}

/** The driver, noting in `steps` when each of its calls last answered. */
function timedDriver(driver: DeviceDriver, steps: Record<string, number>): DeviceDriver {
  return new Proxy(driver, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          steps[String(key)] = Date.now();
        }
      };
    },
  });
}

/** Device errors leave as ApplicationFailure with their type; anything else as it is. */
export async function failingAsDeviceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toApplicationFailure(error);
  }
}

/** Beats while `work` runs, so a lost worker is noticed within the heartbeat timeout. */
export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), 5_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** A secret element whose value conceal did not name (no reference it knows): such a reading is not stored as it is. */
const unnamedSecret = /<([\w.:-]*(?:secret|password)[\w.-]*|ascii-text)>(?!\$secret\{)[^<]/;

/** When the device booted, by its own uptime: the worker's clock less the uptime, so the device's clock never counts. */
const bootTime = (facts: DeviceFacts) => Date.now() - facts.uptimeSeconds * 1000;

/** Two readings of one boot differ by the uptime's whole second and the readings' latency: a later boot is one beyond that. */
const bootTimeSlackMs = 2_000;

const bootedSince = (facts: DeviceFacts, bootedAt: string) => bootTime(facts) > Date.parse(bootedAt) + bootTimeSlackMs;

/** The device's credentials on record, opened (none: the fleet's apply); sealed under another key, a failure for good. */
export async function credentialsOnRecord(prisma: PrismaClient, box: SecretBox, deviceId: string): Promise<OpenedCredentials | undefined> {
  return waitingForTheDatabase(() => deviceCredentials(prisma, box, deviceId)).catch((error: unknown) => {
    if (!(error instanceof SecretBoxError)) throw error;
    throw ApplicationFailure.nonRetryable(`The credentials of device ${deviceId} do not open: ${error.message}`, failureTypes.credentialsSealedOtherwise, { deviceId });
  });
}

/**
 * A device step reads the device's credentials before it touches the device: while the database
 * does not answer, the step waits for it (heart-beating, until the activity's own timeout), rather
 * than spend on the database the few attempts its preset allows for the device — with them spent,
 * a PostgreSQL restart of two minutes failed upgrades mid-campaign. Outside an activity, or for an
 * error the database will repeat (a refusal, a secret that does not open), it fails at once.
 */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

async function waitingForTheDatabase<T>(read: () => Promise<T>): Promise<T> {
  for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await read();
    } catch (error) {
      const context = activityContext();
      if (!context || error instanceof SecretBoxError || error instanceof ApplicationFailure || isDeterministicDatabaseError(error)) throw error;
      context.heartbeat();
      await context.sleep(delayMs);
    }
  }
}

/** A device's driver, logging in with its profile's credentials, or else the fleet's. */
export function deviceDrivers(deps: Pick<DeviceActivityDependencies, 'prisma' | 'transports' | 'credentials' | 'secretsKey'>): (target: DeviceTarget) => Promise<DeviceDriver> {
  const box = credentialsBox(deps.secretsKey);
  return async (target) => driverFor({ ...target, ...(await credentialsOnRecord(deps.prisma, box, target.deviceId) ?? deps.credentials) }, deps.transports);
}

export function createDeviceActivities(deps: DeviceActivityDependencies) {
  const { prisma, transports, credentials } = deps;
  const box = credentialsBox(deps.secretsKey);
  const driver = deviceDrivers(deps);
  const secrets = createDeviceSecrets(prisma, deps.secretsKey);

  const latestVersion = (deviceId: string) => prisma.configVersion.findFirst({ where: { deviceId }, orderBy: { version: 'desc' }, select: { version: true, sha256: true, commitMarker: true } });

  /**
   * Records the running configuration as the device's next version, unless it is the version on
   * record already; `commitMarker`: the device's newest commit, read before the configuration.
   */
  async function recordVersion(deviceId: string, running: string, source: ConfigSource, workflowId: string, restoredVersion?: number, commitMarker?: string): Promise<number> {
    const digest = configurationSha256(running);
    const latest = await latestVersion(deviceId);
    // An increment keeps no digest of its own: its content rebuilt says whether this is it again.
    const latestDigest = latest && (latest.sha256 ?? configurationSha256(await configurationContent(prisma, deviceId, latest.version) ?? ''));
    if (latest && latestDigest === digest) return latest.version;
    const version = (latest?.version ?? 0) + 1;
    await prisma.configVersion.create({ data: { deviceId, version, source, content: running, sha256: digest, workflowId, restoredVersion: restoredVersion ?? null, commitMarker: commitMarker ?? null } });
    return version;
  }

  /**
   * A merge's version as an increment over the version before it: the merge's scope read back
   * from the device, not the whole configuration (a hub's grows with every spoke). Only when the
   * device's newest commits are this change's confirmed commit and its confirm, right after the
   * commit the version on record noted (so nothing else changed the device in between), the
   * scope rebuilds unambiguously and no secret in it stays unnamed; and a whole version comes
   * every `incrementsPerWhole`. Otherwise undefined, and the caller records the whole
   * configuration. The commit marker it keeps makes a retry record it once.
   */
  async function recordIncrement(device: DeviceDriver, input: RecordConfigurationInput, commits: CommitSummary[], latest: Awaited<ReturnType<typeof latestVersion>>): Promise<number | undefined> {
    const { change } = input;
    const scope = change?.mode === 'merge' ? changeScope(change.config) : undefined;
    if (!change || !scope || !latest?.commitMarker) return undefined;
    const [confirm, committed, before] = commits;
    const followsLatest = confirm?.log === `${commitLog(change.persist)} confirmed` && committed?.log === commitLog(change.persist) && before?.marker === latest.commitMarker;
    if (!followsLatest) return undefined;
    const { deviceId } = input.target;
    const lastWhole = await prisma.configVersion.findFirst({ where: { deviceId, content: { not: null } }, orderBy: { version: 'desc' }, select: { version: true } });
    if (!lastWhole || latest.version - lastWhole.version + 1 >= incrementsPerWhole) return undefined;
    const read = await secrets.conceal(deviceId, await device.runningConfig({ scope }));
    if (unnamedSecret.test(read) || !rebuildsUnambiguously(scope, read)) return undefined;
    const version = latest.version + 1;
    await prisma.configVersion.create({
      data: {
        deviceId, version, source: input.source, workflowId: input.workflowId, restoredVersion: input.restoredVersion ?? null,
        baseVersion: latest.version, changeScope: scope, changedContent: read, commitMarker: confirm.marker,
      },
    });
    return version;
  }

  /**
   * The drivers of one activity's devices, each opened once (its credentials read once) for all
   * the activity does with it: a change and its record.
   */
  function openedOnce(): (target: DeviceTarget) => Promise<DeviceDriver> {
    const opened = new Map<string, Promise<DeviceDriver>>();
    return (target) => {
      const known = opened.get(target.deviceId);
      if (known) return known;
      const opening = driver(target);
      opened.set(target.deviceId, opening);
      return opening;
    };
  }

  /** The change itself, idempotent by its token: a retry finds its own pending commit, or nothing left to change. */
  async function changeDevice(input: PushConfigurationInput, open = driver): Promise<ConfigurationApplied> {
    const steps: Record<string, number> = { started: Date.now() };
    const untimed = await open(input.target);
    steps.credentials = Date.now();
    // The session first, on its own (the pool's, when one is open): the time a change spends
    // opening it shows apart from the device's own work, and whether it had to.
    const target = netconfTarget(untimed.connection);
    const held = transports.netconf.holds(target);
    if (!held) steps.sessionOpening = steps.credentials;
    // Opened ahead (a poller suspected the device) but its handshake not done yet.
    if (held === 'opening') steps.sessionAwaited = steps.credentials;
    await transports.netconf.withSession(target, async () => undefined);
    steps.session = Date.now();
    const device = timedDriver(untimed, steps);
    const { changed } = await applyChange(device, {
      config: await secrets.reveal(input.target.deviceId, input.config),
      mode: input.mode,
      ...(input.accounts ? { accounts: input.accounts } : {}),
      persist: input.persist,
      checks: input.checks,
      confirmTimeoutSeconds: input.confirmTimeoutSeconds ?? 120,
    }, (message, details) => Context.current().log.warn(message, { ...details, workflowId: input.workflowId }));
    return { changed, ...(steps.commitConfirmed !== undefined ? { committedAt: steps.commitConfirmed } : {}), steps };
  }

  /**
   * What the device runs, recorded as its next version: none when the device's newest commit is
   * the one the version on record noted (nothing committed since: a retry, or no change), an
   * increment where recordIncrement can, else whole unless the version on record has its sha256.
   */
  async function recordRunning(input: RecordConfigurationInput, open = driver): Promise<{ version: number }> {
    const { deviceId } = input.target;
    const device = await open(input.target);
    const commits = device.recentCommits ? await device.recentCommits() : [];
    const newest = commits[0] ?? (device.newestCommit ? await device.newestCommit() : undefined);
    const latest = await latestVersion(deviceId);
    if (latest && newest && latest.commitMarker === newest.marker) return { version: latest.version };
    const increment = await recordIncrement(device, input, commits, latest);
    if (increment !== undefined) return { version: increment };
    const running = await secrets.conceal(deviceId, await device.runningConfig());
    return { version: await recordVersion(deviceId, running, input.source, input.workflowId, input.restoredVersion, newest?.marker) };
  }

  /** Reads the device back until every check holds; past `until`, fails for good naming what does not hold. Stops when `stopped`. */
  async function verified(input: { target: DeviceTarget; checks: PostCheck[] }, until: number, stopped: AbortSignal): Promise<void> {
    const device = await driver(input.target);
    for (;;) {
      const failures = await failedChecks(device, input.checks);
      if (failures.length === 0) return;
      if (Date.now() > until) {
        throw ApplicationFailure.nonRetryable(`${input.target.serial}: ${failures.join('; ')}`, failureTypes.verificationFailed, { serial: input.target.serial, failures });
      }
      await sleep(1_000, undefined, { signal: stopped });
    }
  }

  return {
    /**
     * One configuration change on the device, and nothing else: confirmed commit, post-checks,
     * confirm (or roll back). Its record is recordConfiguration's, a separate activity retried
     * until the database is back: a database outage never fails, nor repeats, a change.
     */
    async applyConfiguration(input: PushConfigurationInput): Promise<ConfigurationApplied> {
      return failingAsDeviceErrors(() => heartbeating(() => changeDevice(input)));
    },

    /**
     * applyConfiguration of several devices in turn, in one activity (one round trip through the
     * task queue for a site, not one per device), stopping at the first that fails. The changes
     * made are kept in the heartbeat, so a retry goes on from the device that failed; a failure
     * after a change was made says which in its last detail (ChangesMadeBeforeFailure), for the
     * caller to record them. Given `records` (one per change), all changes made are recorded here
     * too, saving the caller recordConfigurations' round trip; when recording fails (the database
     * away), the answer has no `versions` and the caller records by that activity, retried until
     * the database is back: the change is never failed, nor repeated, for its record.
     */
    async applyConfigurationsInTurn(input: { changes: PushConfigurationInput[]; records?: RecordConfigurationInput[] }): Promise<{ applied: ConfigurationApplied[]; versions?: number[] }> {
      const context = Context.current();
      const applied = [...((context.info.heartbeatDetails as ChangesMadeBeforeFailure | undefined)?.appliedBefore ?? [])];
      const beat = () => context.heartbeat({ appliedBefore: applied } satisfies ChangesMadeBeforeFailure);
      beat();
      const beating = setInterval(beat, 5_000);
      const open = openedOnce();
      try {
        for (const change of input.changes.slice(applied.length)) {
          try {
            applied.push(await changeDevice(change, open));
          } catch (error) {
            const failure = toApplicationFailure(error);
            if (applied.length === 0) throw failure;
            const known = failure instanceof ApplicationFailure ? failure : undefined;
            throw ApplicationFailure.create({
              message: (failure as Error).message, type: known?.type ?? undefined, nonRetryable: known?.nonRetryable ?? false, cause: failure as Error,
              details: [...(known?.details ?? []), { appliedBefore: applied } satisfies ChangesMadeBeforeFailure],
            });
          }
          beat();
        }
        if (!input.records) return { applied };
        try {
          return { applied, versions: await Promise.all(input.records.map(async (record) => (await recordRunning(record, open)).version)) };
        } catch (error) {
          context.log.warn('the changes are made but not recorded yet: recorded apart', { error: (error as Error).message });
          return { applied };
        }
      } finally {
        clearInterval(beating);
      }
    },

    /**
     * Pushes a version on record back to the device, replacing what it runs, by confirmed commit
     * with post-checks (as applyConfiguration). The content is read here, not carried by the
     * workflow: a configuration stays out of run histories. A version not on record fails for good.
     * The device keeps the accounts it runs: a version from before a credential rotation would
     * otherwise take away the login Branchline now uses (and bring back the one rotated away).
     */
    async restoreConfiguration(input: RestoreConfigurationInput): Promise<{ changed: boolean }> {
      return failingAsDeviceErrors(() => heartbeating(async () => {
        const { deviceId } = input.target;
        const content = await configurationContent(prisma, deviceId, input.version);
        if (content === null) {
          throw ApplicationFailure.nonRetryable(`Device ${deviceId} has no configuration version ${input.version}.`, failureTypes.configVersionNotFound, { deviceId, version: input.version });
        }
        return changeDevice({ ...input, config: content, mode: 'replace', accounts: 'running', source: 'rollback' });
      }));
    },

    /**
     * Records the device's running configuration as a version, when it differs from the last one
     * (by sha256): a retry, or a change whose record was lost, records it once.
     */
    async recordConfiguration(input: RecordConfigurationInput): Promise<{ version: number }> {
      return failingAsDeviceErrors(() => recordRunning(input));
    },

    /** recordConfiguration of several devices in one activity (a site's, once all its changes are made). */
    async recordConfigurations(input: { records: RecordConfigurationInput[] }): Promise<{ versions: number[] }> {
      return failingAsDeviceErrors(async () => ({ versions: await Promise.all(input.records.map(async (record) => (await recordRunning(record)).version)) }));
    },

    /**
     * The change and its record in one activity, as runs started before the two were apart
     * still call it (workflows/configuration-change.ts); new runs do not.
     */
    async pushConfiguration(input: PushConfigurationInput): Promise<{ changed: boolean; version: number }> {
      const open = openedOnce();
      return failingAsDeviceErrors(() => heartbeating(async () => ({ ...await changeDevice(input, open), ...await recordRunning(input, open) })));
    },

    /**
     * What a change would do on the device, without doing it: under the NETCONF lock, loads it into
     * the candidate, reads the device's own diff, and discards the candidate.
     */
    async previewConfiguration(input: { target: DeviceTarget; config: string; mode: 'merge' | 'replace' }): Promise<{ diff: string }> {
      return failingAsDeviceErrors(async () => {
        const device = await driver(input.target);
        await device.lock();
        try {
          await device.loadCandidate(await secrets.reveal(input.target.deviceId, input.config), input.mode);
          const diff = await device.diff();
          await device.discard();
          return { diff: await secrets.conceal(input.target.deviceId, diff) };
        } finally {
          await device.unlock();
        }
      });
    },

    /** Reads the running configuration and records it as the device's next version (when it differs). */
    async captureConfiguration(input: { target: DeviceTarget; workflowId: string }): Promise<{ version: number; content: string }> {
      return failingAsDeviceErrors(async () => {
        const content = await secrets.conceal(input.target.deviceId, await (await driver(input.target)).runningConfig());
        return { version: await recordVersion(input.target.deviceId, content, 'rma', input.workflowId), content };
      });
    },

    /** The tunnels a hub or mesh peer holds to `peer`, as configured there. */
    async readTunnelsTo(input: { target: DeviceTarget; peer: string }): Promise<TunnelConfig[]> {
      return failingAsDeviceErrors(async () => (await driver(input.target)).tunnelsTo(input.peer));
    },

    /**
     * Brings the device up to `image` when it runs an older version, and waits until it is back
     * on it; answers the version it runs. A retry after the install finds the device on the
     * version already and only waits. A device that is not the `model` planned is refused first.
     */
    async upgradeFirmwareIfOlder(input: { target: DeviceTarget; image?: TargetImage; model?: string }): Promise<{ version: string; upgraded: boolean }> {
      return failingAsDeviceErrors(() => heartbeating(async () => {
        const device = await driver(input.target);
        const facts = await device.facts();
        // The image and the configuration to come are for the model planned: another model gets neither.
        if (input.model !== undefined && facts.model !== input.model) {
          throw ApplicationFailure.nonRetryable(`${input.target.serial} reports that it is a ${facts.model}, not the ${input.model} planned.`,
            failureTypes.deviceModelMismatch, { serial: input.target.serial, reported: facts.model, planned: input.model });
        }
        const running = facts.softwareVersion;
        const { image } = input;
        if (!image || compareVersions(running, image.version) >= 0) return { version: running, upgraded: false };
        await device.installImage({ url: `${deps.imageBaseUrl}/api/v1/images/${image.sha256}`, sha256: image.sha256, reboot: true, version: image.version });
        const context = Context.current();
        for (;;) {
          await sleep(1_000, undefined, { signal: context.cancellationSignal });
          const facts = await device.facts().catch(() => undefined); // rebooting: not answering is expected
          if (facts?.softwareVersion === image.version) return { version: facts.softwareVersion, upgraded: true };
        }
      }));
    },

    /** What the device reports now, for the device and site pages: its facts and each interface's state. */
    async readDeviceState(input: { target: DeviceTarget }): Promise<DeviceState> {
      return failingAsDeviceErrors(async () => {
        const device = await driver(input.target);
        const [facts, interfaces] = await Promise.all([device.facts(), device.interfaces()]);
        return {
          hostName: facts.hostName, model: facts.model, serial: facts.serial, softwareVersion: facts.softwareVersion, uptimeSeconds: facts.uptimeSeconds,
          interfaces: interfaces.map((i) => ({ name: i.name, adminUp: i.adminUp, operUp: i.operUp, addresses: i.addresses ?? [] })),
          readAt: new Date().toISOString(),
        };
      });
    },

    /** What an upgrade checks before it starts and compares after: version, room for the image, what is up. */
    async readUpgradeBaseline(input: { target: DeviceTarget }): Promise<UpgradeBaseline> {
      return failingAsDeviceErrors(async () => {
        const device = await driver(input.target);
        const [facts, interfaces] = await Promise.all([device.facts(), device.interfaces()]);
        return {
          version: facts.softwareVersion,
          storageFreeBytes: facts.storageFreeBytes ?? null,
          up: interfaces.filter((i) => i.operUp).map((i) => i.name),
        };
      });
    },

    /**
     * Copies the image onto the device, checks its sha256 there, and installs it to take effect at
     * the next reboot. A retry that finds the device running the image already does nothing.
     */
    async stageImage(input: { target: DeviceTarget; image: TargetImage & { sizeBytes?: number } }): Promise<{ version: string }> {
      return failingAsDeviceErrors(() => heartbeating(async () => {
        const device = await driver(input.target);
        const { image } = input;
        if ((await device.facts()).softwareVersion === image.version) return { version: image.version };
        const installed = await device.installImage({
          url: `${deps.imageBaseUrl}/api/v1/images/${image.sha256}`, sha256: image.sha256, reboot: false, version: image.version, ...(image.sizeBytes !== undefined ? { sizeBytes: image.sizeBytes } : {}),
        });
        // A device that does not say which version it staged has staged the one asked for (its sha256 was checked).
        return { version: installed.version || image.version };
      }));
    },

    /** When the device last booted (by its uptime), to reboot it once and know it came back from that reboot. */
    async readBootTime(input: { target: DeviceTarget }): Promise<{ bootedAt: string }> {
      return failingAsDeviceErrors(async () => ({ bootedAt: new Date(bootTime(await (await driver(input.target)).facts())).toISOString() }));
    },

    /**
     * Reboots the device. Given when it booted before (readBootTime), a retry that finds it booted
     * since then does not reboot it again: the earlier attempt's reboot happened.
     */
    async rebootDevice(input: { target: DeviceTarget; bootedAt?: string }): Promise<void> {
      return failingAsDeviceErrors(async () => {
        const device = await driver(input.target);
        if (input.bootedAt !== undefined && bootedSince(await device.facts(), input.bootedAt)) return;
        await device.reboot();
      });
    },

    /**
     * Makes `version` the software the device boots next, without rebooting it: with the version
     * it runs, withdraws a staged install; with the one before, rolls back to it. A software
     * rollback toggles (a pending install is withdrawn, else the previous software is brought
     * back), so it is asked until the device answers that `version` boots next: at most twice,
     * and a retry is as safe.
     */
    async setNextBootSoftware(input: { target: DeviceTarget; version: string }): Promise<{ version: string }> {
      return failingAsDeviceErrors(async () => {
        const device = await driver(input.target);
        const running = (await device.facts()).softwareVersion;
        for (let ask = 0; ask < 2; ask++) {
          const next = await device.rollbackImage({ reboot: false }).catch((error: unknown) => {
            // Nothing staged and no software before it: what runs boots next.
            if (input.version === running && error instanceof DeviceError && error.kind === 'rejected') return { version: running };
            throw error;
          });
          if (next.version === input.version) return next;
        }
        throw new DeviceError('rejected', `${input.target.serial}: its software rollback does not make ${input.version} the next to boot`);
      });
    },

    /** Rolls the device back to the software it ran before the last install (it reboots itself): runs in flight still call it. */
    async rollBackImage(input: { target: DeviceTarget }): Promise<{ version: string }> {
      return failingAsDeviceErrors(async () => (await driver(input.target)).rollbackImage());
    },

    /**
     * Waits until the device answers again, running `version`, booted after `bootedAfter` (its boot
     * time before the reboot, readBootTime), so the reboot really happened, however fast. Runs
     * started before that give `rebootedAt`, the worker's time once the reboot was asked for.
     */
    async waitUntilBack(input: { target: DeviceTarget; version: string; bootedAfter?: string; rebootedAt?: string }): Promise<{ version: string; uptimeSeconds: number }> {
      return failingAsDeviceErrors(() => heartbeating(async () => {
        const device = await driver(input.target);
        const context = Context.current();
        const rebooted = (facts: DeviceFacts) => input.bootedAfter !== undefined
          ? bootedSince(facts, input.bootedAfter)
          : facts.uptimeSeconds <= (Date.now() - Date.parse(input.rebootedAt ?? '')) / 1000 + 1;
        for (;;) {
          await sleep(1_000, undefined, { signal: context.cancellationSignal });
          const facts = await device.facts().catch(() => undefined); // rebooting: not answering is expected
          if (facts && facts.softwareVersion === input.version && rebooted(facts)) {
            return { version: facts.softwareVersion, uptimeSeconds: facts.uptimeSeconds };
          }
        }
      }));
    },

    /**
     * Logs in to the device as a credential rotation's new user, in a session of its own (never
     * one opened with other credentials), and reads its facts. A refused login fails for good.
     */
    async verifyLogin(input: { target: DeviceTarget; rotationId: string }): Promise<{ hostName: string }> {
      return failingAsDeviceErrors(async () => {
        // SNMP as on record; NETCONF as the new user alone (no key on record to fall back on).
        const { privateKey: _onRecord, ...polling }: Partial<OpenedCredentials> & DeviceCredentials = await credentialsOnRecord(prisma, box, input.target.deviceId) ?? credentials;
        const device = driverFor({ ...input.target, ...polling, ...(await rotationLogin(prisma, box, input.rotationId)) }, transports);
        return { hostName: (await device.facts()).hostName };
      });
    },

    /** The login users of the device's running configuration, by name. */
    async readLoginUsers(input: { target: DeviceTarget }): Promise<string[]> {
      return failingAsDeviceErrors(async () => (await driver(input.target)).loginUsers());
    },

    /**
     * Reads the device back until every check holds, for up to `waitUpToSeconds` (tunnels take a
     * moment to come up); then fails for good, naming what does not hold.
     */
    async verifyDevice(input: { target: DeviceTarget; checks: PostCheck[]; waitUpToSeconds: number }): Promise<{ verified: true }> {
      await failingAsDeviceErrors(() => heartbeating(() => verified(input, Date.now() + input.waitUpToSeconds * 1000, new AbortController().signal)));
      return { verified: true };
    },

    /**
     * verifyDevice of several devices side by side, in one activity (one round trip through the
     * task queue for a site and its hubs, not one per device). The first device whose checks do not
     * hold in time fails it for good, naming what does not hold, and stops the others' readings.
     */
    async verifyDevices(input: { devices: { target: DeviceTarget; checks: PostCheck[] }[]; waitUpToSeconds: number }): Promise<{ verified: number }> {
      const until = Date.now() + input.waitUpToSeconds * 1000;
      const stop = new AbortController();
      await failingAsDeviceErrors(() => heartbeating(() => Promise.all(input.devices.map((device) => verified(device, until, stop.signal).catch((error: unknown) => {
        stop.abort();
        throw error;
      })))));
      return { verified: input.devices.length };
    },
  };
}

export interface UpgradeBaseline {
  version: string;
  storageFreeBytes: number | null;
  /** Interfaces and tunnels up before the upgrade: they must be up again after it. */
  up: string[];
}

export type DeviceActivities = ReturnType<typeof createDeviceActivities>;
