-- VNF instances as the lifecycle workflow keeps them (issue 18): the flavour and the host
-- resources it reserves, the package it runs and the one before (for a change of package rolled
-- back), the last health reading, heals, and the last operation with its outcome. What a host has
-- reserved is the sum over its instances not terminated: an instance's reservation is its row.
ALTER TYPE "ConfigSource" ADD VALUE 'vnf';
ALTER TYPE "VnfStatus" ADD VALUE 'changing_package' AFTER 'scaling';

ALTER TABLE "vnf_instance"
  ADD COLUMN "flavour" TEXT NOT NULL,
  ADD COLUMN "reserved_vcpus" INTEGER NOT NULL,
  ADD COLUMN "reserved_memory_mib" INTEGER NOT NULL,
  ADD COLUMN "reserved_disk_gib" INTEGER NOT NULL,
  ADD COLUMN "previous_package_id" UUID,
  ADD COLUMN "previous_config" JSONB,
  ADD COLUMN "last_health" TEXT NOT NULL DEFAULT 'unknown',
  ADD COLUMN "last_health_at" TIMESTAMPTZ(3),
  ADD COLUMN "heal_count" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "last_operation" TEXT NOT NULL DEFAULT 'instantiate',
  ADD COLUMN "last_operation_outcome" TEXT NOT NULL DEFAULT 'processing',
  ADD COLUMN "last_operation_error" TEXT,
  ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- A terminated instance holds nothing: its reservation is released with it (so is that of an
  -- instantiation rolled back, which stays failed to say why).
  ADD CONSTRAINT "vnf_instance_reserved_check" CHECK (
    "reserved_vcpus" >= 0 AND "reserved_memory_mib" >= 0 AND "reserved_disk_gib" >= 0
    AND ("status" <> 'terminated' OR ("reserved_vcpus" = 0 AND "reserved_memory_mib" = 0 AND "reserved_disk_gib" = 0))),
  ADD CONSTRAINT "vnf_instance_last_health_check" CHECK ("last_health" IN ('unknown', 'healthy', 'unhealthy')),
  ADD CONSTRAINT "vnf_instance_last_operation_check" CHECK ("last_operation" IN ('instantiate', 'heal', 'scale', 'change_package', 'terminate')),
  -- SOL003's operation states: processing, completed, failed_temp (waits for retry, rollback or fail), failed, rolled_back.
  ADD CONSTRAINT "vnf_instance_last_operation_outcome_check" CHECK ("last_operation_outcome" IN ('processing', 'completed', 'failed_temp', 'failed', 'rolled_back')),
  ADD CONSTRAINT "vnf_instance_heal_count_check" CHECK ("heal_count" >= 0);

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_previous_package_fkey" FOREIGN KEY ("previous_package_id") REFERENCES "vnf_package"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateIndex: a host's reservations are summed under its row lock at every instantiate and scale.
CREATE INDEX "vnf_instance_device_id_idx" ON "vnf_instance"("device_id");
