// How a VNF instance is watched and healed, and the request bodies of its operations, as schemas;
// and what moving an instance to another package needs. The API and the UI validate with these;
// the workflow uses vnf-instance.ts, which holds the lifecycle's rules without zod.
import { z } from 'zod';
import { day1Values, type FieldProblem } from './vnf-catalogue.ts';
import type { VnfPackageSpec } from './vnf-instance.ts';

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
