-- AlterTable
ALTER TABLE "allocation" ADD COLUMN     "device_role" "DeviceRole" NOT NULL DEFAULT 'primary';

-- AlterTable
ALTER TABLE "unclaimed_device" ADD COLUMN     "host_key_sha256" TEXT;
