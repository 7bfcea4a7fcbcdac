// A point in time a request filters on: ISO 8601 with its offset, from 1970 to the year 9999 in UTC.
// `0001-01-01T00:00:00+05:00` names an instant in the year 0, which PostgreSQL refuses, and a
// range's default start (a week before its end) must stay within what it holds too: a time outside
// is the caller's error (400), never the database's (500).
import { z } from 'zod';

const latest = Date.parse('9999-12-31T23:59:59.999Z');

export function instant() {
  return z.iso.datetime({ offset: true }).refine((text) => {
    const at = Date.parse(text);
    return at >= 0 && at <= latest;
  }, 'is an instant from 1970 to 9999 (UTC)');
}
