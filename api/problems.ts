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

/** An error the API answers with as it is; anything else becomes a 500 with a correlation id. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
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

export const problems = {
  validation: (errors: FieldError[]) =>
    new HttpProblem(400, 'validation', 'The request is not valid', `${errors.length} field(s) failed validation.`, { errors }),
  badRequest: (detail: string) => new HttpProblem(400, 'bad-request', 'Bad request', detail),
  notFound: (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} does not exist.`),
  conflict: (detail: string, extensions: Record<string, unknown> = {}) =>
    new HttpProblem(409, 'conflict', 'Conflict', detail, extensions),
  tooLarge: (limit: string) => new HttpProblem(413, 'too-large', 'Request body too large', `The body is over the ${limit} limit.`),
  unavailable: (detail: string, extensions: Record<string, unknown> = {}) =>
    new HttpProblem(503, 'unavailable', 'Service unavailable', detail, extensions),
};
