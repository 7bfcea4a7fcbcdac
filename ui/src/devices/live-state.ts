// What a device reports now (GET /devices/<id>/state), as the site and device pages show it: a
// reading, a device that cannot be reached (with why), or one with no box to ask yet.
import type { DeviceState } from '../../../domain/device-state.ts';

/** GET /devices/<id>/state: the reading, or why the device cannot be reached. */
export type DeviceAnswer = ({ reachable: true } & DeviceState) | { reachable: false; reason: string; failureType: string | null };

/** The answer as the pages hold it. */
export const readingOf = (answer: DeviceAnswer): LiveReading =>
  answer.reachable ? { state: 'read', reading: answer } : { state: 'unreachable', reason: answer.reason };

export type LiveReading =
  | { state: 'reading' }
  | { state: 'read'; reading: DeviceState }
  | { state: 'unreachable'; reason: string }
  | { state: 'not-provisioned' };

/**
 * One interface's state in words: a port (ge-0/0/0) is up when any of its units is, a unit
 * (st0.1) as itself. Unknown while the device is read, or when it does not answer.
 */
export function liveInterface(reading: LiveReading | undefined, name: string): string {
  if (!reading || reading.state === 'reading') return 'Reading…';
  if (reading.state === 'not-provisioned') return 'Not provisioned';
  if (reading.state === 'unreachable') return 'Unknown: the device cannot be reached';
  const matching = reading.reading.interfaces.filter((i) => i.name === name || i.name.startsWith(`${name}.`));
  if (matching.length === 0) return 'Not on the device';
  if (matching.some((i) => i.operUp)) return 'Up';
  return matching.every((i) => !i.adminUp) ? 'Disabled' : 'Down';
}

/** Uptime as people read it: 3 d 4 h, 2 h 5 min, 40 s. */
export function uptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${Math.floor(seconds)} s`;
}
