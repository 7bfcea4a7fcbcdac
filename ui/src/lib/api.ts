// The UI's one way to the API: JSON in, JSON out, problem details turned into errors with the
// API's own words.
export class ApiError extends Error {
  constructor(readonly status: number, readonly title: string, readonly detail?: string) {
    super(detail ?? title);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body?.title ?? response.statusText, body?.detail);
  return body as T;
}
