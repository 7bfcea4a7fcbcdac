-- CreateEnum
CREATE TYPE "SnmpVersion" AS ENUM ('v2c', 'v3');

-- CreateEnum
CREATE TYPE "SnmpAuthProtocol" AS ENUM ('md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512');

-- CreateEnum
CREATE TYPE "SnmpPrivProtocol" AS ENUM ('des', 'aes', 'aes256b', 'aes256r');

-- AlterTable
ALTER TABLE "device" ADD COLUMN     "credential_profile_id" UUID;

-- CreateTable
CREATE TABLE "credential_profile" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "netconf_username" TEXT NOT NULL,
    "netconf_password" TEXT,
    "netconf_private_key" TEXT,
    "snmp_version" "SnmpVersion" NOT NULL DEFAULT 'v2c',
    "snmp_community" TEXT,
    "snmp_user" TEXT,
    "snmp_auth_protocol" "SnmpAuthProtocol",
    "snmp_auth_key" TEXT,
    "snmp_priv_protocol" "SnmpPrivProtocol",
    "snmp_priv_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "credential_profile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credential_profile_tenant_name_key" ON "credential_profile"("tenant_id", "name");

-- One default profile per tenant.
CREATE UNIQUE INDEX "credential_profile_tenant_default_key" ON "credential_profile"("tenant_id") WHERE "is_default";

-- What each way of logging in needs (the API checks it field by field first).
ALTER TABLE "credential_profile" ADD CONSTRAINT "credential_profile_complete" CHECK (
  ("netconf_password" IS NOT NULL OR "netconf_private_key" IS NOT NULL)
  AND ("snmp_version" <> 'v2c' OR "snmp_community" IS NOT NULL)
  AND ("snmp_version" <> 'v3' OR ("snmp_user" IS NOT NULL AND "snmp_auth_protocol" IS NOT NULL AND "snmp_auth_key" IS NOT NULL
    AND "snmp_priv_protocol" IS NOT NULL AND "snmp_priv_key" IS NOT NULL))
);

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_credential_profile_fkey" FOREIGN KEY ("credential_profile_id") REFERENCES "credential_profile"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credential_profile" ADD CONSTRAINT "credential_profile_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
