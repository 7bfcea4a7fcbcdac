-- A configuration version may be an increment over the version before it (a hub's tunnel change):
-- the scope its merge touched and what the device ran there, instead of the whole configuration.
-- Existing rows are whole and stay valid. A version is one or the other, never neither.
-- AlterTable
ALTER TABLE "config_version" ALTER COLUMN "content" DROP NOT NULL,
ALTER COLUMN "sha256" DROP NOT NULL,
ADD COLUMN "base_version" INTEGER,
ADD COLUMN "change_scope" TEXT,
ADD COLUMN "changed_content" TEXT,
ADD COLUMN "commit_marker" TEXT;

ALTER TABLE "config_version" ADD CONSTRAINT "config_version_whole_or_increment" CHECK (
  ("content" IS NOT NULL AND "sha256" IS NOT NULL)
  OR ("base_version" IS NOT NULL AND "base_version" = "version" - 1 AND "change_scope" IS NOT NULL AND "changed_content" IS NOT NULL)
);
