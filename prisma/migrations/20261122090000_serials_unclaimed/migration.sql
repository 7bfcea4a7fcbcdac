-- A serial is unique among the devices that hold their box. A planned device, or one awaiting its
-- replacement, may name a serial another tenant's device holds: that tenant's serials are not for
-- others to discover, so naming one must be answered as naming an unknown serial is.
DROP INDEX "device_serial_key";

-- CreateIndex
CREATE INDEX "device_serial_idx" ON "device"("serial");

-- CreateIndex
CREATE INDEX "device_activation_code_hash_idx" ON "device"("activation_code_hash");

CREATE UNIQUE INDEX "device_serial_in_service_key" ON "device" ("serial") WHERE "status" NOT IN ('planned', 'rma');

-- AlterTable
ALTER TABLE "unclaimed_device" ADD COLUMN     "device_id" UUID;

-- CreateIndex
CREATE INDEX "unclaimed_device_device_idx" ON "unclaimed_device"("device_id");

-- AddForeignKey
ALTER TABLE "unclaimed_device" ADD CONSTRAINT "unclaimed_device_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE SET NULL ON UPDATE CASCADE;
