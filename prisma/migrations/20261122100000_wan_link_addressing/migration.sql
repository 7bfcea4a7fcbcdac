-- CreateEnum
CREATE TYPE "WanAddressing" AS ENUM ('dhcp', 'static', 'pppoe');

-- CreateEnum
CREATE TYPE "PppAuthentication" AS ENUM ('chap', 'pap');

-- AlterTable: every WAN link so far was a DHCP client, which stays the default.
ALTER TABLE "wan_link" ADD COLUMN     "addressing" "WanAddressing" NOT NULL DEFAULT 'dhcp',
ADD COLUMN     "static_address" TEXT,
ADD COLUMN     "gateway" INET,
ADD COLUMN     "dns_servers" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "pppoe_username" TEXT,
ADD COLUMN     "pppoe_authentication" "PppAuthentication",
ADD COLUMN     "pppoe_password" TEXT;

-- What each addressing mode needs (the API checks it field by field first).
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_addressing_complete" CHECK (
  ("addressing" <> 'static' OR ("static_address" IS NOT NULL AND "gateway" IS NOT NULL))
  AND ("addressing" <> 'pppoe' OR ("pppoe_username" IS NOT NULL AND "pppoe_password" IS NOT NULL AND "pppoe_authentication" IS NOT NULL))
);
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_static_address_is_inet" CHECK ("static_address" IS NULL OR ("static_address"::inet)::text = "static_address");
