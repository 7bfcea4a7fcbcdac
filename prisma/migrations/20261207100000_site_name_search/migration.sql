-- A search for part of a site's name, any case (the site list's `search`), is answered from a
-- trigram index instead of reading every name of the fleet.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

CREATE INDEX "site_name_trgm_idx" ON "site" USING GIN ("name" gin_trgm_ops);
