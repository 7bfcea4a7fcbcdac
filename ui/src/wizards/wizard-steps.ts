// The pure part of the wizard kit: which fields each step owns, and errors keyed by the same dotted
// paths the API's problem details use (`devices.0.serial`), so a zod issue in the browser and a
// field error from the API land on the same input.
import type { z } from 'zod';

export interface StepDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** Short and stable: the step's id in the page and in screenshot names ("details", "devices"). */
  id: string;
  title: string;
  /** Everything up to and including this step: the previous step's schema `.extend(…)`ed. */
  schema: Schema;
}

/** Dotted path → message, first message per path. */
export type FieldErrors = Record<string, string>;

export function errorsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) errors[issue.path.map(String).join('.')] ??= issue.message;
  return errors;
}

/** The top-level fields each step adds to the one before (cumulative schemas make this a difference of shapes). */
export function ownedFields(steps: readonly StepDefinition[]): string[][] {
  return steps.map((step, index) => {
    const before = new Set(index === 0 ? [] : Object.keys(steps[index - 1]!.schema.shape));
    return Object.keys(step.schema.shape).filter((key) => !before.has(key));
  });
}

/** The step whose fields hold this path; a path no step owns (a whole-body error) belongs to the last. */
export function stepOfPath(owned: readonly string[][], path: string): number {
  const field = path.split('.')[0] ?? '';
  const index = owned.findIndex((fields) => fields.includes(field));
  return index === -1 ? owned.length - 1 : index;
}

/** Only the errors of these fields (a step shows its own; earlier steps were valid when left). */
export function errorsWithin(errors: FieldErrors, fields: readonly string[]): FieldErrors {
  return Object.fromEntries(Object.entries(errors).filter(([path]) => fields.includes(path.split('.')[0] ?? '')));
}
