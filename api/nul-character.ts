// PostgreSQL's text cannot hold U+0000: a string carrying one fails the statement that stores or
// even compares it (error 22021, or 22P05 inside JSON). No text the API takes has a use for it, so
// every route refuses it in its path, query and body before anything reads the database.
import type { FieldError } from './problems.ts';

const nul = '\u0000';
/** Enough to name the fields to fix without echoing a large body back. */
const reportedAtMost = 20;

/** A value met on the way down, with the way back up to name it: no path is copied per level. */
interface Visit {
  value: unknown;
  name?: string;
  parent?: Visit;
}

function pathOf(visit: Visit): string {
  const names: string[] = [];
  for (let at: Visit | undefined = visit; at?.name !== undefined; at = at.parent) names.push(at.name);
  return names.reverse().join('.');
}

/** Where the input carries a NUL character, in a string or in the name of a field, as per-field errors. */
export function nulCharacterErrors(input: unknown): FieldError[] {
  const errors: FieldError[] = [];
  // Iterative, not recursive: a body may nest deeper than the stack.
  const pending: Visit[] = [{ value: input }];
  while (pending.length > 0 && errors.length < reportedAtMost) {
    const visit = pending.pop()!;
    if (typeof visit.value === 'string') {
      if (visit.value.includes(nul)) errors.push({ path: pathOf(visit), message: 'contains a NUL character (U+0000), which no text may hold' });
    } else if (visit.value !== null && typeof visit.value === 'object') {
      const children = Object.entries(visit.value).map(([name, value]) => ({ value, name, parent: visit }));
      for (const child of children) {
        if (child.name.includes(nul)) errors.push({ path: pathOf(child), message: 'names a field with a NUL character (U+0000), which no text may hold' });
      }
      // Last first, so fields are reported in the order they came.
      for (let index = children.length - 1; index >= 0; index--) pending.push(children[index]!);
    }
  }
  return errors.slice(0, reportedAtMost);
}
