// Every change through the API leaves an audit entry: who (the principal), what (action and
// object), when, in which tenant, and the object before and after.
import type { Request } from 'express';
import { Prisma, uuidV7, type PrismaClient, type Statements } from '../prisma/client.ts';
import type { Principal } from './access/principal.ts';

export interface AuditedChange {
  action: string;
  objectType: string;
  objectId?: string | null;
  tenantId?: string | null;
  before?: unknown;
  after?: unknown;
}

const asJson = (value: unknown) => (value === undefined || value === null ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue));

/** An audit entry as its row holds it. */
function auditRow(principal: Principal, req: Request | undefined, change: AuditedChange) {
  return {
    actorType: principal.actor.type === 'anonymous' ? 'system' as const : principal.actor.type,
    actorId: principal.actor.type === 'anonymous' ? `anonymous:${principal.actor.id}` : principal.actor.id,
    tenantId: change.tenantId ?? null,
    action: change.action,
    objectType: change.objectType,
    objectId: change.objectId ?? null,
    before: asJson(change.before),
    after: asJson(change.after),
    requestId: (req?.get('x-request-id') ?? null),
  };
}
export type AuditRow = ReturnType<typeof auditRow>;

export async function recordAudit(
  db: PrismaClient | Prisma.TransactionClient,
  principal: Principal,
  req: Request | undefined,
  change: AuditedChange,
): Promise<void> {
  await db.auditEntry.create({ data: auditRow(principal, req, change) });
}

/**
 * Entries a request writes in the statement that keeps its answer (a POST holding an
 * Idempotency-Key, see api/openapi.ts) rather than in one of their own: a run's start is paid for
 * in round trips. The route takes them back, answered or failed, and writes them.
 */
const heldForAnswer = new WeakMap<Request, AuditRow[]>();

/** From now on the request's entries recorded by `recordAuditWithAnswer` wait for its answer. */
export function holdAuditForAnswer(req: Request): AuditRow[] {
  const held: AuditRow[] = [];
  heldForAnswer.set(req, held);
  return held;
}

/** Records the entry with the request's answer when the route holds one for it; at once otherwise. */
export async function recordAuditWithAnswer(prisma: PrismaClient, principal: Principal, req: Request, change: AuditedChange): Promise<void> {
  const held = heldForAnswer.get(req);
  if (held) held.push(auditRow(principal, req, change));
  else await recordAudit(prisma, principal, req, change);
}

/** An insert of the entries, for a statement that does something else as well (`WITH audited AS (…)`). */
export function insertAuditRows(rows: AuditRow[]): Prisma.Sql {
  const entries = rows.map((row) => ({
    id: uuidV7(), actor_type: row.actorType, actor_id: row.actorId, tenant_id: row.tenantId, action: row.action,
    object_type: row.objectType, object_id: row.objectId, before: row.before, after: row.after, request_id: row.requestId,
  }));
  return Prisma.sql`
    INSERT INTO audit_entry (id, actor_type, actor_id, tenant_id, action, object_type, object_id, before, after, request_id)
    SELECT id, actor_type::"ActorType", actor_id, tenant_id, action, object_type, object_id, before, after, request_id
    FROM jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) AS entry(id uuid, actor_type text, actor_id text, tenant_id uuid,
      action text, object_type text, object_id text, before jsonb, after jsonb, request_id text)`;
}

/**
 * Entries whose statement failed after what they record was done (the database gone between a
 * run's start and its answer): written again every few seconds until the database takes them, so
 * the run keeps its entry while this process lives. At most `bound` wait; past it, the oldest go.
 */
export class UnwrittenAudit {
  private waiting: AuditRow[] = [];
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly statements: Statements, private readonly retryMs = 2_000, private readonly bound = 10_000) {}

  get size(): number {
    return this.waiting.length;
  }

  keep(rows: AuditRow[]): void {
    this.waiting.push(...rows);
    this.waiting.splice(0, Math.max(0, this.waiting.length - this.bound));
    this.retry ??= setTimeout(() => void this.write(), this.retryMs).unref();
  }

  private async write(): Promise<void> {
    const rows = this.waiting.splice(0);
    this.retry = undefined;
    try {
      await this.statements.execute(insertAuditRows(rows));
    } catch {
      this.keep(rows);
    }
  }
}
