// A VNF instance's lifecycle as SOL002/003 name it, pure: the operations an operator asks for, when
// each is allowed, the outcome of the last one, how healing escalates (restart, then re-create,
// within a cooldown and a limit, as OSM's auto-heal does), and what a host is given of a package
// (its day-1 configuration, its image's path). The workflow, the API and the UI share it. No zod
// here, nor in what it imports: the workflow bundle evaluates every module it holds once per run,
// and building zod and its schemas cost each run milliseconds (vnf-lifecycle.ts has the schemas).
import type { Day1Parameter, VnfFlavour, VnfHealthCheck } from './vnf-catalogue.ts';
import type { VnfHealingPolicy } from './vnf-lifecycle.ts';
import { escapeXml } from './render/escape-xml.ts';

export const vnfOperations = ['instantiate', 'heal', 'scale', 'change_package', 'terminate'] as const;
export type VnfOperation = (typeof vnfOperations)[number];

/** SOL003's operation states; failed_temp waits for the operator's retry, rollback or fail. */
export const vnfOperationOutcomes = ['processing', 'completed', 'failed_temp', 'failed', 'rolled_back'] as const;
export type VnfOperationOutcome = (typeof vnfOperationOutcomes)[number];

/** As the inventory's VnfStatus enum has them. */
export type VnfInstanceStatus = 'instantiating' | 'running' | 'degraded' | 'healing' | 'scaling' | 'changing_package' | 'terminating' | 'terminated' | 'failed';

export type VnfHealth = 'unknown' | 'healthy' | 'unhealthy';

/** What the workflow knows of its package: enough to define, configure and watch the VNF. */
export interface VnfPackageSpec {
  id: string;
  product: string;
  version: string;
  imageSha256: string;
  flavours: VnfFlavour[];
  day1Template: string;
  day1Parameters: Day1Parameter[];
  healthCheck: VnfHealthCheck;
}

/** What a step of the lifecycle changes of the instance's record. */
export interface VnfInstanceChange {
  status?: VnfInstanceStatus;
  lastHealth?: VnfHealth;
  healCount?: number;
  lastOperation?: VnfOperation;
  lastOperationOutcome?: VnfOperationOutcome;
  lastOperationError?: string | null;
  /** Gives back what the instance holds on its host. */
  release?: boolean;
}

/** The second attempt of an incident re-creates the VNF (its disk too): a restart did not do. */
export const healAction = (attempt: number): 'restart' | 'recreate' => (attempt <= 1 ? 'restart' : 'recreate');

/**
 * The attempt a heal starting at `now` is: the first of a new incident when the last heal is older
 * than the cooldown, else the next of the same one. Past the limit: none (the instance is failed).
 */
export function nextHealAttempt(policy: Pick<VnfHealingPolicy, 'cooldownSeconds' | 'maxAttempts'>, last: { attempts: number; at: number | null }, now: number): number | null {
  const sameIncident = last.at !== null && now - last.at < policy.cooldownSeconds * 1000;
  const attempt = sameIncident ? last.attempts + 1 : 1;
  return attempt > policy.maxAttempts ? null : attempt;
}

/** The operations an operator may ask for in each state, and why not otherwise. */
export function operationRefusal(
  operation: VnfOperation | 'retry' | 'rollback' | 'fail',
  state: { status: VnfInstanceStatus; outcome: VnfOperationOutcome; busy: boolean },
): string | undefined {
  if (state.busy) return `the instance is busy (${state.status}): one operation at a time`;
  const failedTemp = state.outcome === 'failed_temp';
  switch (operation) {
    case 'retry':
    case 'rollback':
    case 'fail':
      return failedTemp ? undefined : `no failed operation waits for a decision (the last one is ${state.outcome})`;
    case 'instantiate':
      return 'the instance is instantiated once, when it is created';
    case 'terminate':
      return state.status === 'terminated' || state.status === 'terminating' ? `the instance is ${state.status}` : undefined;
    case 'heal':
      return failedTemp ? 'a failed operation waits for retry, rollback or fail first'
        : ['running', 'degraded', 'failed'].includes(state.status) ? undefined : `the instance is ${state.status}`;
    case 'scale':
    case 'change_package':
      return failedTemp ? 'a failed operation waits for retry, rollback or fail first'
        : ['running', 'degraded'].includes(state.status) ? undefined : `the instance is ${state.status}: only a running instance is ${operation === 'scale' ? 'scaled' : 'given another package'}`;
  }
}

/** The day-1 configuration: the template with each {{parameter}} replaced by its value, made safe for XML. */
export function renderDay1(template: string, values: Record<string, string | number | boolean>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => escapeXml(String(values[name] ?? '')));
}

/** Where the host keeps the image (/var/public, by its digest, so two packages of one image share it). */
export const vnfImagePath = (sha256: string) => `/var/public/${sha256.slice(0, 16)}.qcow2`;
