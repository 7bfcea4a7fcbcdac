-- Per WAN link rollups of the telemetry pollers' probe readings, for charts (issue 16): one-minute
-- points kept a day, hourly points kept ninety days. The primary key (link, bucket) serves both the
-- charts' range reads and the pollers' merging upserts; a BRIN index on the bucket finds old rows to
-- prune at the cost of a few pages.

-- CreateTable
CREATE TABLE "wan_link_minute" (
  "wan_link_id" UUID NOT NULL,
  "bucket" TIMESTAMPTZ(3) NOT NULL,
  "samples" SMALLINT NOT NULL,
  "up_samples" SMALLINT NOT NULL,
  "rtt_min_ms" REAL,
  "rtt_max_ms" REAL,
  "rtt_sum_ms" REAL NOT NULL DEFAULT 0,
  "jitter_min_ms" REAL,
  "jitter_max_ms" REAL,
  "jitter_sum_ms" REAL NOT NULL DEFAULT 0,
  "loss_min_permille" REAL NOT NULL,
  "loss_max_permille" REAL NOT NULL,
  "loss_sum_permille" REAL NOT NULL,

  CONSTRAINT "wan_link_minute_pkey" PRIMARY KEY ("wan_link_id","bucket")
);

-- CreateIndex
CREATE INDEX "wan_link_minute_bucket_idx" ON "wan_link_minute" USING BRIN ("bucket");

-- AddForeignKey
ALTER TABLE "wan_link_minute" ADD CONSTRAINT "wan_link_minute_wan_link_fkey" FOREIGN KEY ("wan_link_id") REFERENCES "wan_link"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The hourly table is the same shape (its primary key and BRIN index named after it, as PostgreSQL
-- names copies: wan_link_hour_pkey, wan_link_hour_bucket_idx).
CREATE TABLE "wan_link_hour" (LIKE "wan_link_minute" INCLUDING ALL);

-- AddForeignKey
ALTER TABLE "wan_link_hour" ADD CONSTRAINT "wan_link_hour_wan_link_fkey" FOREIGN KEY ("wan_link_id") REFERENCES "wan_link"("id") ON DELETE CASCADE ON UPDATE CASCADE;
