// Prisma's schema engine, compiled to WebAssembly, driven from Node: it turns schema.prisma into
// SQL without the native engine Prisma's CLI would download. Development and tests only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';

const require = createRequire(import.meta.url);

let loaded: Promise<void> | undefined;

/** Node 20 cannot import .wasm; instantiate it with its wasm-bindgen glue. Prefer the prisma CLI's own copy. */
function loadEngine(): Promise<void> {
  loaded ??= (async () => {
    const wasmPath = join(dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': engineGlue as never });
    (engineGlue as unknown as { __wbg_set_wasm(exports: unknown): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  })();
  return loaded;
}

/**
 * A diff from nothing needs no database: at start-up the engine only asks the server's version,
 * which this adapter answers; anything else it refuses.
 */
function versionOnlyAdapterFactory() {
  const refuse = async () => {
    throw new Error('the schema engine asked for a database, and a diff from empty needs none');
  };
  const adapter = {
    provider: 'postgres' as const,
    adapterName: 'branchline-version-only',
    getConnectionInfo: () => ({ supportsRelationJoins: true }),
    queryRaw: async (query: { sql: string }) => {
      if (!query.sql.includes('server_version_num')) return refuse();
      return { columnNames: ['exists', 'version', 'numeric_version'], columnTypes: [5, 7, 0], rows: [[true, 'PostgreSQL 16.0', 160000]] };
    },
    executeRaw: refuse,
    executeScript: refuse,
    startTransaction: refuse,
    dispose: async () => undefined,
  };
  return { provider: 'postgres' as const, adapterName: adapter.adapterName, connect: async () => adapter, connectToShadowDb: async () => adapter };
}

/** The SQL that creates the whole of `schemaPath` in an empty database, as `prisma migrate diff --from-empty` prints it. */
export async function schemaSqlFromEmpty(schemaPath: string): Promise<string> {
  await loadEngine();
  const content = readFileSync(schemaPath, 'utf8');
  const engine = await engineGlue.SchemaEngine.new(
    { datamodels: [[schemaPath, content]] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(versionOnlyAdapterFactory() as never),
  );
  try {
    const result = await engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    } as never);
    return (result as { stdout?: string }).stdout ?? '';
  } finally {
    engine.free();
  }
}
