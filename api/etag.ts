// Optimistic concurrency for updates: GET answers an ETag (the object's updatedAt), and a change
// must send it back in If-Match. A stale one answers 412 and changes nothing.
import type { Request, Response } from 'express';
import { HttpProblem } from './problems.ts';

export const etagOf = (updatedAt: Date) => `"${updatedAt.getTime().toString(36)}"`;

export function sendEtag(res: Response, updatedAt: Date): void {
  res.setHeader('ETag', etagOf(updatedAt));
}

/** The updatedAt the caller last saw, from If-Match; the update then matches on it. */
export function ifMatch(req: Request, current: Date): Date {
  const header = req.get('if-match');
  if (!header) throw new HttpProblem(428, 'precondition-required', 'If-Match required', 'Send the ETag you last read in If-Match, so two people cannot overwrite each other.');
  if (header.trim() !== '*' && !header.split(',').map((tag) => tag.trim().replace(/^W\//, '')).includes(etagOf(current))) {
    throw new HttpProblem(412, 'precondition-failed', 'Changed meanwhile', 'The object changed since you read it: read it again and reapply your change.', { etag: etagOf(current) });
  }
  return current;
}

/**
 * Applies a change to the version the caller read, and no other: If-Match is checked against
 * `before`, `update` must match on the updatedAt it is given, and when it matched nothing (the row
 * changed meanwhile) the answer is 412 from the row as it is now. Returns the row after the change.
 */
export async function updateIfMatch<T extends { updatedAt: Date }>(
  req: Request,
  before: T,
  update: (updatedAt: Date) => Promise<{ count: number }>,
  read: () => Promise<T>,
): Promise<T> {
  const seen = ifMatch(req, before.updatedAt);
  if ((await update(seen)).count === 0) ifMatch(req, (await read()).updatedAt);
  return read();
}
