-- A campaign changing one function's package across every network service of a template version,
-- and the VNF instances it froze at launch, each with its phase and outcome.
-- AlterEnum
ALTER TYPE "RunKind" ADD VALUE 'network_service_campaign' AFTER 'network_service';

-- CreateTable
CREATE TABLE "network_service_campaign" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "from_template_id" UUID NOT NULL,
    "to_template_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "package_id" UUID NOT NULL,
    "phases" INTEGER[] DEFAULT ARRAY[1, 100]::INTEGER[],
    "concurrency" INTEGER NOT NULL DEFAULT 5,
    "failure_budget_pct" INTEGER NOT NULL DEFAULT 0,
    "status" "CampaignStatus" NOT NULL DEFAULT 'scheduled',
    "ticket" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "network_service_campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "network_service_campaign_instance" (
    "campaign_id" UUID NOT NULL,
    "vnf_instance_id" UUID NOT NULL,
    "service_instance_id" UUID NOT NULL,
    "phase" INTEGER NOT NULL,
    "status" "CampaignDeviceStatus" NOT NULL DEFAULT 'pending',
    "from_version" TEXT NOT NULL,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "network_service_campaign_instance_pkey" PRIMARY KEY ("campaign_id","vnf_instance_id")
);

-- CreateIndex
CREATE INDEX "network_service_campaign_from_template_idx" ON "network_service_campaign"("from_template_id");

-- CreateIndex
CREATE INDEX "network_service_campaign_instance_phase_idx" ON "network_service_campaign_instance"("campaign_id", "phase");

-- AddForeignKey
ALTER TABLE "network_service_campaign" ADD CONSTRAINT "network_service_campaign_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_campaign" ADD CONSTRAINT "network_service_campaign_from_template_fkey" FOREIGN KEY ("from_template_id") REFERENCES "network_service"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_campaign" ADD CONSTRAINT "network_service_campaign_to_template_fkey" FOREIGN KEY ("to_template_id") REFERENCES "network_service"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_campaign" ADD CONSTRAINT "network_service_campaign_package_fkey" FOREIGN KEY ("package_id") REFERENCES "vnf_package"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_campaign_instance" ADD CONSTRAINT "network_service_campaign_instance_campaign_fkey" FOREIGN KEY ("campaign_id") REFERENCES "network_service_campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_campaign_instance" ADD CONSTRAINT "network_service_campaign_instance_vnf_fkey" FOREIGN KEY ("vnf_instance_id") REFERENCES "vnf_instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
