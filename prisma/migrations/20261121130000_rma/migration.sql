-- AlterTable
ALTER TABLE "rma_record" ADD COLUMN     "config_version" INTEGER,
ADD COLUMN     "far_tunnels" JSONB,
ADD COLUMN     "new_model" TEXT,
ADD COLUMN     "workflow_id" TEXT;

-- CreateIndex
CREATE INDEX "rma_record_device_idx" ON "rma_record"("device_id", "opened_at");
