// The UI's one way to the API: JSON in, JSON out, problem details turned into errors with the
// API's own words. A 401 on any call means the session is gone, so it ends the session here.
import { hasSignedInHint, signedInHintCookie } from '../../../domain/session-hint.ts';
import { session, type Session } from './session.svelte.ts';

/** One field the API refused: `path` is the dotted path into the request body (`devices.0.serial`). */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    /** From Retry-After, when the API says to wait (429, 503). */
    readonly retryAfterSeconds?: number,
    /** A validation problem's per-field errors. */
    readonly errors: FieldError[] = [],
  ) {
    super(detail ?? title);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  return send<T>(method, path, body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' });
}

async function send<T>(method: string, path: string, content: { body?: BodyInit; contentType?: string }): Promise<T> {
  return (await exchange<T>(method, path, content)).answer;
}

async function exchange<T>(method: string, path: string, content: { body?: BodyInit; contentType?: string; ifMatch?: string }): Promise<{ answer: T; etag: string }> {
  const response = await fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      ...(content.contentType ? { 'content-type': content.contentType } : {}),
      ...(content.ifMatch ? { 'if-match': content.ifMatch } : {}),
    },
    ...(content.body === undefined ? {} : { body: content.body }),
  });
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 401) {
      document.cookie = `${signedInHintCookie}=; path=/; max-age=0; samesite=strict`;
      session.expire();
    }
    const retryAfter = secondsToWait(response.headers.get('retry-after'));
    throw new ApiError(response.status, answer?.title ?? response.statusText, answer?.detail, retryAfter, Array.isArray(answer?.errors) ? answer.errors : []);
  }
  return { answer: answer as T, etag: response.headers.get('etag') ?? '' };
}

// Retry-After is either a number of seconds or an HTTP date.
function secondsToWait(retryAfter: string | null): number | undefined {
  if (!retryAfter) return undefined;
  const seconds = /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : (Date.parse(retryAfter) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : undefined;
}

export function getJson<T>(path: string): Promise<T> {
  return request<T>('GET', path);
}

export function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return request<T>('POST', path, body);
}

export function putJson<T>(path: string, body: unknown): Promise<T> {
  return request<T>('PUT', path, body);
}

/** Changes an object that is not versioned by ETag (a credential profile: its secrets are replaced whole). */
export function patchUnversioned<T>(path: string, body: unknown): Promise<T> {
  return request<T>('PATCH', path, body);
}

export async function deleteJson(path: string): Promise<void> {
  await request<void>('DELETE', path);
}

/** An object and its ETag (the version read), for a later change sent with If-Match. */
export interface Versioned<T> {
  body: T;
  etag: string;
}

/** Creates an object, keeping its ETag. */
export async function createJson<T>(path: string, body: unknown): Promise<Versioned<T>> {
  const { answer, etag } = await exchange<T>('POST', path, { body: JSON.stringify(body), contentType: 'application/json' });
  return { body: answer, etag };
}

/** Changes the version of an object last read (a 412 when someone changed it meanwhile). */
export async function patchJson<T>(path: string, body: unknown, etag: string): Promise<Versioned<T>> {
  const { answer, etag: after } = await exchange<T>('PATCH', path, { body: JSON.stringify(body), contentType: 'application/json', ifMatch: etag });
  return { body: answer, etag: after };
}

/** Reads an object with its ETag, for a later change sent with If-Match. */
export async function getVersioned<T>(path: string): Promise<Versioned<T>> {
  const { answer, etag } = await exchange<T>('GET', path, {});
  return { body: answer, etag };
}

/** Replaces the version of an object last read whole (a 412 when someone changed it meanwhile). */
export async function putVersioned<T>(path: string, body: unknown, etag: string): Promise<Versioned<T>> {
  const { answer, etag: after } = await exchange<T>('PUT', path, { body: JSON.stringify(body), contentType: 'application/json', ifMatch: etag });
  return { body: answer, etag: after };
}

/** Sends a file as it is, the request's whole body (a firmware image). */
export function postFile<T>(path: string, file: Blob): Promise<T> {
  return send<T>('POST', path, { body: file, contentType: 'application/octet-stream' });
}

/** A query string of the parameters that have a value. */
export function query(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined && value !== '') search.set(name, String(value));
  return search.toString();
}

/**
 * Asks the API whether the browser's cookie is still a session, when the signed-in hint says it may
 * be; a 401 (the session expired) forgets the hint and leaves the sign-in form.
 */
export async function resumeSession(): Promise<void> {
  if (!hasSignedInHint(document.cookie)) {
    session.end();
    return;
  }
  try {
    session.begin(await request<Session>('GET', '/api/v1/session'));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      session.end(`Could not check whether you are signed in: ${(error as Error).message}`);
    }
  }
}

export async function signIn(credentials: { email: string; password: string }): Promise<void> {
  session.begin(await request<Session>('POST', '/api/v1/session', credentials));
}

export async function signOut(): Promise<void> {
  await deleteJson('/api/v1/session');
  session.end();
}
