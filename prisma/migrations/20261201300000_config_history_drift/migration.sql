-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'config_rollback';
ALTER TYPE "RunKind" ADD VALUE 'config_adoption';

-- CreateEnum
CREATE TYPE "DriftState" AS ENUM ('in_sync', 'drifted');

-- AlterTable
ALTER TABLE "config_version" ADD COLUMN "restored_version" INTEGER;

-- CreateTable
CREATE TABLE "device_drift" (
    "device_id" UUID NOT NULL,
    "state" "DriftState" NOT NULL,
    "commit_marker" TEXT NOT NULL,
    "compared_version" INTEGER NOT NULL,
    "diff" TEXT NOT NULL DEFAULT '',
    "changed_by" TEXT,
    "changed_at" TIMESTAMPTZ(3),
    "detected_at" TIMESTAMPTZ(3),
    "checked_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "device_drift_pkey" PRIMARY KEY ("device_id")
);

-- CreateIndex
CREATE INDEX "device_drift_state_idx" ON "device_drift"("state");

-- AddForeignKey
ALTER TABLE "device_drift" ADD CONSTRAINT "device_drift_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
