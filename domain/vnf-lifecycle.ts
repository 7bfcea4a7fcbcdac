// A VNF instance's lifecycle as SOL002/003 name it, pure: the operations an operator asks for, when
// each is allowed, the outcome of the last one, and how healing escalates (restart, then re-create,
// within a cooldown and a limit, as OSM's auto-heal does). The workflow and the API share it.
import { z } from 'zod';
import { day1Values, type Day1Parameter, type FieldProblem, type VnfFlavour, type VnfHealthCheck } from './vnf-catalogue.ts';

export const vnfOperations = ['instantiate', 'heal', 'scale', 'change_package', 'terminate'] as const;
export type VnfOperation = (typeof vnfOperations)[number];

/** SOL003's operation states; failed_temp waits for the operator's retry, rollback or fail. */
export const vnfOperationOutcomes = ['processing', 'completed', 'failed_temp', 'failed', 'rolled_back'] as const;
export type VnfOperationOutcome = (typeof vnfOperationOutcomes)[number];

/** As the inventory's VnfStatus enum has them. */
export type VnfInstanceStatus = 'instantiating' | 'running' | 'degraded' | 'healing' | 'scaling' | 'changing_package' | 'terminating' | 'terminated' | 'failed';

export type VnfHealth = 'unknown' | 'healthy' | 'unhealthy';

/** How an instance is watched and healed. Short in tests; OSM's examples use a 180 s cooldown. */
export const vnfHealingPolicy = z.object({
  /** Health checks this often (default: the package's interval). */
  intervalSeconds: z.number().int().min(1).max(3600).optional(),
  /** Failed checks in a row that make the instance unhealthy (default: the package's). */
  failuresBeforeUnhealthy: z.number().int().min(1).max(10).optional(),
  /** A heal within this long of the last one counts as the next attempt of the same incident. */
  cooldownSeconds: z.number().int().min(0).max(86_400).default(180),
  /** Heal attempts of one incident before the instance is failed and an alarm raised. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** How long a VNF gets to boot and answer its health check after a change or a heal. */
  bootWaitSeconds: z.number().int().min(5).max(3600).default(180),
});
export type VnfHealingPolicy = z.infer<typeof vnfHealingPolicy>;

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

/** The request bodies of the operations, as the API and the workflow's updates take them. */
export const vnfScaleRequest = z.object({ flavour: z.string().min(1).max(31) });
export const vnfChangePackageRequest = z.object({
  packageId: z.uuid(),
  /** Day-1 parameters for the new package (default: the instance's, where the new package declares them). */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/**
 * What an instance moving to `pkg` runs with: the day-1 parameters given (default: the instance's
 * own, where the new package declares them), and why it cannot move (the flavour it runs missing, a
 * parameter wrong). The API's change of package and a network-service campaign decide alike.
 */
export function packageChange(
  pkg: Pick<VnfPackageSpec, 'product' | 'version' | 'flavours' | 'day1Parameters'>,
  instance: { flavour: string; config: Record<string, unknown> },
  given?: Record<string, string | number | boolean>,
): { parameters: Record<string, string | number | boolean>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!pkg.flavours.some((f) => f.name === instance.flavour)) problems.push({ path: 'packageId', message: `${pkg.product} ${pkg.version} has no flavour ${instance.flavour}, which the instance runs: scale it first` });
  const declared = new Set(pkg.day1Parameters.map((p) => p.name));
  const current = Object.fromEntries(Object.entries(instance.config).filter(([name]) => declared.has(name)));
  const day1 = day1Values(pkg.day1Parameters, given ?? current);
  return { parameters: day1.values, problems: [...problems, ...day1.problems] };
}
