// The wizard kit. How a wizard author uses it (one folder per wizard, e.g. ui/src/wizards/add-site/):
//
//   1. steps.ts — the steps, each with the *cumulative* schema up to it, imported from the API
//      where it exists (api/schemas/site.ts: siteDetailsStep → siteDevicesStep → …), so the last
//      step's schema is exactly what the API accepts and the inline messages are the API's own.
//   2. One component per step, taking the WizardState; each input sits in a <Field {wizard}
//      path="devices.0.serial" label="Serial"> and binds to `wizard.values.…` (input survives
//      back and next, since every step edits the one draft).
//   3. The wizard's page renders <Wizard {wizard} title=… step={…} review={…} launchLabel=…>:
//      the step list, the current step, Back/Next, then the review step and the launch button.
//      `review` shows what will happen; `launch` posts the parsed draft and answers the run's
//      workflowId, and the kit opens that run's progress page. A 400 from the API puts each of its
//      field errors on the field with that path, on the step that owns it (a field's message
//      follows its value once changed); other errors show above the step's fields. `check` (optional, per step) asks the API too (POST /sites/validate).
//   4. A route in App.svelte and a nav entry, and an e2e spec that calls screenshotWizardStep
//      (e2e/screenshots.ts) on every step.
import type { z } from 'zod';
import { ApiError, getJson } from '../lib/api.ts';
import { location, runHref } from '../lib/router.svelte.ts';
import { runListed } from '../runs/open-run.ts';
import { errorsOf, errorsWithin, ownedFields, stepOfPath, type FieldErrors, type StepDefinition } from './wizard-steps.ts';

export type { StepDefinition };

export interface WizardStepDefinition<Schema extends z.ZodObject = z.ZodObject> extends StepDefinition<Schema> {
  /** A check only the API can make (references, uniqueness), run before moving on; throws ApiError. */
  check?: (parsed: z.infer<Schema>) => Promise<unknown>;
}

export interface WizardOptions<Final extends z.ZodObject> {
  steps: [...WizardStepDefinition[], WizardStepDefinition<Final>];
  /** The draft to start from (defaults, the tenant chosen in the switcher…). */
  initial?: Record<string, unknown>;
  /**
   * Starts the run with what the last schema parsed; answers the run's workflow id, and the page
   * of its own that shows it live when it has one (a policy deployment's), opened at once.
   */
  launch: (parsed: z.infer<Final>) => Promise<{ workflowId: string; runId?: string; progressHref?: string }>;
}

export class WizardState<Final extends z.ZodObject = z.ZodObject> {
  /** The draft: everything typed in so far, on every step. Bind inputs to its fields. */
  values = $state<Record<string, unknown>>({});
  /** The current step; `steps.length` is the review step. */
  index = $state(0);
  /** Field errors by dotted path, as the schema or the API said them. */
  errors = $state<FieldErrors>({});
  /** An error of no field (the API refused the whole request, or could not be reached). */
  formError = $state('');
  busy = $state(false);
  readonly steps: WizardStepDefinition[];
  private readonly owned: string[][];

  constructor(private readonly options: WizardOptions<Final>) {
    this.steps = options.steps;
    this.owned = ownedFields(this.steps);
    this.values = structuredClone(options.initial ?? {});
  }

  get onReview(): boolean {
    return this.index === this.steps.length;
  }

  get step(): WizardStepDefinition | undefined {
    return this.steps[this.index];
  }

  /** The draft as it was when the errors were shown: a field changed since shows what the schema says of it now, or nothing. */
  private valuesAtErrors: Record<string, unknown> = {};
  private readonly issuesNow = $derived.by((): FieldErrors => {
    if (Object.keys(this.errors).length === 0) return {};
    const schema = (this.step ?? this.steps[this.steps.length - 1]!).schema;
    const parsed = schema.safeParse($state.snapshot(this.values));
    return parsed.success ? {} : errorsOf(parsed.error.issues);
  });

  errorAt(path: string): string | undefined {
    const shown = this.errors[path];
    if (shown === undefined) return undefined;
    return changedAt(this.values, this.valuesAtErrors, path) ? this.issuesNow[path] : shown;
  }

  /** Some field still shows an error (fixing the last one takes the summary away too). */
  get hasFieldErrors(): boolean {
    return Object.keys(this.errors).some((path) => this.errorAt(path) !== undefined);
  }

  private setErrors(errors: FieldErrors) {
    this.errors = errors;
    this.valuesAtErrors = $state.snapshot(this.values);
  }

  /** Validates the current step (its schema, then its API check) and moves on; errors stay inline. */
  async next(): Promise<boolean> {
    const step = this.step;
    if (!step || this.busy) return false;
    const parsed = step.schema.safeParse($state.snapshot(this.values));
    if (!parsed.success) {
      const all = errorsOf(parsed.error.issues);
      this.setErrors(errorsWithin(all, this.owned[this.index]!));
      // Earlier steps were valid when left; an issue there means their schema changed under us: say it rather than hang.
      this.formError = Object.keys(this.errors).length === 0 ? Object.entries(all).map(([path, message]) => `${path}: ${message}`).join('; ') : '';
      return false;
    }
    if (step.check && !(await this.ask(() => step.check!(parsed.data)))) return false;
    this.errors = {};
    this.formError = '';
    this.index += 1;
    return true;
  }

  back() {
    if (this.index === 0 || this.busy) return;
    this.errors = {};
    this.formError = '';
    this.index -= 1;
  }

  /** Earlier steps only: later ones have not been validated yet. */
  goTo(index: number) {
    if (index < this.index && !this.busy) {
      this.errors = {};
      this.formError = '';
      this.index = index;
    }
  }

  /** The review step's button: parse the whole draft, start the run, open its progress page. */
  async launch(): Promise<void> {
    const last = this.steps[this.steps.length - 1]!;
    const parsed = last.schema.safeParse($state.snapshot(this.values));
    if (!parsed.success) {
      this.showFieldErrors(errorsOf(parsed.error.issues));
      return;
    }
    let href = '';
    const launched = await this.ask(async () => {
      const started = await this.options.launch(parsed.data as z.infer<Final>);
      href = started.progressHref ?? runHref(started.workflowId);
      if (!started.progressHref) await runListed(started);
    });
    if (launched) location.navigate(href);
  }

  /** Runs a request to the API; its field errors go inline, on the step that owns them. */
  private async ask(request: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.formError = '';
    try {
      await request();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.errors.length > 0) this.showFieldErrors(Object.fromEntries(error.errors.map((e) => [e.path, e.message])));
      else this.formError = (error as Error).message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  private showFieldErrors(errors: FieldErrors) {
    const first = Object.keys(errors)[0];
    if (first === undefined) return;
    this.index = Math.min(this.index, stepOfPath(this.owned, first));
    this.setErrors(errors);
    const stray = Object.keys(errors).filter((path) => !this.owned.some((fields) => fields.includes(path.split('.')[0]!)));
    if (stray.length > 0) this.formError = stray.map((path) => `${path}: ${errors[path]}`).join('; ');
  }
}

/** Whether the value at a dotted path (`devices.0.serial`) differs between two drafts. */
function changedAt(now: Record<string, unknown>, before: Record<string, unknown>, path: string): boolean {
  const at = (draft: unknown) => path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], draft);
  return JSON.stringify(at(now)) !== JSON.stringify(at(before));
}
