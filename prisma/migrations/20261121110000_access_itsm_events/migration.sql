-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
ALTER TABLE "user_account" ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "role" ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "user_session" (
    "id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "actor" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "status" INTEGER,
    "location" TEXT,
    "response" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("actor","key")
);

-- CreateTable
CREATE TABLE "itsm_integration" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "itsm_integration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "itsm_change_request" (
    "id" UUID NOT NULL,
    "integration_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "ticket" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "short_description" TEXT NOT NULL,
    "parameters" JSONB NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "itsm_change_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "itsm_request_id" (
    "integration_id" UUID NOT NULL,
    "request_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "itsm_request_id_pkey" PRIMARY KEY ("integration_id","request_id")
);

-- CreateTable
CREATE TABLE "domain_event" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "tenant_id" UUID,
    "type" TEXT NOT NULL,
    "workflow_id" TEXT,
    "data" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domain_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_subscription" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "events" TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "site_tenant_id_idx" ON "site"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "user_session_user_idx" ON "user_session"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_session_hash_key" ON "user_session"("token_hash");

-- CreateIndex
CREATE INDEX "idempotency_key_created_idx" ON "idempotency_key"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "itsm_integration_tenant_name_key" ON "itsm_integration"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "itsm_change_request_ticket_key" ON "itsm_change_request"("tenant_id", "ticket");

-- CreateIndex
CREATE INDEX "domain_event_tenant_at_idx" ON "domain_event"("tenant_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "domain_event_key_key" ON "domain_event"("key");

-- CreateIndex
CREATE INDEX "webhook_subscription_tenant_idx" ON "webhook_subscription"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_delivery_subscription_event_key" ON "webhook_delivery"("subscription_id", "event_id");

-- AddForeignKey
ALTER TABLE "user_session" ADD CONSTRAINT "user_session_user_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "itsm_integration" ADD CONSTRAINT "itsm_integration_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "itsm_change_request" ADD CONSTRAINT "itsm_change_request_integration_fkey" FOREIGN KEY ("integration_id") REFERENCES "itsm_integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "itsm_request_id" ADD CONSTRAINT "itsm_request_id_integration_fkey" FOREIGN KEY ("integration_id") REFERENCES "itsm_integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_subscription" ADD CONSTRAINT "webhook_subscription_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_subscription_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscription"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_event_fkey" FOREIGN KEY ("event_id") REFERENCES "domain_event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

