// Site onboarding (id `site-onboard/<siteId>`), a saga: validate → allocate → render → ZTP of the
// devices (side by side, in this run) → overlay (the hubs' or mesh peers' side of the tunnels) →
// policies → verify → activate → notify. Each step registers its compensation before it runs; on
// failure what was done is undone in reverse, the site is failed with the reason, and the run waits
// for the operator to retry (from the failed step: what is still in place is not redone) or to
// abort.
import {
  ApplicationFailure, CancellationScope, ChildWorkflowFailure, executeChild, isCancellation, log,
  proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { fromStart, patched, takePatchBatch } from './patches.ts';
import type { PostCheck } from '../domain/post-checks.ts';
import type { SiteActivities } from '../activities/sites.ts';
import { databaseActivity, databaseLocalActivity, localActivitiesOncePatched } from './activity-options.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { configurationChanges } from './configuration-change.ts';
import { durationMs } from './input-durations.ts';
import { policyEdit } from './apply-sla-policies.ts';
import { withDeviceLeases } from './lease.ts';
import { operatorDecisions, type OperatorDecision } from './operator-decision.ts';
import { Saga } from './saga.ts';
import { renderers } from '../domain/render/renderers.ts';
import { deviceConfigInput, devicePolicies, hubPathsFrom, peerTunnel, wanLinkChecks, type DeviceAllocations, type DeviceTarget, type PeerDevice, type PlannedDevice, type SitePlan } from '../domain/site-plan.ts';
import { onboardingRunSiteStatuses } from '../domain/choices.ts';
import type { Step, ZtpDevice } from '../domain/progress.ts';
import { describeFailure, StepLog } from './steps.ts';
import { searchAttributeKeys, taskQueues } from '../domain/task-queues.ts';
import { changeTunnels } from './tunnel-changes.ts';
import { devicesVerified, interfaceChecks } from './verification.ts';
import { provisionDevice, ztp, ztpSteps } from './ztp.ts';
import { ztpWorkflowId, type PhoneHome, type ZtpInput, type ZtpResult } from './ztp.messages.ts';
import {
  type OnboardSiteInput, type OnboardingProgress, type OnboardSiteResult, boxPhonedHomeUpdate, onboardingProgressQuery, retryOnboardingUpdate, abortOnboardingUpdate,
} from './onboard-site.messages.ts';

const stepList = [
  { name: 'validate', label: 'Validate the site' },
  { name: 'allocate', label: 'Allocate addresses and tunnel ids' },
  { name: 'render', label: 'Render device configurations' },
  { name: 'ztp', label: 'Zero-touch provisioning of the devices' },
  { name: 'overlay', label: 'Build the overlay (hub or peer side of the tunnels)' },
  { name: 'policies', label: 'Push policies' },
  { name: 'verify', label: 'Verify interfaces and tunnels on the devices' },
  { name: 'activate', label: 'Mark the site active' },
  { name: 'notify', label: 'Notify' },
];

/** A peer's side of all the site's tunnels to it, changed in one commit. */
interface PeerChange {
  peer: PeerDevice;
  add: string;
  remove: string;
  /** The peer's st0 units of these tunnels, checked up in the verify step. */
  units: number[];
}

function overlayChanges(plan: SitePlan, allocations: DeviceAllocations[], targets: Map<string, DeviceTarget>): PeerChange[] {
  return plan.peers.map((peer) => {
    const renderer = renderers.forPlatform(peer.target.platform);
    const edits = plan.devices.flatMap((device) => {
      const tunnels = allocations.find((a) => a.role === device.role)!.tunnels;
      const index = tunnels.findIndex((t) => t.peerSiteId === peer.siteId);
      const tunnel = peerTunnel(peer, { hostname: device.hostname, target: targets.get(device.id)! }, tunnels[index]!, index);
      return [{ unit: tunnel.unit, ...renderer.tunnel(tunnel, peer.wanLinks) }];
    });
    return { peer, add: edits.map((e) => e.add).join(''), remove: edits.map((e) => e.remove).join(''), units: edits.map((e) => e.unit) };
  });
}

/** What must be up on one of the site's devices once the overlay stands. */
function siteDeviceChecks(device: PlannedDevice, config: ReturnType<typeof deviceConfigInput>): PostCheck[] {
  return [...wanChecks(device), ...interfaceChecks([...config.lanSegments.map((s) => `irb.${s.vlanId}`), ...config.tunnels.map((t) => `st0.${t.unit}`)])];
}

/** The device's links that are not backup-only: up (a PPPoE link on its pp0 unit), a static one with its address. */
const wanChecks = (device: PlannedDevice): PostCheck[] => wanLinkChecks(device.wanLinks.filter((l) => device.primaryLinks.includes(l.name)));

export async function onboardSite(input: OnboardSiteInput): Promise<OnboardSiteResult> {
  takePatchBatch();
  const phoneHomeWithinMs = durationMs(input.phoneHomeWithin ?? '7 days', 'phoneHomeWithin');
  const decisionWithinMs = durationMs(input.decisionWithin ?? '30 days', 'decisionWithin');
  // The site's reads and records are short, idempotent database steps: local activities, those
  // that follow each other (run recorded, plan read, site marked) all within one workflow task.
  // Not the allocation, which may wait its turn behind other sites' claims: as a local activity it
  // would wait holding one of the worker's workflow-task slots.
  const sites = localActivitiesOncePatched<SiteActivities>('site-records-local', databaseActivity, databaseLocalActivity);
  const claims = proxyActivities<SiteActivities>(databaseActivity);
  const pushConfiguration = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const steps = new StepLog(stepList);
  const progress: OnboardingProgress = {
    siteId: input.siteId, siteName: null, state: 'running', attempt: 1, steps: steps.steps, devices: [], failedStep: null, error: null, deadline: null,
  };
  setHandler(onboardingProgressQuery, () => progress);
  const decisions = operatorDecisions({
    retry: retryOnboardingUpdate,
    abort: abortOnboardingUpdate,
    answers: { retry: () => ({ attempt: progress.attempt + 1 }), abort: () => ({ aborted: true as const }) },
    refusal: () => `Onboarding is ${progress.state}: only a failed onboarding can be retried or aborted.`,
  });

  await sites.recordRun({ workflowId, runId, kind: 'site_onboarding', tenantId: input.tenantId, siteId: input.siteId, ...(input.ticket ? { ticket: input.ticket } : {}) });
  const saga = new Saga({ steps, context: { siteId: input.siteId } });
  /** From the first device change on (ZTP's stages), the site's allocations may be in use on a box. */
  let devicesMayUseAllocations = false;
  const persist = (change: string) => `${workflowId}/${runId}/${progress.attempt}/${change}`;

  // Each device's ZTP goes on in this run, its steps in the progress: a child run per device is
  // what a site cost Temporal most (issue 17's lesson). Runs begun before start a ZTP child each.
  const ztpHere = fromStart('ztp-in-site-run');
  /** The boxes this run waits for now, and the first call each made (the API's update, checked and admitted by it). */
  const awaitedBoxes = new Set<string>();
  const boxCalls = new Map<string, PhoneHome>();
  setHandler(boxPhonedHomeUpdate, ({ deviceId, ...call }) => {
    if (!boxCalls.has(deviceId)) boxCalls.set(deviceId, call); // boxes repeat themselves; the first call counts
  }, {
    validator: ({ deviceId }) => {
      if (!awaitedBoxes.has(deviceId)) throw new Error(`The onboarding of ${progress.siteName ?? input.siteId} does not wait for device ${deviceId} to phone home now.`);
    },
  });
  /** The serials the run is found by (the launch's, and each box's once admitted). */
  const serials = new Set(workflowInfo().typedSearchAttributes.get(searchAttributeKeys.deviceSerials) ?? []);

  /** The devices the progress lists: each with its steps here, or its ZTP child's id. */
  function listDevices(plan: SitePlan): void {
    progress.devices = plan.devices.map((d): ZtpDevice => (ztpHere
      ? { deviceId: d.id, hostname: d.hostname, workflowId, serial: isAdmitted(d) ? d.target!.serial : null, steps: [] }
      : { deviceId: d.id, hostname: d.hostname, workflowId: ztpWorkflowId(d.id) }));
  }

  /** One device's zero-touch provisioning: here, or in a child run in runs begun before. */
  function provision(ztpInput: ZtpInput): Promise<ZtpResult> {
    if (!ztpHere) return executeChild(ztp, { workflowId: ztpWorkflowId(ztpInput.deviceId), taskQueue: taskQueues.orchestration, args: [ztpInput] });
    const { deviceId } = ztpInput;
    const listed = progress.devices.find((d) => d.deviceId === deviceId)!;
    const steps = ztpSteps();
    listed.steps = steps.steps;
    if (!ztpInput.admitted) {
      boxCalls.delete(deviceId);
      awaitedBoxes.add(deviceId);
    }
    return provisionDevice(ztpInput, steps, {
      phoneHome: () => boxCalls.get(deviceId),
      admitted: (serial) => {
        awaitedBoxes.delete(deviceId);
        listed.serial = serial;
        if (serials.has(serial)) return;
        serials.add(serial);
        upsertSearchAttributes([{ key: searchAttributeKeys.deviceSerials, value: [...serials] }]);
      },
      persist: (stage) => persist(`ztp/${deviceId}/${stage}`),
    }).finally(() => awaitedBoxes.delete(deviceId));
  }

  for (;;) {
    try {
      const result = await attempt();
      progress.state = 'completed';
      await sites.closeRun({ workflowId, status: 'completed' });
      return result;
    } catch (error) {
      const failure = describeFailure(error);
      const failedStep = markFailed(progress, steps, failure.message);
      log.warn('onboarding failed; undoing', { siteId: input.siteId, step: progress.failedStep, error: failure.message });
      progress.state = 'compensating';
      await saga.compensate();
      const cancelled = isCancellation(error);
      await CancellationScope.nonCancellable(() =>
        sites.setSiteStatus({ siteId: input.siteId, status: 'failed', reason: `${cancelled ? 'cancelled' : `failed at ${failedStep?.label ?? 'a step'}`}: ${failure.message}` }));
      progress.state = 'failed';
      // A run cancelled, as it ran or as it waits for the operator, ends as cancelled, its summary closed.
      const decision: OperatorDecision = cancelled ? { kind: 'cancelled', cancellation: error } : await decisions.waitFor(decisionWithinMs);
      if (decision.kind === 'retry') {
        prepareRetry(progress, steps);
        continue;
      }
      progress.state = 'aborted';
      await CancellationScope.nonCancellable(() => sites.closeRun({ workflowId, status: decision.kind === 'cancelled' ? 'cancelled' : 'failed', error: failure.message }));
      if (decision.kind === 'cancelled') throw decision.cancellation;
      const reason = decision.kind === 'abort' ? decision.reason : 'no decision in time';
      throw ApplicationFailure.nonRetryable(`Onboarding of ${progress.siteName ?? input.siteId} failed (${failure.message}) and was not retried: ${reason}.`, failureTypes.onboardingFailed, {
        failedStep: progress.failedStep,
      });
    }
  }

  async function attempt(): Promise<OnboardSiteResult> {
    const plan = await steps.run('validate', async () => {
      const loaded = await sites.loadSitePlan({ siteId: input.siteId });
      if (!onboardingRunSiteStatuses.has(loaded.status)) {
        throw ApplicationFailure.nonRetryable(`${loaded.name} is ${loaded.status}: only a planned or failed site is onboarded.`, failureTypes.siteNotReady);
      }
      return loaded;
    }, (p) => `${p.devices.length} device(s), ${p.peers.length} peer(s)`);
    progress.siteName = plan.name;
    if (plan.role === 'hub' || plan.topology === 'hub_and_spoke') return build(plan);
    // Mesh sites of a tenant join one at a time, each seeing the ones before it as peers: the
    // peers are read again once it is this site's turn. Its boxes phone home first, so a box that
    // takes days to come does not hold up the tenant's other mesh sites.
    if (patched('mesh-turn-after-phone-home')) await admitBoxes(plan);
    return withDeviceLeases([`mesh-${plan.tenantId}`], `mesh onboarding of ${plan.name}`, phoneHomeWithinMs + 3_600_000,
      async () => build(await sites.loadSitePlan({ siteId: input.siteId })));
  }

  async function awaitBoxesFrom(plan: SitePlan): Promise<void> {
    progress.deadline = new Date(Date.now() + phoneHomeWithinMs).toISOString();
    await sites.setSiteStatus({ siteId: plan.siteId, status: 'onboarding', provisioningDeadline: progress.deadline });
  }

  /** Each box not admitted yet phones home and is admitted (a `ztp` run that pushes nothing); ZTP configures it later. */
  async function admitBoxes(plan: SitePlan): Promise<void> {
    const waiting = plan.devices.filter((device) => !isAdmitted(device));
    if (waiting.length === 0) return;
    steps.add({ name: 'phone-home', label: 'Wait for the boxes to phone home' }, 'validate');
    await steps.run('phone-home', async () => {
      await awaitBoxesFrom(plan);
      listDevices(plan);
      const deadline = progress.deadline!;
      return allOrFirstFailure(waiting.map((device) => () => provision({
        admitOnly: true, deviceId: device.id, siteId: plan.siteId, tenantId: plan.tenantId, hostname: device.hostname, model: device.model,
        deadline, stage2: '', stage1Checks: [], stage2Checks: [],
      })));
    }, (admitted) => admitted.map((d) => `${d.target.serial} admitted`).join(', '));
  }

  async function build(plan: SitePlan): Promise<OnboardSiteResult> {
    await awaitBoxesFrom(plan);

    const allocations = await steps.run('allocate', () => {
      saga.add('allocate', async () => {
        // Once a device may have been changed, its configuration may use these: they stay with the
        // site (a retry takes the same ones again; decommissioning resets the devices, then releases them).
        if (devicesMayUseAllocations && patched('allocations-kept-once-devices-changed')) return;
        await sites.releaseSiteAddresses({ siteId: plan.siteId });
      });
      return claims.allocateSiteAddresses({ siteId: plan.siteId, devices: plan.devices.map((d) => ({ role: d.role, peerSiteIds: plan.peers.map((p) => p.siteId) })) });
    }, (a) => `loopback ${a[0]!.loopback}, ${a.reduce((n, d) => n + d.tunnels.length, 0)} tunnel(s)`);

    const configs = await steps.run('render', async () => plan.devices.map((device) => {
      const renderer = renderers.forPlatform(device.platform);
      const config = deviceConfigInput(plan, device, allocations.find((a) => a.role === device.role)!);
      return { device, config, stage1: renderer.stage1(config), stage2: renderer.stage2(config) };
    }), (c) => `${c.length} configuration(s)`);

    listDevices(plan);
    const provisioned = await steps.run('ztp', () => allOrFirstFailure(ztpInputs(plan, configs, progress.deadline!).map((ztpInput) => () => provision(ztpInput))).catch((error: unknown) => {
      devicesMayUseAllocations ||= !nothingPushed(error);
      throw error;
    }), (r) => r.map((d) => `${d.target.serial} on ${d.softwareVersion}`).join(', '));
    devicesMayUseAllocations = true;
    const targets = new Map(plan.devices.map((d, i) => [d.id, provisioned[i]!.target]));

    const changes = overlayChanges(plan, allocations, targets);
    await steps.run('overlay', () => Promise.all(changes.map(async (change) => {
      const purpose = `${plan.name} on ${change.peer.hostname}`;
      saga.add('overlay', () => changeTunnels(change.peer.target, change.remove, `removing ${purpose}`, 'onboarding'));
      await changeTunnels(change.peer.target, change.add, purpose, 'onboarding');
    })), () => `${changes.length} peer(s) changed`);

    await steps.run('policies', () => Promise.all(plan.devices.map((device) => {
      const target = targets.get(device.id)!;
      // As the SLA push and a policy deployment render them (with the steering's probe
      // thresholds, and the device's paths to its hubs, whose tunnels were allocated after the
      // plan was read), so a deployment's dry run finds a site just onboarded unchanged.
      const hubPaths = hubPathsFrom(plan, allocations.find((a) => a.role === device.role)!);
      const config = patched('policies-as-deployments-render-them') ? policyEdit(plan, { ...device, hubPaths }) : renderers.forPlatform(device.platform).policies(devicePolicies(plan.policies, device));
      return withDeviceLeases([target.serial], `policies of ${plan.name}`, '30 minutes', () => pushConfiguration({
        target, config, mode: 'merge', persist: persist(`policies/${device.role}`),
        checks: [], source: 'policy', workflowId,
      }));
    })), () => `${plan.policies.firewall.length} firewall rule(s), ${plan.policies.steering.length} steering rule(s)`);

    const verifications = [
      ...configs.map(({ device, config }) => ({ target: targets.get(device.id)!, checks: siteDeviceChecks(device, config) })),
      ...changes.map((change) => ({ target: change.peer.target, checks: interfaceChecks(change.units.map((u) => `st0.${u}`)) })),
    ];
    await steps.run('verify', () => devicesVerified(verifications, fromStart('site-verified-in-one-activity')), (checked) => `${checked} device(s) checked`);

    await steps.run('activate', () => sites.activateSite({
      siteId: plan.siteId, devices: provisioned.map((d) => ({ deviceId: d.target.deviceId, softwareVersion: d.softwareVersion })),
    }));
    await steps.run('notify', () => sites.notifySiteEvent({ tenantId: plan.tenantId, siteId: plan.siteId, action: 'site.activated', workflowId }));
    return {
      siteId: plan.siteId,
      attempts: progress.attempt,
      devices: provisioned.map((d) => ({ deviceId: d.target.deviceId, serial: d.target.serial, softwareVersion: d.softwareVersion, configVersion: d.configVersion })),
    };
  }
}

/** Each device's ZTP, given until `deadline` to phone home (the devices are provisioned side by side). */
function ztpInputs(
  plan: SitePlan,
  configs: { device: PlannedDevice; config: ReturnType<typeof deviceConfigInput>; stage1: string; stage2: string }[],
  deadline: string,
): ZtpInput[] {
  return configs.map(({ device, config, stage1, stage2 }) => {
    const wan = wanChecks(device);
    const targetImage = plan.targetImages.find((image) => image.model === device.model);
    return {
      deviceId: device.id, siteId: plan.siteId, tenantId: plan.tenantId, hostname: device.hostname, model: device.model,
      deadline, stage1, stage2, stage1Checks: wan,
      stage2Checks: [...wan, ...interfaceChecks(config.lanSegments.map((s) => `irb.${s.vlanId}`))],
      ...(isAdmitted(device) ? { admitted: device.target! } : {}),
      ...(targetImage ? { targetImage } : {}),
    };
  });
}

const isAdmitted = (device: PlannedDevice): boolean => !!device.target && device.status !== 'planned';

/** Side by side; the first failure cancels the others and is the one reported. */
async function allOrFirstFailure<T>(children: (() => Promise<T>)[]): Promise<T[]> {
  const scope = new CancellationScope();
  return scope.run(async () => {
    const results = await Promise.allSettled(children.map((child) => child().catch((error: unknown) => {
      scope.cancel();
      throw error;
    })));
    // The failure that caused the others' cancellation is the one to report.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isCancellation(r.reason))
      ?? results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  });
}

/**
 * A ZTP (here or in a child run) that failed before pushing anything: the box never phoned home,
 * or is another model. (The first failure is the one reported; a sibling it cancelled may have been
 * configured already.)
 */
function nothingPushed(error: unknown): boolean {
  const cause = error instanceof ChildWorkflowFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && (cause.type === failureTypes.phoneHomeDeadline || cause.type === failureTypes.deviceModelMismatch);
}

/** Records the step the failure happened in (the one failed, or still running when a cancellation came) and answers it. */
function markFailed(progress: OnboardingProgress, steps: StepLog, message: string): Step | undefined {
  const failedStep = steps.steps.find((s) => s.status === 'failed' || s.status === 'running');
  if (failedStep?.status === 'running') Object.assign(failedStep, { status: 'failed', error: message });
  progress.failedStep = failedStep?.name ?? null;
  progress.error = message;
  return failedStep;
}

/**
 * The next attempt starts from the failed step. Steps before it were undone too (allocations, for
 * one): they run again, and what is still in place (admitted devices, their configuration) is not redone.
 */
function prepareRetry(progress: OnboardingProgress, steps: StepLog): void {
  progress.attempt += 1;
  progress.state = 'running';
  progress.error = null;
  steps.resetFrom(progress.failedStep ?? 'validate');
  for (const step of steps.steps) if (step.status === 'compensated') step.status = 'pending';
  progress.failedStep = null;
}
