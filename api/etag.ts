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
