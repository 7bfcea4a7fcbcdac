-- One ticket, one run, claimed before the start (not read from a run summary a worker writes later).
-- CreateTable
CREATE TABLE "ticket_run" (
    "tenant_id" UUID NOT NULL,
    "ticket" TEXT NOT NULL,
    "kind" "RunKind" NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ticket_run_pkey" PRIMARY KEY ("tenant_id","ticket")
);

-- AddForeignKey
ALTER TABLE "ticket_run" ADD CONSTRAINT "ticket_run_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
