// Prisma CLI configuration. The URL is only needed by `prisma migrate deploy` where Prisma's
// native schema engine can be had; Branchline applies its migrations itself (prisma/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/branchline' },
});
