// What a WAN link's quality is at a moment: its base latency, jitter and loss, changed by the
// impairment the control API set on it (a step, a ramp, an oscillation, a brownout, a blackout),
// plus probe noise. Pure functions of the time and a seed, so every reader of one RPM test
// (NETCONF, SNMP, a trap) sees the same figures, and tests can say what a link will show.
import { z } from 'zod';

export interface LinkQuality {
  latencyMs: number;
  jitterMs: number;
  lossPermille: number;
}

const quality = z.object({
  latencyMs: z.number().min(0).max(60_000).optional(),
  jitterMs: z.number().min(0).max(60_000).optional(),
  lossPermille: z.number().min(0).max(1000).optional(),
}).strict();

/** How long an impairment lasts; none: until cleared. */
const lasting = { durationMs: z.number().int().positive().optional() };

/**
 * The shapes, each from `startedAt` on:
 * - step: the link takes `to` at once;
 * - ramp: from its base to `to` linearly over `overMs`, then stays there;
 * - oscillation: `to` for the first half of each `periodMs` (or `degradedPct` of it), its base for the rest;
 * - brownout: `to` for `durationMs`, then the base again (a provider's bad hour);
 * - blackout: nothing passes for `durationMs` (or until cleared), while the port stays up, as
 *   when the provider's network fails beyond the first hop: only probes tell.
 */
export const impairmentShape = z.discriminatedUnion('shape', [
  z.object({ shape: z.literal('step'), to: quality, ...lasting }).strict(),
  z.object({ shape: z.literal('ramp'), to: quality, overMs: z.number().int().positive(), ...lasting }).strict(),
  z.object({ shape: z.literal('oscillation'), to: quality, periodMs: z.number().int().min(100), degradedPct: z.number().min(1).max(99).default(50), ...lasting }).strict(),
  z.object({ shape: z.literal('brownout'), to: quality, durationMs: z.number().int().positive() }).strict(),
  z.object({ shape: z.literal('blackout'), ...lasting }).strict(),
]);
export type ImpairmentShape = z.infer<typeof impairmentShape>;
export type Impairment = ImpairmentShape & { startedAt: number };

/** Probe noise: the standard deviation each test's figures vary by around the link's quality. */
export const probeNoise = quality;
export type ProbeNoise = z.infer<typeof probeNoise>;

const between = (from: number, to: number | undefined, fraction: number) => (to === undefined ? from : from + (to - from) * fraction);
const towards = (base: LinkQuality, to: Partial<LinkQuality>, fraction: number): LinkQuality => ({
  latencyMs: between(base.latencyMs, to.latencyMs, fraction),
  jitterMs: between(base.jitterMs, to.jitterMs, fraction),
  lossPermille: between(base.lossPermille, to.lossPermille, fraction),
});

/** Whether the impairment still holds at `now` (brownouts and bounded ones end). */
export function impairmentActive(impairment: Impairment, now: number): boolean {
  return now >= impairment.startedAt && (impairment.durationMs === undefined || now < impairment.startedAt + impairment.durationMs);
}

/** The link's quality at `now` under the impairment, without noise. */
export function impairedQuality(base: LinkQuality, impairment: Impairment | undefined, now: number): LinkQuality {
  if (!impairment || !impairmentActive(impairment, now)) return base;
  const elapsed = now - impairment.startedAt;
  switch (impairment.shape) {
    case 'step':
    case 'brownout':
      return towards(base, impairment.to, 1);
    case 'ramp':
      return towards(base, impairment.to, Math.min(1, elapsed / impairment.overMs));
    case 'oscillation':
      return elapsed % impairment.periodMs < (impairment.periodMs * impairment.degradedPct) / 100 ? towards(base, impairment.to, 1) : base;
    case 'blackout':
      return { ...base, lossPermille: 1000 };
  }
}

/** A number from 0 to 1 that depends only on the seed (FNV-1a, then a xorshift round). */
function unit(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193);
  hash ^= hash << 13;
  hash ^= hash >>> 17;
  hash ^= hash << 5;
  return ((hash >>> 0) + 0.5) / 4294967296;
}

/** A standard normal deviate from the seed (Box-Muller). */
const normal = (seed: string) => Math.sqrt(-2 * Math.log(unit(`${seed}/a`))) * Math.cos(2 * Math.PI * unit(`${seed}/b`));

/** The quality plus noise drawn from `seed` (one RPM test's): never below zero, loss at most 1000 ‰. */
export function withNoise(measured: LinkQuality, noise: ProbeNoise | undefined, seed: string): LinkQuality {
  if (!noise) return measured;
  const vary = (value: number, deviation: number | undefined, name: string) => (deviation ? Math.max(0, value + deviation * normal(`${seed}/${name}`)) : value);
  return {
    latencyMs: vary(measured.latencyMs, noise.latencyMs, 'latency'),
    jitterMs: vary(measured.jitterMs, noise.jitterMs, 'jitter'),
    lossPermille: Math.min(1000, vary(measured.lossPermille, noise.lossPermille, 'loss')),
  };
}
