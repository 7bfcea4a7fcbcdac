// RFC 9457 problem details: the one shape every error of the API takes.
export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const typeBase = 'https://branchline.dev/problems/';

/** The members RFC 9457 defines. An extension by one of these names would change what they say (a 409 answering `"status": "planned"`). */
const members = ['type', 'title', 'status', 'detail', 'instance'] as const;

/** Extensions: any member but the standard ones (name a site's status `siteStatus`, not `status`). */
export type ProblemExtensions = Record<string, unknown> & { [member in (typeof members)[number]]?: never };

/** An error the API answers with as it is; anything else becomes a 500 with a correlation id. */
export class HttpProblem extends Error {
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    extensions: ProblemExtensions = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
    // The type forbids them; one that slips through (a spread object, a cast) is dropped rather than answered.
    this.extensions = Object.fromEntries(Object.entries(extensions).filter(([name]) => !(members as readonly string[]).includes(name)));
  }

  toJSON(instance?: string): ProblemDetails {
    return {
      type: typeBase + this.slug,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

/** A 503 that is an answer, not an outage: the request is right but early, and its Retry-After says when to send it again. */
export class NotYet extends HttpProblem {
  constructor(detail: string) {
    super(503, 'unavailable', 'Service unavailable', detail);
  }
}

export const problems = {
  validation: (errors: FieldError[]) =>
    new HttpProblem(400, 'validation', 'The request is not valid', `${errors.length} field(s) failed validation.`, { errors }),
  badRequest: (detail: string) => new HttpProblem(400, 'bad-request', 'Bad request', detail),
  notFound: (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} does not exist.`),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${path} answers ${allowed.join(', ')}, not ${method}.`, { allowed }),
  conflict: (detail: string, extensions: ProblemExtensions = {}) =>
    new HttpProblem(409, 'conflict', 'Conflict', detail, extensions),
  tooLarge: (limit: string) => new HttpProblem(413, 'too-large', 'Request body too large', `The body is over the ${limit} limit.`),
  unavailable: (detail: string, extensions: ProblemExtensions = {}) =>
    new HttpProblem(503, 'unavailable', 'Service unavailable', detail, extensions),
  temporalUnavailable: () =>
    new HttpProblem(503, 'temporal-unavailable', 'Workflow service unavailable',
      'Temporal, which runs every workflow, cannot be reached just now: send the request again in a moment.'),
};
