-- An audit entry an activity writes carries its attempt's key (workflow, run, activity): a retry of
-- the activity after its write reached the database writes nothing more.
-- AlterTable
ALTER TABLE "audit_entry" ADD COLUMN "activity_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "audit_entry_activity_key_key" ON "audit_entry"("activity_key");
