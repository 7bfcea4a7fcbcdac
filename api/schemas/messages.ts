// Validation messages in an operator's words, for the API's field errors and the UI's inline ones
// alike (the UI puts them after the field's label: "Site name is required"). Zod's own speak of
// types ("Too small: expected string to have >=1 characters"); these say what is wanted. A schema
// with a message of its own keeps it. The API (api/openapi.ts) and the UI (ui/src/main.ts) each
// turn them on once.
import { z } from 'zod';

type Issue = Parameters<NonNullable<z.core.$ZodConfig['customError']>>[0];

const entries = (n: number | bigint) => (Number(n) === 1 ? 'one entry' : `${n} entries`);

const formats: Record<string, string> = {
  email: 'is not an email address',
  uuid: 'is not an id',
  guid: 'is not an id',
  url: 'is not a URL',
  ipv4: 'is not an IPv4 address',
  ipv6: 'is not an IPv6 address',
  cidrv4: 'is not an IPv4 prefix (such as 10.1.0.0/24)',
  datetime: 'is not a date and time (such as 2026-12-01T09:00:00Z)',
  date: 'is not a date (such as 2026-12-01)',
};

export function operatorMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === null ? 'is required' : `must be a ${issue.expected === 'int' ? 'whole number' : issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'is required' : `is at least ${issue.minimum} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${entries(issue.minimum)}`;
      return issue.inclusive === false ? `must be more than ${issue.minimum}` : `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `is at most ${issue.maximum} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${entries(issue.maximum)}`;
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`;
    case 'invalid_format':
      return formats[issue.format] ?? 'is not in the expected form';
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `has fields this request does not take: ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
}

export function useOperatorMessages(): void {
  z.config({ customError: operatorMessage });
}

/** A tenant chosen from a list: empty means none was chosen yet. */
export const tenantChoice = z.uuid({ error: (issue) => (issue.input ? 'is not a tenant id' : 'is required: choose a tenant') });
