// A network service on a site's uCPE (`network-service/<serviceInstanceId>`): a template's chain
// instantiated as a saga. The chain's VLANs first (by confirmed commit, under the uCPE's lease),
// then each function in order as its own `vnf/<instanceId>` run (a child, left to live on its own:
// its whole lifecycle — instantiation, health, heal, scale — is that run's), then the path a flow
// takes through the chain read from the box and checked end to end. Anything that fails undoes
// what was done, newest first: the functions up already terminated by their own runs, the VLANs
// removed, every reservation given back. Once active it waits for its termination: the functions
// last to first, then the VLANs.
import {
  ApplicationFailure, ParentClosePolicy, condition, log, proxyActivities, setHandler, sleep, startChild, workflowInfo,
} from '@temporalio/workflow';
import type { NetworkServiceActivities, NetworkServiceSpec } from '../activities/network-services.ts';
import type { SiteActivities } from '../activities/sites.ts';
import type { VnfDeviceActivities } from '../activities/devices/vnf.ts';
import { failureTypes } from '../domain/failure-types.ts';
import { chainPathProblem } from '../domain/network-service.ts';
import { chainVlansConfig, chainVlansRemoval } from '../domain/render/nfx-vnf.ts';
import { databaseActivity, deviceReadActivity, temporalActivity, waitingActivity } from './activity-options.ts';
import { configurationChanges } from './configuration-change.ts';
import { withDeviceLeases } from './lease.ts';
import {
  networkServiceQuery, terminateNetworkServiceUpdate, type NetworkServiceInput, type NetworkServiceView,
} from './network-service.messages.ts';
import { Saga } from './saga.ts';
import { describeFailure, StepLog } from './steps.ts';
import type { vnfLifecycle } from './vnf-lifecycle.ts';
import { vnfWorkflowId } from './vnf-lifecycle.messages.ts';
import { takePatchBatch } from './patches.ts';

/** How long a change waits for the uCPE's lease before it fails as busy. */
const leaseWait = '10 minutes';
/** How long the chain's path may take to show every function forwarding once they all run. */
const pathWaitSeconds = 60;

export async function networkService(input: NetworkServiceInput): Promise<void> {
  takePatchBatch();
  const db = proxyActivities<NetworkServiceActivities & Pick<SiteActivities, 'recordRun' | 'closeRun'>>(databaseActivity);
  const waits = proxyActivities<NetworkServiceActivities>(waitingActivity);
  const runs = proxyActivities<NetworkServiceActivities>(temporalActivity);
  const reads = proxyActivities<VnfDeviceActivities>(deviceReadActivity);
  const changeHost = configurationChanges();
  const { workflowId, runId } = workflowInfo();
  const { serviceInstanceId, healing } = input;
  const spec: NetworkServiceSpec = await db.loadNetworkService({ serviceInstanceId });

  const steps = new StepLog([
    { name: 'vlans', label: `Define the chain's VLANs on ${spec.hostname}` },
    ...spec.functions.map((f) => ({ name: `function-${f.position}`, label: `Instantiate ${f.name} (function ${f.position + 1} of ${spec.functions.length})` })),
    { name: 'verify', label: 'Verify the path through the chain end to end' },
  ]);
  const view: NetworkServiceView = {
    serviceInstanceId, status: 'instantiating', steps: steps.steps, error: null, path: null, busy: true,
    functions: spec.functions.map((f) => ({ ...f, workflowId: vnfWorkflowId(f.instanceId) })),
  };
  let terminateAsked = false;
  setHandler(networkServiceQuery, () => view);
  setHandler(terminateNetworkServiceUpdate, () => {
    terminateAsked = true;
    view.busy = true;
    return view;
  }, {
    validator: () => {
      if (view.busy || terminateAsked) throw new Error(`${spec.name} is busy (${view.status}): one operation at a time.`);
      if (view.status !== 'active') throw new Error(`${spec.name} is ${view.status}: only an active network service is terminated.`);
    },
  });

  let changes = 0;
  const commitOnHost = (what: string, config: string) => withDeviceLeases([spec.target.serial], `${what} of network service ${spec.name}`, leaseWait, () => changeHost({
    target: spec.target, config, mode: 'merge', persist: `${workflowId}/change-${(changes += 1)}`, checks: [], source: 'vnf', workflowId,
  }));
  const record = (status: NetworkServiceView['status'], event?: string, error?: string | null) => {
    view.status = status;
    return db.recordNetworkService({ serviceInstanceId, status, ...(error !== undefined ? { error } : {}), ...(event ? { event } : {}) });
  };
  /** Terminated by its own run, and waited for until it is down. */
  const terminateFunction = async (instanceId: string) => {
    await runs.requestVnfTermination({ instanceId });
    await waits.awaitVnfInstance({ instanceId, until: 'down' });
  };
  const removeVlans = () => commitOnHost('removal of the VLANs', chainVlansRemoval(spec.vlans));

  await db.recordRun({ workflowId, runId, kind: 'network_service', tenantId: spec.tenantId, siteId: spec.siteId });

  // ---- instantiate, as a saga -----------------------------------------------------------------
  const saga = new Saga({ steps, context: { serviceInstanceId, workflowId } });
  saga.add('vlans', () => db.releaseNetworkService({ serviceInstanceId }));
  try {
    saga.add('vlans', removeVlans);
    await steps.run('vlans', () => commitOnHost('the VLANs', chainVlansConfig(spec.vlans)), () => spec.vlans.map((v) => `${v.name} (${v.id})`).join(', '));
    for (const fn of spec.functions) {
      const step = `function-${fn.position}`;
      saga.add(step, () => terminateFunction(fn.instanceId));
      await steps.run(step, async () => {
        await startChild<typeof vnfLifecycle>('vnfLifecycle', {
          workflowId: vnfWorkflowId(fn.instanceId), args: [{ instanceId: fn.instanceId, healing }],
          // Each function lives on as an entity of its own (heal, scale); the service ends it by its update.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        const up = await waits.awaitVnfInstance({ instanceId: fn.instanceId, until: 'up' });
        if (up.status !== 'running') {
          throw ApplicationFailure.nonRetryable(`${fn.name} did not come up: ${up.error ?? up.status}`, failureTypes.networkServiceFunctionFailed, { instanceId: fn.instanceId });
        }
      }, () => 'running and healthy');
    }
    await steps.run('verify', async () => {
      const expected = { vnfs: spec.functions.map((f) => f.name), egressVlan: spec.vlans[spec.vlans.length - 1]!.name };
      for (let waited = 0; ; waited += 1) {
        const path = await reads.readServiceChainPath({ target: spec.target, vlan: spec.vlans[0]!.name });
        view.path = { hops: path.hops.map((h) => h.vnf), status: path.status, egressVlan: path.egressVlan };
        const problem = chainPathProblem(path, expected);
        if (!problem) return;
        if (waited >= pathWaitSeconds) throw ApplicationFailure.nonRetryable(`The chain is not stitched on ${spec.hostname}: ${problem}.`, failureTypes.serviceChainBroken, { path });
        await sleep('1 second');
      }
    }, () => `${spec.vlans[0]!.name} → ${spec.functions.map((f) => f.name).join(' → ')} → ${spec.vlans[spec.vlans.length - 1]!.name}`);
  } catch (error) {
    const why = describeFailure(error).message;
    log.warn('network service instantiation failed; undoing it', { serviceInstanceId, workflowId, error: why });
    view.error = why;
    await saga.compensate();
    await record('failed', 'rolled_back', why);
    view.busy = false;
    await db.closeRun({ workflowId, status: 'failed', error: why });
    return;
  }
  await record('active', 'instantiated', null);
  view.busy = false;

  // ---- active until terminated ------------------------------------------------------------------
  await condition(() => terminateAsked);
  await record('terminating', 'terminating');
  try {
    for (const fn of [...spec.functions].reverse()) await steps.run(`function-${fn.position}`, () => terminateFunction(fn.instanceId), () => 'terminated');
    await removeVlans();
    await db.releaseNetworkService({ serviceInstanceId });
  } catch (error) {
    const why = describeFailure(error).message;
    view.error = why;
    view.busy = false;
    await record('failed', 'termination_failed', why);
    await db.closeRun({ workflowId, status: 'failed', error: why });
    return;
  }
  view.busy = false;
  await record('terminated', 'terminated', null);
  await db.closeRun({ workflowId, status: 'completed' });
}
