-- SLA profiles and application SLA policies as issue 16 asks: match any/all, presets, cost mode,
-- fallback, site groups, and the timestamps their ETags are made of.

-- CreateEnum
CREATE TYPE "SlaMatch" AS ENUM ('any', 'all');

-- CreateEnum
CREATE TYPE "SlaCostMode" AS ENUM ('preference', 'bandwidth_optimised');

-- CreateEnum
CREATE TYPE "SlaFallback" AS ENUM ('best_path', 'strict');

-- AlterTable
ALTER TABLE "sla_profile" ADD COLUMN     "match" "SlaMatch" NOT NULL DEFAULT 'any',
ADD COLUMN     "preset" TEXT,
ADD COLUMN     "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "app_sla_policy" ADD COLUMN     "cost_mode" "SlaCostMode" NOT NULL DEFAULT 'preference',
ADD COLUMN     "fallback" "SlaFallback" NOT NULL DEFAULT 'best_path',
ADD COLUMN     "fallback_variance_ms" INTEGER NOT NULL DEFAULT 20,
ADD COLUMN     "site_tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- Thresholds a device can hold: RPM's and AppQoE's ranges (round trip and jitter in microseconds up
-- to 60 s, loss as a whole percentage of at most 100).
ALTER TABLE "sla_profile" ADD CONSTRAINT "sla_profile_thresholds_check"
  CHECK ("max_latency_ms" BETWEEN 1 AND 60000 AND "max_jitter_ms" BETWEEN 1 AND 60000 AND "max_loss_permille" BETWEEN 0 AND 1000);
ALTER TABLE "app_sla_policy" ADD CONSTRAINT "app_sla_policy_fallback_variance_check" CHECK ("fallback_variance_ms" BETWEEN 0 AND 10000);
