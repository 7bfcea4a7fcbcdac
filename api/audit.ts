// Every change through the API leaves an audit entry: who (the principal), what (action and
// object), when, in which tenant, and the object before and after.
import type { Request } from 'express';
import type { Prisma, PrismaClient } from '../prisma/client.ts';
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

export async function recordAudit(
  db: PrismaClient | Prisma.TransactionClient,
  principal: Principal,
  req: Request | undefined,
  change: AuditedChange,
): Promise<void> {
  await db.auditEntry.create({
    data: {
      actorType: principal.actor.type === 'anonymous' ? 'system' : principal.actor.type,
      actorId: principal.actor.type === 'anonymous' ? `anonymous:${principal.actor.id}` : principal.actor.id,
      tenantId: change.tenantId ?? null,
      action: change.action,
      objectType: change.objectType,
      objectId: change.objectId ?? null,
      before: asJson(change.before),
      after: asJson(change.after),
      requestId: (req?.get('x-request-id') ?? null),
    },
  });
}
