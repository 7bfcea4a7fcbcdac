-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'credential_rotation' AFTER 'rma';

-- AlterEnum
ALTER TYPE "ConfigSource" ADD VALUE 'credentials';

-- CreateEnum
CREATE TYPE "CredentialRotationStatus" AS ENUM ('pending', 'adopted', 'abandoned');

-- CreateTable
CREATE TABLE "credential_rotation" (
    "id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "status" "CredentialRotationStatus" NOT NULL DEFAULT 'pending',
    "previous_username" TEXT NOT NULL,
    "netconf_username" TEXT NOT NULL,
    "netconf_password" TEXT,
    "netconf_private_key" TEXT,
    "authentication" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "credential_rotation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "credential_rotation_device_idx" ON "credential_rotation"("device_id");

-- A new login is a password or a key.
ALTER TABLE "credential_rotation" ADD CONSTRAINT "credential_rotation_login" CHECK ("netconf_password" IS NOT NULL OR "netconf_private_key" IS NOT NULL);

-- AddForeignKey
ALTER TABLE "credential_rotation" ADD CONSTRAINT "credential_rotation_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
