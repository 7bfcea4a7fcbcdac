-- A search for part of a site's name (ILIKE '%…%', any case) reads a trigram index instead of
-- every site of the tenant. pg_trgm ships with PostgreSQL and is a trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "site_name_trgm_idx" ON "site" USING GIN ("name" gin_trgm_ops);
