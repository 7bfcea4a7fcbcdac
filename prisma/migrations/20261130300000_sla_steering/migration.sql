-- SLA steering (issue 16): each policy's dampening and smoothing, and link switches as the steering
-- workflow records them (the tenant for tenant-wide lists, the policy, detection and reaction
-- times, and the run's key for each switch so a retried write records it once).

-- AlterTable
ALTER TABLE "app_sla_policy" ADD COLUMN     "flap_threshold" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "flap_window_seconds" INTEGER NOT NULL DEFAULT 300,
ADD COLUMN     "hold_down_seconds" INTEGER NOT NULL DEFAULT 900,
ADD COLUMN     "smoothing_window_seconds" INTEGER NOT NULL DEFAULT 60;

ALTER TABLE "app_sla_policy" ADD CONSTRAINT "app_sla_policy_dampening_check"
  CHECK ("flap_threshold" BETWEEN 1 AND 100 AND "flap_window_seconds" BETWEEN 1 AND 86400
    AND "hold_down_seconds" BETWEEN 1 AND 86400 AND "smoothing_window_seconds" BETWEEN 1 AND 3600);

-- AlterTable: switches recorded before (none were) take their site's tenant.
ALTER TABLE "link_switch_event" ADD COLUMN     "tenant_id" UUID,
ADD COLUMN     "policy" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "detection_ms" INTEGER,
ADD COLUMN     "reaction_ms" INTEGER,
ADD COLUMN     "key" TEXT;
UPDATE "link_switch_event" e SET "tenant_id" = s."tenant_id" FROM "site" s WHERE s."id" = e."site_id";
ALTER TABLE "link_switch_event" ALTER COLUMN "tenant_id" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "link_switch_event_key_key" ON "link_switch_event"("key");

-- CreateIndex
CREATE INDEX "link_switch_event_site_id_idx" ON "link_switch_event"("site_id", "id");

-- CreateIndex
CREATE INDEX "link_switch_event_tenant_id_idx" ON "link_switch_event"("tenant_id", "id");
