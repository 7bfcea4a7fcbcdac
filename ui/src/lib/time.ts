// Times as an operator reads them: local date and time, and durations in words.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '';
}

/** "850 ms", "12 s", "3 min 5 s", "2 h 4 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** From start to end, or to now while it is still going. */
export function elapsed(startedAt: string | null | undefined, endedAt: string | null | undefined, now: number): string {
  if (!startedAt) return '';
  return duration((endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt));
}
