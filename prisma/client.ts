import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Prisma as PrismaNamespace } from '../generated/prisma/client.ts';
import { PrismaClient } from '../generated/prisma/client.ts';

export type { PrismaClient };
export { Prisma } from '../generated/prisma/client.ts';

/** One client per process; the pool size bounds this process's share of PostgreSQL connections. */
export function createPrismaClient(databaseUrl: string, options: { poolSize?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
}

/**
 * A uuid v7 (RFC 9562: milliseconds since the epoch, then random bits), as Prisma makes ids
 * (`uuid(7)`), for the rows a raw statement inserts: ids sort by creation, which pages of the
 * audit log and of events rely on. PostgreSQL makes these only from 18.
 */
export function uuidV7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Raw statements (`Prisma.sql`), sent on a pool of their own or on a Prisma client's. */
export interface Statements {
  rows<T>(sql: PrismaNamespace.Sql): Promise<T[]>;
  /** The rows the statement changed. */
  execute(sql: PrismaNamespace.Sql): Promise<number>;
}

/**
 * A pool of its own, sent as pg sends them without Prisma's query path: for the few hot statements
 * that must not queue behind the rest of the process's work (a run's start behind a burst of reads)
 * nor pay Prisma's per-statement CPU. pg gives jsonb as objects, timestamps as Dates and arrays as
 * arrays, as Prisma's raw queries do; bigint and numeric come back as text.
 */
export function createStatementPool(databaseUrl: string, options: { poolSize: number }): Statements & { close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize });
  // An idle connection the server dropped is an error on the pool: the next statement opens another.
  pool.on('error', () => undefined);
  return {
    rows: async <T>(sql: PrismaNamespace.Sql) => (await pool.query(sql.text, sql.values)).rows as T[],
    execute: async (sql: PrismaNamespace.Sql) => (await pool.query(sql.text, sql.values)).rowCount ?? 0,
    close: () => pool.end(),
  };
}

/** The same statements on a Prisma client's pool (where no pool of their own is worth its connections). */
export function prismaStatements(prisma: PrismaClient): Statements {
  return {
    rows: <T>(sql: PrismaNamespace.Sql) => prisma.$queryRaw<T[]>(sql),
    execute: (sql: PrismaNamespace.Sql) => prisma.$executeRaw(sql),
  };
}
