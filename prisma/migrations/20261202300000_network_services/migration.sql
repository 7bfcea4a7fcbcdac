-- Network-service templates versioned (a version in use never changes; a new one supersedes it),
-- each function with its flavour and the interfaces it chains by; a template instantiated on a
-- uCPE, its VNF instances in chain order on the chain's VLANs.
-- CreateEnum
CREATE TYPE "NetworkServiceStatus" AS ENUM ('instantiating', 'active', 'failed', 'terminating', 'terminated');

-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'network_service' AFTER 'vnf_lifecycle';

-- DropIndex
DROP INDEX "network_service_tenant_name_key";

-- AlterTable
ALTER TABLE "network_service" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "description" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "superseded_at" TIMESTAMPTZ(3),
ADD COLUMN     "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "network_service_function" ADD COLUMN     "flavour" TEXT NOT NULL,
ADD COLUMN     "left_interface" TEXT NOT NULL,
ADD COLUMN     "right_interface" TEXT NOT NULL;

-- AlterTable
ALTER TABLE "vnf_instance" ADD COLUMN     "service_instance_id" UUID,
ADD COLUMN     "position" INTEGER,
ADD COLUMN     "chain_interfaces" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "network_service_instance" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "NetworkServiceStatus" NOT NULL DEFAULT 'instantiating',
    "vlan_base" INTEGER NOT NULL,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "network_service_instance_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "network_service_tenant_name_version_key" ON "network_service"("tenant_id", "name", "version");

-- CreateIndex
CREATE INDEX "network_service_instance_site_id_idx" ON "network_service_instance"("site_id");

-- CreateIndex
CREATE INDEX "network_service_instance_device_id_idx" ON "network_service_instance"("device_id");

-- AddForeignKey
ALTER TABLE "network_service_instance" ADD CONSTRAINT "network_service_instance_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_instance" ADD CONSTRAINT "network_service_instance_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_instance" ADD CONSTRAINT "network_service_instance_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_instance" ADD CONSTRAINT "network_service_instance_service_fkey" FOREIGN KEY ("service_id") REFERENCES "network_service"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_service_instance_fkey" FOREIGN KEY ("service_instance_id") REFERENCES "network_service_instance"("id") ON DELETE SET NULL ON UPDATE CASCADE;
