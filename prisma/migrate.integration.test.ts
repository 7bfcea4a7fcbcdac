import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { schemaSqlFromEmpty } from '../scripts/schema-engine.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/testing.ts';
import { applyMigrations, readMigrations, type Migration } from './migrate.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * What Prisma can express of a database's schema: tables, columns, keys, unique and foreign
 * constraints, indexes and enums — without the CHECK constraints and partial indexes that the
 * migrations add by hand.
 */
async function prismaVisibleSchema(url: string): Promise<string[]> {
  const rows = await query<{ line: string }>(url, `
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f') AND conrelid::regclass::text <> '_prisma_migrations'
    UNION ALL
    SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' AND indexdef NOT LIKE '% WHERE %'
    UNION ALL
    SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
    ORDER BY 1`);
  return rows.map((row) => row.line);
}

describe('applyMigrations', () => {
  const databases: TestDatabase[] = [];
  const database = async () => {
    const created = await createTestDatabase({ migrate: false });
    databases.push(created);
    return created;
  };
  after(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('applies every migration once and records it as Prisma does', async () => {
    const { url } = await database();
    const migrations = readMigrations();
    assert.ok(migrations.length > 0);
    assert.deepEqual((await applyMigrations(url)).applied, migrations.map((m) => m.name));
    assert.deepEqual((await applyMigrations(url)).applied, []);

    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; id: string }>(
      url, 'SELECT id, migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name');
    assert.equal(rows.length, migrations.length);
    for (const [index, row] of rows.entries()) {
      const migration = migrations[index]!;
      assert.equal(row.migration_name, migration.name);
      assert.equal(row.checksum, migration.checksum);
      assert.match(row.id, /^[0-9a-f-]{36}$/);
      assert.ok(row.finished_at);
      assert.equal(row.applied_steps_count, 1);
    }
  });

  it('records the checksum as the sha256 of the file, as prisma migrate deploy checks it', () => {
    for (const migration of readMigrations()) {
      assert.equal(migration.checksum, createHash('sha256').update(Buffer.from(migration.sql, 'utf8')).digest('hex'));
    }
  });

  it('refuses to go on when an applied migration was edited afterwards', async () => {
    const { url } = await database();
    await applyMigrations(url);
    const [first, ...rest] = readMigrations() as [Migration, ...Migration[]];
    const edited = { ...first, sql: first.sql + '\n-- edited', checksum: 'f'.repeat(64) };
    await assert.rejects(applyMigrations(url, [edited, ...rest]), /was changed after it was applied/);
  });

  it('rolls a failing migration back whole and applies nothing of it', async () => {
    const { url } = await database();
    await applyMigrations(url);
    const broken: Migration = { name: '99999999999999_broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();', checksum: '0'.repeat(64) };
    await assert.rejects(applyMigrations(url, [...readMigrations(), broken]), /99999999999999_broken failed and was rolled back/);
    assert.deepEqual(await query(url, "SELECT 1 FROM pg_tables WHERE tablename = 'half_done'"), []);
    assert.deepEqual(await query(url, "SELECT 1 FROM \"_prisma_migrations\" WHERE migration_name = '99999999999999_broken'"), []);
  });

  it('lets several processes migrate at once: each migration is applied exactly once', async () => {
    const { url } = await database();
    const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
    assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, 0, readMigrations().length]);
  });

  it('builds exactly the schema that schema.prisma describes (no forgotten migration)', async () => {
    const migrated = await database();
    await applyMigrations(migrated.url);
    const fromSchema = await database();
    const sql = await schemaSqlFromEmpty(join(import.meta.dirname, 'schema.prisma'));
    await applyMigrations(fromSchema.url, [{ name: '00000000000000_from_schema', sql, checksum: '0'.repeat(64) }]);
    const expected = await prismaVisibleSchema(fromSchema.url);
    assert.ok(expected.length > 200, 'the comparison covers the whole schema');
    assert.deepEqual(await prismaVisibleSchema(migrated.url), expected);
  });
});
