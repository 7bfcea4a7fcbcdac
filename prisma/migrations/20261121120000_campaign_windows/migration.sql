-- AlterTable
ALTER TABLE "upgrade_campaign" ADD COLUMN     "phase_failure_budget_pct" DECIMAL(5,2),
ADD COLUMN     "maintenance_window" JSONB;

-- AlterTable
ALTER TABLE "campaign_device" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "campaign_device_phase_idx" ON "campaign_device"("campaign_id", "phase");
