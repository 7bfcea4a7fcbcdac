// Idempotency-Key on POST (IETF draft "The Idempotency-Key HTTP Header Field"): the first request
// with a key runs and its answer is kept for a day; the same request sent again gets that answer
// back; the same key with another body is refused, and so is one still being answered.
import { createHash } from 'node:crypto';
import type { PrismaClient, Statements } from '../prisma/client.ts';
import { Prisma } from '../prisma/client.ts';
import { insertAuditRows, UnwrittenAudit, type AuditRow } from './audit.ts';
import { HttpProblem } from './problems.ts';

const keptForMs = 24 * 60 * 60 * 1000;
/** A first request that has not answered in this long died with its process: its key is free again. */
const abandonedAfterMs = 5 * 60 * 1000;

export interface KeptAnswer {
  status: number;
  location: string | null;
  body: unknown;
}

export class IdempotencyKeys {
  private lastPurge = 0;
  /** The entries of requests whose answer and release both failed, written once the database is back. */
  readonly unwritten: UnwrittenAudit;

  /**
   * `statements` carries the statements every request with a key sends (its claim, its answer);
   * the rare ones (a key taken already, a day-old purge) go through Prisma.
   */
  constructor(private readonly prisma: PrismaClient, private readonly statements: Statements) {
    this.unwritten = new UnwrittenAudit(statements);
  }

  /** Keys a day old are forgotten; once a minute at most, so a busy API does not pay per request. */
  private async purge(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.prisma.idempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - keptForMs) } } });
  }

  static requestHash(method: string, path: string, rawBody: Buffer | undefined): string {
    return createHash('sha256').update(`${method} ${path}\n`).update(rawBody ?? '').digest('hex');
  }

  /** Claims the key for this request, or returns the answer kept for it. */
  async claim(actor: string, key: string, method: string, path: string, requestHash: string): Promise<KeptAnswer | undefined> {
    await this.purge();
    // One statement, no error to build when the key is taken: the common case is a first request.
    const inserted = await this.statements.execute(Prisma.sql`
      INSERT INTO idempotency_key (actor, key, method, path, request_hash, created_at)
      VALUES (${actor}, ${key}, ${method}, ${path}, ${requestHash}, ${new Date()}) ON CONFLICT DO NOTHING`);
    if (inserted === 1) return undefined;
    const kept = await this.prisma.idempotencyKey.findUnique({ where: { actor_key: { actor, key } } });
    if (!kept) return this.claim(actor, key, method, path, requestHash);
    const age = Date.now() - kept.createdAt.getTime();
    const stale = age > keptForMs || (!kept.completedAt && age > abandonedAfterMs);
    if (stale) {
      const taken = await this.prisma.idempotencyKey.updateMany({
        where: { actor, key, createdAt: kept.createdAt },
        data: { method, path, requestHash, status: null, location: null, response: Prisma.DbNull, createdAt: new Date(), completedAt: null },
      });
      if (taken.count === 1) return undefined;
      return this.claim(actor, key, method, path, requestHash);
    }
    if (kept.requestHash !== requestHash) {
      throw new HttpProblem(422, 'idempotency-key-reused', 'Idempotency key reused',
        'This Idempotency-Key was sent before with another request; use a new key for a new request.');
    }
    if (!kept.completedAt || kept.status === null) {
      throw new HttpProblem(409, 'idempotency-key-in-use', 'Request in progress',
        'The first request with this Idempotency-Key is still being answered; send it again in a moment.');
    }
    return { status: kept.status, location: kept.location, body: kept.response };
  }

  /** Keeps the answer, and writes the audit entries the request held for it, in one statement. */
  async complete(actor: string, key: string, answer: KeptAnswer, audit: AuditRow[] = []): Promise<void> {
    await this.statements.execute(Prisma.sql`
      ${withAudit(audit)} UPDATE idempotency_key SET status = ${answer.status}, location = ${answer.location},
        response = ${JSON.stringify(answer.body ?? null)}::jsonb, completed_at = ${new Date()}
      WHERE actor = ${actor} AND key = ${key}`);
  }

  /**
   * A request that failed keeps nothing: the same key may be sent again once the cause is fixed.
   * What it did before it failed keeps its audit entries, written later when the database is gone
   * (the key then stays claimed until it counts as abandoned).
   */
  async release(actor: string, key: string, audit: AuditRow[] = []): Promise<void> {
    try {
      await this.statements.execute(Prisma.sql`${withAudit(audit)} DELETE FROM idempotency_key WHERE actor = ${actor} AND key = ${key} AND completed_at IS NULL`);
    } catch (error) {
      if (audit.length > 0) this.unwritten.keep(audit);
      throw error;
    }
  }
}

const withAudit = (rows: AuditRow[]) => (rows.length > 0 ? Prisma.sql`WITH audited AS (${insertAuditRows(rows)})` : Prisma.empty);
