// Maintenance windows in a site's own time zone: "weekdays from 02:00 for 3 hours, Paris time"
// stays 02:00 in Paris across daylight-saving changes. Pure and deterministic (Intl only), so
// workflows use it to decide when a device may be upgraded. A window it cannot read fails as a
// non-retryable ApplicationFailure: any other throw in workflow code retries the task for ever.
import { ApplicationFailure } from '@temporalio/common';
import { failureTypes } from '../domain/failure-types.ts';

const invalid = (message: string) => ApplicationFailure.nonRetryable(message, failureTypes.maintenanceWindowInvalid);

export interface MaintenanceWindow {
  /** Local start, HH:MM. */
  start: string;
  durationMinutes: number;
  /** Days the window opens on, 0 = Sunday … 6 = Saturday; all days when absent. */
  days?: number[];
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formats = new Map<string, Intl.DateTimeFormat>();

function localTime(instant: number, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit',
      });
    } catch {
      throw invalid(`${timeZone} is not a time zone`);
    }
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  return {
    year: Number(parts['year']), month: Number(parts['month']), day: Number(parts['day']),
    weekday: weekdays[parts['weekday']!]!, hour: Number(parts['hour']), minute: Number(parts['minute']),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const local = localTime(instant, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  return asUtc - Math.floor(instant / 60_000) * 60_000;
}

/**
 * The instant a local wall-clock time happens in the zone. A time that does not exist (skipped by
 * a spring-forward change) is moved forward by the gap, as most schedulers do (02:30 becomes
 * 03:30); one that happens twice (autumn) happens the first time.
 */
export function instantOf(date: { year: number; month: number; day: number }, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const candidates = [wall - offsetAt(wall - 36 * 3_600_000, timeZone), wall - offsetAt(wall + 36 * 3_600_000, timeZone)]
    .filter((instant) => { const t = localTime(instant, timeZone); return t.hour === hour && t.minute === minute && t.day === date.day; })
    .sort((x, y) => x - y);
  if (candidates.length > 0) return candidates[0]!;
  // In the gap: read with the offset from before the change, it lands the gap's length later.
  return wall - offsetAt(wall - 36 * 3_600_000, timeZone);
}

export function parseStart(start: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(start);
  if (!match) throw invalid(`${start} is not a time of day (HH:MM)`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * Whether the window is open at `now` and, either way, when the current or next opening ends or
 * begins. Looks back one day (a window that opened yesterday may still be open) and ahead eight.
 */
export function windowAt(window: MaintenanceWindow, timeZone: string, now: number): { open: boolean; opensAt: number; closesAt: number } {
  const { hour, minute } = parseStart(window.start);
  const today = localTime(now, timeZone);
  const base = Date.UTC(today.year, today.month - 1, today.day);
  for (let offset = -1; offset <= 8; offset++) {
    const day = new Date(base + offset * 86_400_000);
    const weekday = day.getUTCDay();
    if (window.days && !window.days.includes(weekday)) continue;
    const opensAt = instantOf({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() }, hour, minute, timeZone);
    const closesAt = opensAt + window.durationMinutes * 60_000;
    if (now < closesAt) return { open: now >= opensAt, opensAt, closesAt };
  }
  throw invalid('the maintenance window never opens (no days chosen)');
}
