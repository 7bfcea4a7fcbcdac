// One VNF instance on a uCPE (`vnf/<instanceId>`), an entity living from instantiation to
// termination. Instantiate: the image onto the uCPE, the VNF defined by a confirmed commit under
// the uCPE's lease, booted, day-1 configuration on its own NETCONF, healthy — or all of it undone
// and its reservation released. Then it lives: the package's health check every interval; an
// unhealthy VNF healed (restart, then re-create) within a cooldown and a limit, past which it is
// failed with an alarm. Operations (heal, scale, change package, terminate) are validated updates,
// one at a time; a failed one waits for the operator's retry, rollback or fail (SOL003).
import {
  CancellationScope, condition, continueAsNew, log, proxyActivities, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import type { SiteActivities } from '../activities/sites.ts';
import type { VnfDeviceActivities } from '../activities/devices/vnf.ts';
import type { VnfInstanceSpec, VnfLifecycleActivities } from '../activities/vnf-lifecycle.ts';
import { databaseActivity, deviceReadActivity, deviceWriteActivity } from './activity-options.ts';
import { configurationChanges } from './configuration-change.ts';
import { vnfDefinition, vnfRemoval } from '../domain/render/nfx-vnf.ts';
import type { VnfFlavour } from '../domain/vnf-catalogue.ts';
import { healAction, nextHealAttempt, operationRefusal, renderDay1, vnfImagePath, type VnfInstanceChange, type VnfOperation, type VnfPackageSpec } from '../domain/vnf-instance.ts';
import { withDeviceLeases } from './lease.ts';
import { describeFailure } from './steps.ts';
import {
  changeVnfPackageUpdate, failVnfUpdate, healVnfUpdate, retryVnfUpdate, rollbackVnfUpdate, scaleVnfUpdate, terminateVnfUpdate, vnfStateQuery,
  type VnfCarried, type VnfLifecycleInput, type VnfOperationRequest, type VnfView,
} from './vnf-lifecycle.messages.ts';
import { takePatchBatch } from './patches.ts';

/** How long a change waits for the uCPE's lease before it fails as busy. */
const leaseWait = '10 minutes';

const fresh = (): VnfCarried => ({
  status: 'instantiating', operation: null, health: 'unknown', failures: 0, healAttempts: 0, lastHealAt: null, heals: 0, address: null, scaleFrom: null, changes: 0,
});

/** An operation that failed and was not undone: it waits for the operator (failed_temp). */
class OperationFailed extends Error {}

export async function vnfLifecycle(input: VnfLifecycleInput): Promise<void> {
  takePatchBatch();
  const db = proxyActivities<VnfLifecycleActivities & Pick<SiteActivities, 'recordRun' | 'closeRun'>>(databaseActivity);
  const reads = proxyActivities<VnfDeviceActivities>(deviceReadActivity);
  const writes = proxyActivities<VnfDeviceActivities>(deviceWriteActivity);
  const changeHost = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const { instanceId, healing } = input;
  const state = input.carried ?? fresh();
  let spec: VnfInstanceSpec = await db.loadVnfInstance({ instanceId });
  let busy = false;
  let pending: VnfOperationRequest | null = null;
  let decision: 'retry' | 'rollback' | 'fail' | null = null;

  const view = (): VnfView => ({
    instanceId, name: spec.name, status: state.status, health: state.health,
    package: { id: spec.package.id, product: spec.package.product, version: spec.package.version }, flavour: spec.flavour.name,
    address: state.address, heals: state.heals, healAttempts: state.healAttempts,
    lastOperation: state.operation && { kind: state.operation.kind, outcome: state.operation.outcome, error: state.operation.error },
    busy: busy || pending !== null || decision !== null,
  });
  const refuse = (operation: Parameters<typeof operationRefusal>[0]) => {
    const refusal = operationRefusal(operation, { status: state.status, outcome: state.operation?.outcome ?? 'completed', busy: busy || pending !== null || decision !== null });
    if (refusal) throw new Error(`${spec.name}: ${refusal}.`);
  };
  setHandler(vnfStateQuery, view);
  const accept = (request: VnfOperationRequest) => {
    pending = request;
    return view();
  };
  setHandler(healVnfUpdate, () => accept({ kind: 'heal' }), { validator: () => refuse('heal') });
  setHandler(terminateVnfUpdate, () => accept({ kind: 'terminate' }), { validator: () => refuse('terminate') });
  setHandler(scaleVnfUpdate, ({ flavour }) => accept({ kind: 'scale', flavour }), {
    validator: ({ flavour }) => {
      refuse('scale');
      if (!spec.package.flavours.some((f) => f.name === flavour)) throw new Error(`${spec.package.product} ${spec.package.version} has no flavour ${flavour}.`);
      if (flavour === spec.flavour.name) throw new Error(`${spec.name} runs flavour ${flavour} already.`);
    },
  });
  setHandler(changeVnfPackageUpdate, ({ packageId, parameters }) => accept({ kind: 'change_package', packageId, parameters }), {
    validator: ({ packageId }) => {
      refuse('change_package');
      if (packageId === spec.package.id) throw new Error(`${spec.name} runs ${spec.package.product} ${spec.package.version} already.`);
    },
  });
  const decide = (kind: 'retry' | 'rollback' | 'fail') => () => {
    decision = kind;
    return view();
  };
  setHandler(retryVnfUpdate, decide('retry'), { validator: () => refuse('retry') });
  setHandler(failVnfUpdate, decide('fail'), { validator: () => refuse('fail') });
  setHandler(rollbackVnfUpdate, decide('rollback'), {
    validator: () => {
      refuse('rollback');
      const kind = state.operation?.kind;
      if (kind !== 'scale' && kind !== 'change_package') throw new Error(`${spec.name}: a failed ${kind} has nothing to roll back; retry or fail it.`);
    },
  });

  /** The inventory follows the run's state; an event names what happened. */
  const record = async (change: VnfInstanceChange, event?: string, data?: Record<string, unknown>) => {
    await db.recordVnfInstance({ instanceId, change, ...(event ? { event: { type: event, ...(data ? { data } : {}) } } : {}) });
  };
  const begin = async (kind: VnfOperation, status: VnfCarried['status'], request: VnfOperationRequest | null, event?: string) => {
    state.status = status;
    state.operation = { kind, outcome: 'processing', error: null, request };
    await record({ status, lastOperation: kind, lastOperationOutcome: 'processing', lastOperationError: null }, event);
  };
  const finish = async (outcome: 'completed' | 'rolled_back' | 'failed_temp' | 'failed', status: VnfCarried['status'], event: string, error: string | null = null, extra: VnfInstanceChange = {}) => {
    state.status = status;
    state.operation = { ...state.operation!, outcome, error };
    await record({ status, lastOperationOutcome: outcome, lastOperationError: error, ...extra }, event, error ? { error } : undefined);
  };

  // ---- the device steps, each safe to repeat ------------------------------------------------

  /** One confirmed commit on the uCPE under its lease, named so that a retry finishes it. */
  const commitOnHost = (config: string) => changeHost({
    target: spec.target, config, mode: 'merge', persist: `${workflowId}/change-${(state.changes += 1)}`, checks: [], source: 'vnf', workflowId,
  });
  const underLease = <T>(what: string, work: () => Promise<T>) => withDeviceLeases([spec.target.serial], `${what} of VNF ${spec.name}`, leaseWait, work);
  const definition = (pkg: VnfPackageSpec, flavour: VnfFlavour) => vnfDefinition({
    // A function of a network service keeps its place in the chain through every redefinition (scale, re-creation, change of package).
    name: spec.name, imagePath: vnfImagePath(pkg.imageSha256), vcpus: flavour.vcpus, memoryMiB: flavour.memoryMiB, interfaces: spec.interfaces ?? [],
  });
  const flavourOf = (pkg: VnfPackageSpec, name: string): VnfFlavour => pkg.flavours.find((f) => f.name === name) ?? spec.flavour;

  /** Booted, answering, configured and healthy: how every operation that (re)starts the VNF ends. */
  async function comeUp(pkg: VnfPackageSpec, parameters: Record<string, string | number | boolean>) {
    const { address } = await writes.waitForVnf({ target: spec.target, name: spec.name, waitUpToSeconds: healing.bootWaitSeconds });
    state.address = address;
    if (pkg.day1Template.trim() !== '') {
      await writes.configureVnf({
        guest: { host: spec.target, name: spec.name, address: address! },
        config: renderDay1(pkg.day1Template, parameters), persist: `${workflowId}/day1-${(state.changes += 1)}`,
      });
    }
    // The package's own check must hold too, within the boot wait (a guest may answer before its service does).
    const until = Date.now() + healing.bootWaitSeconds * 1000;
    for (;;) {
      const reading = await reads.checkVnfHealth({ target: spec.target, name: spec.name, check: pkg.healthCheck });
      if (reading.healthy) break;
      if (Date.now() > until) throw new OperationFailed(`${spec.name} does not come up healthy: ${reading.reason ?? 'its health check does not hold'}`);
      await sleep('1 second');
    }
    state.health = 'healthy';
    state.failures = 0;
  }

  /** Defines the VNF with `pkg` and `flavour` (the uCPE boots or restarts it), and brings it up. */
  async function deploy(pkg: VnfPackageSpec, flavour: VnfFlavour, parameters: Record<string, string | number | boolean>, what: string) {
    await writes.stageVnfImage({ target: spec.target, sha256: pkg.imageSha256, path: vnfImagePath(pkg.imageSha256) });
    await underLease(what, () => commitOnHost(definition(pkg, flavour)));
    await comeUp(pkg, parameters);
  }

  /** Undefined, gone from the host, and its image removed unless something else uses it. */
  async function remove(pkg: VnfPackageSpec, what: string) {
    await underLease(what, () => commitOnHost(vnfRemoval(spec.name)));
    await writes.waitForVnf({ target: spec.target, name: spec.name, waitUpToSeconds: healing.bootWaitSeconds, gone: true });
    await writes.deleteVnfImageIfUnused({ target: spec.target, path: vnfImagePath(pkg.imageSha256) });
    state.address = null;
  }

  const reason = (error: unknown) => (error instanceof OperationFailed ? error.message : describeFailure(error).message);

  // ---- instantiate ----------------------------------------------------------------------------

  async function instantiate(): Promise<boolean> {
    busy = true;
    try {
      await begin('instantiate', 'instantiating', null);
      await deploy(spec.package, spec.flavour, spec.parameters, 'instantiation');
      await finish('completed', 'running', 'instantiated', null, { lastHealth: 'healthy' });
      return true;
    } catch (error) {
      const why = reason(error);
      log.warn('VNF instantiation failed; undoing it', { instanceId, workflowId, error: why });
      // Undone whatever ended it, cancellation included: no VNF half defined, no image left for nothing.
      await CancellationScope.nonCancellable(async () => {
        await remove(spec.package, 'rollback of the instantiation');
        await finish('rolled_back', 'failed', 'instantiation_rolled_back', why, { release: true, lastHealth: 'unknown' });
      });
      return false;
    } finally {
      busy = false;
    }
  }

  // ---- heal -----------------------------------------------------------------------------------

  async function heal(why: string, byOperator: boolean) {
    if (byOperator) state.healAttempts = 0;
    const attempt = byOperator ? 1 : nextHealAttempt(healing, { attempts: state.healAttempts, at: state.lastHealAt }, Date.now());
    if (attempt === null) {
      const message = `${spec.name} on ${spec.hostname} is unhealthy and ${healing.maxAttempts} heals did not bring it back: ${why}`;
      await begin('heal', 'failed', { kind: 'heal' });
      await finish('failed', 'failed', 'failed', message, { lastHealth: 'unhealthy' });
      await db.raiseVnfAlarm({ instanceId, message });
      return;
    }
    state.healAttempts = attempt;
    state.lastHealAt = Date.now();
    const action = healAction(attempt);
    await begin('heal', 'healing', { kind: 'heal' }, 'healing');
    log.info('healing a VNF', { instanceId, workflowId, attempt, action, reason: why });
    try {
      if (action === 'restart') {
        await writes.controlVnf({ target: spec.target, name: spec.name, action: 'restart' });
        await comeUp(spec.package, spec.parameters);
      } else {
        // Re-created: undefined and defined again, a fresh guest from its image, configured anew.
        await underLease('re-creation', () => commitOnHost(vnfRemoval(spec.name)));
        await writes.waitForVnf({ target: spec.target, name: spec.name, waitUpToSeconds: healing.bootWaitSeconds, gone: true });
        await deploy(spec.package, spec.flavour, spec.parameters, 're-creation');
      }
      state.heals += 1;
      await finish('completed', 'running', 'healed', null, { lastHealth: 'healthy', healCount: state.heals });
      await db.clearVnfAlarm({ instanceId });
    } catch (error) {
      // Not back: the next failed check heals again, the next attempt of this incident.
      await finish('failed', 'degraded', 'heal_failed', `${action} (attempt ${attempt}) did not bring it back: ${reason(error)}`, { lastHealth: 'unhealthy' });
    }
  }

  async function checkHealth() {
    const reading = await reads.checkVnfHealth({ target: spec.target, name: spec.name, check: spec.package.healthCheck }).catch((error: unknown) => {
      // The uCPE itself does not answer: nothing to heal on it now; tried again at the next interval.
      log.warn('the uCPE did not answer the VNF health check', { instanceId, workflowId, error: describeFailure(error).message });
      return undefined;
    });
    if (!reading) return;
    if (reading.address) state.address = reading.address;
    if (reading.healthy) {
      state.failures = 0;
      if (state.lastHealAt !== null && Date.now() - state.lastHealAt >= healing.cooldownSeconds * 1000) state.healAttempts = 0;
      if (state.health !== 'healthy') {
        state.health = 'healthy';
        if (state.status === 'degraded') state.status = 'running';
        await record({ lastHealth: 'healthy', status: state.status }, 'health_changed', { health: 'healthy' });
      }
      return;
    }
    state.failures += 1;
    if (state.failures < (healing.failuresBeforeUnhealthy ?? spec.package.healthCheck.failuresBeforeUnhealthy)) return;
    state.health = 'unhealthy';
    await heal(reading.reason ?? 'its health check does not hold', false);
  }

  // ---- operations -----------------------------------------------------------------------------

  async function scale(flavourName: string, from: string) {
    await begin('scale', 'scaling', { kind: 'scale', flavour: flavourName });
    try {
      const flavour = flavourOf(spec.package, flavourName);
      await db.reserveVnfFlavour({ instanceId, flavour });
      await underLease('scaling', () => commitOnHost(definition(spec.package, flavour)));
      await comeUp(spec.package, spec.parameters);
      spec = await db.loadVnfInstance({ instanceId });
      await finish('completed', 'running', 'scaled', null, { lastHealth: 'healthy' });
    } catch (error) {
      state.scaleFrom = from;
      throw new OperationFailed(`scaling ${spec.name} to ${flavourName} failed: ${reason(error)}`);
    }
  }
  async function changePackage(packageId: string, parameters: Record<string, string | number | boolean>) {
    await begin('change_package', 'changing_package', { kind: 'change_package', packageId, parameters });
    const next = await db.loadVnfPackage({ packageId });
    const before = spec;
    await db.switchVnfPackage({ instanceId, packageId, parameters });
    try {
      await deploy(next, flavourOf(next, before.flavour.name), parameters, 'change of package');
    } catch (error) {
      const why = reason(error);
      log.warn('a change of VNF package failed; rolling back', { instanceId, workflowId, error: why });
      await CancellationScope.nonCancellable(() => revertPackage(before.package, next, why));
      return;
    }
    if (next.imageSha256 !== before.package.imageSha256) await writes.deleteVnfImageIfUnused({ target: spec.target, path: vnfImagePath(before.package.imageSha256) });
    spec = await db.loadVnfInstance({ instanceId });
    await finish('completed', 'running', 'package_changed', null, { lastHealth: 'healthy' });
  }

  /** Back to the package and configuration it ran before a change of package. */
  async function revertPackage(previous: VnfPackageSpec, failed: VnfPackageSpec, why: string) {
    try {
      const parameters = (await db.loadVnfInstance({ instanceId })).previous?.parameters ?? spec.parameters;
      await deploy(previous, flavourOf(previous, spec.flavour.name), parameters, 'rollback of the change of package');
      await db.revertVnfPackage({ instanceId });
      if (failed.imageSha256 !== previous.imageSha256) await writes.deleteVnfImageIfUnused({ target: spec.target, path: vnfImagePath(failed.imageSha256) });
      spec = await db.loadVnfInstance({ instanceId });
      await finish('rolled_back', 'running', 'package_change_rolled_back', `${failed.product} ${failed.version} did not come up healthy, so ${previous.product} ${previous.version} runs again: ${why}`, { lastHealth: 'healthy' });
    } catch (error) {
      throw new OperationFailed(`changing ${spec.name} to ${failed.product} ${failed.version} failed (${why}), and so did its rollback: ${reason(error)}`);
    }
  }

  async function terminate() {
    await begin('terminate', 'terminating', { kind: 'terminate' }, 'terminating');
    try {
      await remove(spec.package, 'termination');
    } catch (error) {
      throw new OperationFailed(`terminating ${spec.name} failed: ${reason(error)}`);
    }
    await finish('completed', 'terminated', 'terminated', null, { release: true, lastHealth: 'unknown' });
    await db.clearVnfAlarm({ instanceId });
  }

  async function run(request: VnfOperationRequest) {
    busy = true;
    try {
      switch (request.kind) {
        case 'heal':
          return await heal('healed by the operator', true);
        case 'scale':
          return await scale(request.flavour, spec.flavour.name);
        case 'change_package':
          return await changePackage(request.packageId, request.parameters);
        case 'terminate':
          return await terminate();
      }
    } catch (error) {
      const why = reason(error);
      if (!(error instanceof OperationFailed)) log.warn('a VNF operation failed', { instanceId, workflowId, error: why });
      await finish('failed_temp', state.status, 'operation_failed', why);
    } finally {
      busy = false;
    }
  }

  /** The operator's answer to a failed operation. */
  async function settle(answer: 'retry' | 'rollback' | 'fail') {
    const failed = state.operation!;
    busy = true;
    try {
      if (answer === 'retry' && failed.request) {
        busy = false;
        return await run(failed.request);
      }
      if (answer === 'fail') {
        await finish('failed', 'failed', 'failed', failed.error);
        await db.raiseVnfAlarm({ instanceId, message: `${spec.name} on ${spec.hostname}: ${failed.kind} failed and was given up: ${failed.error ?? ''}` });
        return;
      }
      if (failed.kind === 'scale') {
        const flavour = flavourOf(spec.package, state.scaleFrom ?? spec.flavour.name);
        await db.reserveVnfFlavour({ instanceId, flavour });
        await underLease('rollback of the scaling', () => commitOnHost(definition(spec.package, flavour)));
        await comeUp(spec.package, spec.parameters);
        spec = await db.loadVnfInstance({ instanceId });
        await finish('rolled_back', 'running', 'scale_rolled_back', failed.error, { lastHealth: 'healthy' });
      } else if (failed.kind === 'change_package' && failed.request?.kind === 'change_package') {
        const current = await db.loadVnfInstance({ instanceId });
        if (current.previous) await revertPackage(current.previous.package, current.package, failed.error ?? '');
      }
    } catch (error) {
      await finish('failed_temp', state.status, 'operation_failed', reason(error));
    } finally {
      busy = false;
    }
  }

  // ---- the life ---------------------------------------------------------------------------

  if (!input.carried) {
    state.heals = spec.healCount;
    await db.recordRun({ workflowId, runId, kind: 'vnf_lifecycle', tenantId: spec.tenantId, siteId: spec.siteId });
    if (!(await instantiate())) {
      await db.closeRun({ workflowId, status: 'failed', error: state.operation?.error ?? 'instantiation failed' });
      return;
    }
  }

  for (;;) {
    if (state.status === 'terminated') break;
    const watching = state.operation?.outcome !== 'failed_temp' && ['running', 'degraded'].includes(state.status);
    const interval = (healing.intervalSeconds ?? spec.package.healthCheck.intervalSeconds) * 1000;
    if (watching) await condition(() => pending !== null || decision !== null, interval);
    else await condition(() => pending !== null || decision !== null);
    if (pending) {
      const request: VnfOperationRequest = pending;
      pending = null;
      await run(request);
    } else if (decision) {
      const answer: 'retry' | 'rollback' | 'fail' = decision;
      decision = null;
      await settle(answer);
    } else if (watching) {
      await checkHealth();
    }
    if (workflowInfo().continueAsNewSuggested && pending === null && decision === null && (state.status as string) !== 'terminated') {
      await continueAsNew<typeof vnfLifecycle>({ instanceId, healing, carried: state });
    }
  }
  await db.closeRun({ workflowId, status: 'completed' });
}
