-- Tenant policy intent and its deployments (issue 17): the intent edited whole, every deployment
-- a policy version (or a dry run, or a retry of one's failed sites), each site's predicted diff
-- and outcome.

-- CreateEnum
CREATE TYPE "PolicyDeploymentStatus" AS ENUM ('dry_run', 'running', 'paused', 'completed', 'completed_with_failures', 'halted', 'aborted');

-- CreateEnum
CREATE TYPE "PolicySiteStatus" AS ENUM ('pending', 'no_change', 'changed', 'deploying', 'deployed', 'failed', 'rolled_back', 'skipped');

-- CreateTable
CREATE TABLE "tenant_intent" (
    "tenant_id" UUID NOT NULL,
    "document" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_intent_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "policy_deployment" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "version" INTEGER,
    "intent" JSONB NOT NULL,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "rollback_of" INTEGER,
    "retry_of" UUID,
    "concurrency" INTEGER NOT NULL DEFAULT 10,
    "failure_budget_pct" INTEGER NOT NULL DEFAULT 10,
    "wave_sizes" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "status" "PolicyDeploymentStatus" NOT NULL DEFAULT 'running',
    "note" TEXT,
    "ticket" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "policy_deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_deployment_site" (
    "deployment_id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "wave" INTEGER NOT NULL DEFAULT 0,
    "status" "PolicySiteStatus" NOT NULL DEFAULT 'pending',
    "diff" TEXT NOT NULL DEFAULT '',
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_deployment_site_pkey" PRIMARY KEY ("deployment_id","site_id")
);

-- CreateIndex
CREATE INDEX "policy_deployment_tenant_created_idx" ON "policy_deployment"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "policy_deployment_site_wave_idx" ON "policy_deployment_site"("deployment_id", "wave", "site_id");

-- AddForeignKey
ALTER TABLE "tenant_intent" ADD CONSTRAINT "tenant_intent_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_deployment" ADD CONSTRAINT "policy_deployment_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_deployment_site" ADD CONSTRAINT "policy_deployment_site_deployment_fkey" FOREIGN KEY ("deployment_id") REFERENCES "policy_deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_deployment_site" ADD CONSTRAINT "policy_deployment_site_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A policy version is deployed once: its retries carry its number, dry runs have none.
CREATE UNIQUE INDEX "policy_deployment_version_key" ON "policy_deployment"("tenant_id", "version") WHERE "retry_of" IS NULL AND "version" IS NOT NULL;
ALTER TABLE "policy_deployment" ADD CONSTRAINT "policy_deployment_limits_check"
  CHECK ("concurrency" BETWEEN 1 AND 500 AND "failure_budget_pct" BETWEEN 0 AND 100 AND ("dry_run" = ("version" IS NULL)));
