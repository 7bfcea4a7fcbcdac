// `npm run setup`: prepares servers Branchline did not start itself (a Temporal cluster, a
// PostgreSQL server) — the database migrated, the search attributes registered, and with
// --seed-demo the demo inventory on an empty database. Idempotent; docker-compose runs it once.
import { parseArgs } from 'node:util';
import { createPrismaClient } from '../prisma/client.ts';
import { applyMigrations } from '../prisma/migrate.ts';
import { seedDemo } from '../prisma/seed.ts';
import { ConfigError, loadServiceConfig } from '../runtime/config.ts';
import { ensureSearchAttributes } from './search-attributes.ts';
import { clientConnectionOptions, temporalAccess } from '../runtime/temporal-access.ts';

const { values } = parseArgs({ options: { 'seed-demo': { type: 'boolean', default: false } } });

try {
  const config = loadServiceConfig();
  const { applied } = await applyMigrations(config.DATABASE_URL);
  console.log(applied.length ? `database migrated: ${applied.join(', ')}` : 'database is up to date');
  const access = await temporalAccess(config, { warn: (_details, message) => console.warn(message) });
  const added = await ensureSearchAttributes(clientConnectionOptions(config.TEMPORAL_ADDRESS, access), config.TEMPORAL_NAMESPACE);
  access.token?.close();
  console.log(added.length ? `search attributes registered: ${added.join(', ')}` : 'search attributes are registered');
  if (values['seed-demo']) {
    const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 1 });
    console.log((await seedDemo(prisma)).seeded ? 'demo inventory seeded' : 'database not empty: no demo seeded');
    await prisma.$disconnect();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
