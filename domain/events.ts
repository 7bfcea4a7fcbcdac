// Domain events as every layer names them: the PostgreSQL channel that announces them, what it
// carries, and how a subscription's patterns choose them.

export const eventChannel = 'branchline_events';

/** What the channel carries: enough for a stream to filter on and, when small, the event itself. */
export interface EventNotice {
  id: string;
  tenantId: string | null;
  type: string;
  workflowId: string | null;
  at: string;
  data?: Record<string, unknown>;
}

/** `site.*` matches `site.activated`; `*` matches everything. */
export function wants(patterns: string[], type: string): boolean {
  return patterns.some((pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}
