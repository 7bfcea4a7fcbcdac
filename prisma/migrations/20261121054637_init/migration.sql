-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "SiteStatus" AS ENUM ('planned', 'onboarding', 'active', 'failed', 'decommissioning', 'decommissioned');

-- CreateEnum
CREATE TYPE "SiteRole" AS ENUM ('spoke', 'hub');

-- CreateEnum
CREATE TYPE "OverlayTopology" AS ENUM ('hub_and_spoke', 'full_mesh', 'partial_mesh');

-- CreateEnum
CREATE TYPE "DeviceRole" AS ENUM ('primary', 'secondary');

-- CreateEnum
CREATE TYPE "DeviceStatus" AS ENUM ('planned', 'provisioning', 'online', 'offline', 'upgrading', 'rma', 'retired');

-- CreateEnum
CREATE TYPE "InterfaceKind" AS ENUM ('wan', 'lan', 'management', 'tunnel', 'loopback');

-- CreateEnum
CREATE TYPE "OperStatus" AS ENUM ('up', 'down', 'unknown');

-- CreateEnum
CREATE TYPE "WanLinkType" AS ENUM ('mpls', 'broadband', 'lte', 'satellite', 'dsl');

-- CreateEnum
CREATE TYPE "HubPriority" AS ENUM ('primary', 'secondary');

-- CreateEnum
CREATE TYPE "Breakout" AS ENUM ('local', 'central');

-- CreateEnum
CREATE TYPE "PolicyScope" AS ENUM ('tenant', 'site_group', 'department');

-- CreateEnum
CREATE TYPE "PolicyAction" AS ENUM ('permit', 'deny', 'reject');

-- CreateEnum
CREATE TYPE "CampaignStrategy" AS ENUM ('canary', 'serial', 'all_at_once');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('scheduled', 'running', 'paused', 'completed', 'halted', 'aborted');

-- CreateEnum
CREATE TYPE "CampaignDeviceStatus" AS ENUM ('pending', 'waiting_window', 'upgrading', 'upgraded', 'failed', 'rolled_back', 'skipped');

-- CreateEnum
CREATE TYPE "VnfType" AS ENUM ('firewall', 'router', 'wan_optimizer', 'utm');

-- CreateEnum
CREATE TYPE "VnfStatus" AS ENUM ('instantiating', 'running', 'degraded', 'healing', 'scaling', 'terminating', 'terminated', 'failed');

-- CreateEnum
CREATE TYPE "ConfigSource" AS ENUM ('onboarding', 'ztp', 'policy', 'upgrade', 'rma', 'rollback', 'decommission', 'manual');

-- CreateEnum
CREATE TYPE "AlarmSeverity" AS ENUM ('critical', 'major', 'minor', 'warning', 'info');

-- CreateEnum
CREATE TYPE "AlarmState" AS ENUM ('active', 'acknowledged', 'cleared');

-- CreateEnum
CREATE TYPE "AllocationKind" AS ENUM ('loopback', 'tunnel_subnet', 'tunnel_id');

-- CreateEnum
CREATE TYPE "RunKind" AS ENUM ('site_onboarding', 'ztp', 'decommission', 'upgrade_campaign', 'device_upgrade', 'rma', 'vnf_lifecycle', 'sla_steering', 'policy_deployment');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out');

-- CreateEnum
CREATE TYPE "RmaStatus" AS ENUM ('initiated', 'granted', 'provisioning', 'closed', 'failed', 'aborted');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('user', 'api_token', 'itsm', 'system');

-- CreateEnum
CREATE TYPE "RoleScope" AS ENUM ('global', 'opco', 'tenant');

-- CreateTable
CREATE TABLE "opco" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "opco_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant" (
    "id" UUID NOT NULL,
    "opco_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "site" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "SiteRole" NOT NULL DEFAULT 'spoke',
    "status" "SiteStatus" NOT NULL DEFAULT 'planned',
    "topology" "OverlayTopology" NOT NULL DEFAULT 'hub_and_spoke',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "address" TEXT,
    "country" CHAR(2),
    "loopback_address" INET,
    "status_reason" TEXT,
    "provisioning_deadline" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "site_hub" (
    "spoke_site_id" UUID NOT NULL,
    "hub_site_id" UUID NOT NULL,
    "priority" "HubPriority" NOT NULL,

    CONSTRAINT "site_hub_pkey" PRIMARY KEY ("spoke_site_id","hub_site_id")
);

-- CreateTable
CREATE TABLE "device" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "role" "DeviceRole" NOT NULL DEFAULT 'primary',
    "hostname" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "serial" TEXT,
    "status" "DeviceStatus" NOT NULL DEFAULT 'planned',
    "software_version" TEXT,
    "management_address" INET,
    "netconf_port" INTEGER NOT NULL DEFAULT 830,
    "snmp_port" INTEGER NOT NULL DEFAULT 161,
    "host_key_sha256" TEXT,
    "activation_code_hash" TEXT,
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "interface" (
    "id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "InterfaceKind" NOT NULL,
    "description" TEXT,
    "address" INET,
    "admin_up" BOOLEAN NOT NULL DEFAULT true,
    "oper_status" "OperStatus" NOT NULL DEFAULT 'unknown',

    CONSTRAINT "interface_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "wan_link" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "device_id" UUID,
    "interface_id" UUID,
    "name" TEXT NOT NULL,
    "type" "WanLinkType" NOT NULL,
    "interface_name" TEXT NOT NULL,
    "bandwidth_mbps" INTEGER NOT NULL,
    "monthly_cost" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL DEFAULT 'EUR',
    "backup_only" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "wan_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "department" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "department_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lan_segment" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "department_id" UUID,
    "name" TEXT NOT NULL,
    "vlan_id" INTEGER NOT NULL,
    "prefix" TEXT NOT NULL,
    "dhcp" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "lan_segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "allocation" (
    "id" UUID NOT NULL,
    "kind" "AllocationKind" NOT NULL,
    "value" TEXT NOT NULL,
    "site_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "unclaimed_device" (
    "serial" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "software_version" TEXT,
    "address" INET,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "unclaimed_device_pkey" PRIMARY KEY ("serial")
);

-- CreateTable
CREATE TABLE "sla_profile" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "max_latency_ms" INTEGER NOT NULL,
    "max_jitter_ms" INTEGER NOT NULL,
    "max_loss_permille" INTEGER NOT NULL,

    CONSTRAINT "sla_profile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_sla_policy" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "applications" TEXT[],
    "sla_profile_id" UUID NOT NULL,
    "preferred_link_types" "WanLinkType"[],
    "breakout" "Breakout" NOT NULL DEFAULT 'central',
    "priority" INTEGER NOT NULL DEFAULT 100,

    CONSTRAINT "app_sla_policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "site_app_sla_policy" (
    "site_id" UUID NOT NULL,
    "policy_id" UUID NOT NULL,

    CONSTRAINT "site_app_sla_policy_pkey" PRIMARY KEY ("site_id","policy_id")
);

-- CreateTable
CREATE TABLE "firewall_policy" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "scope" "PolicyScope" NOT NULL DEFAULT 'tenant',
    "scope_ref" TEXT,
    "position" INTEGER NOT NULL DEFAULT 100,
    "rules" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "firewall_policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "nat_policy" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "scope" "PolicyScope" NOT NULL DEFAULT 'tenant',
    "scope_ref" TEXT,
    "position" INTEGER NOT NULL DEFAULT 100,
    "rules" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "nat_policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "firmware_image" (
    "id" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "file_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "firmware_image_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant_target_image" (
    "tenant_id" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "image_id" UUID NOT NULL,

    CONSTRAINT "tenant_target_image_pkey" PRIMARY KEY ("tenant_id","model")
);

-- CreateTable
CREATE TABLE "upgrade_campaign" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "image_id" UUID NOT NULL,
    "strategy" "CampaignStrategy" NOT NULL DEFAULT 'canary',
    "phases" INTEGER[] DEFAULT ARRAY[1, 10, 50, 100]::INTEGER[],
    "concurrency" INTEGER NOT NULL DEFAULT 10,
    "failure_budget_pct" DECIMAL(5,2) NOT NULL DEFAULT 5,
    "filter" JSONB NOT NULL,
    "status" "CampaignStatus" NOT NULL DEFAULT 'scheduled',
    "deadline" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "upgrade_campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_device" (
    "campaign_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "phase" INTEGER NOT NULL,
    "status" "CampaignDeviceStatus" NOT NULL DEFAULT 'pending',
    "from_version" TEXT NOT NULL,
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaign_device_pkey" PRIMARY KEY ("campaign_id","device_id")
);

-- CreateTable
CREATE TABLE "rma_record" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "old_serial" TEXT NOT NULL,
    "new_serial" TEXT,
    "status" "RmaStatus" NOT NULL DEFAULT 'initiated',
    "reason" TEXT,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "rma_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vnf_package" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "vendor" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "type" "VnfType" NOT NULL,
    "descriptor" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vnf_package_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "network_service" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "network_service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "network_service_function" (
    "service_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "package_id" UUID NOT NULL,

    CONSTRAINT "network_service_function_pkey" PRIMARY KEY ("service_id","position")
);

-- CreateTable
CREATE TABLE "vnf_instance" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "package_id" UUID NOT NULL,
    "service_id" UUID,
    "name" TEXT NOT NULL,
    "status" "VnfStatus" NOT NULL DEFAULT 'instantiating',
    "config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vnf_instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "config_version" (
    "id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "source" "ConfigSource" NOT NULL,
    "content" TEXT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "workflow_id" TEXT,
    "committed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "config_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_switch_event" (
    "id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "application" TEXT NOT NULL,
    "from_link_id" UUID,
    "to_link_id" UUID,
    "reason" TEXT NOT NULL,
    "measurements" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_switch_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alarm" (
    "id" UUID NOT NULL,
    "tenant_id" UUID,
    "site_id" UUID,
    "device_id" UUID,
    "type" TEXT NOT NULL,
    "severity" "AlarmSeverity" NOT NULL,
    "state" "AlarmState" NOT NULL DEFAULT 'active',
    "message" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "raised_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cleared_at" TIMESTAMPTZ(3),

    CONSTRAINT "alarm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entry" (
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "tenant_id" UUID,
    "action" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,

    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_summary" (
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT,
    "kind" "RunKind" NOT NULL,
    "tenant_id" UUID,
    "site_id" UUID,
    "ticket" TEXT,
    "status" "RunStatus" NOT NULL DEFAULT 'running',
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "run_summary_pkey" PRIMARY KEY ("workflow_id")
);

-- CreateTable
CREATE TABLE "user_account" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "scope" "RoleScope" NOT NULL,
    "permissions" JSONB NOT NULL,

    CONSTRAINT "role_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_role_binding" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role_id" UUID NOT NULL,
    "opco_id" UUID,
    "tenant_id" UUID,

    CONSTRAINT "user_role_binding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "tenant_id" UUID NOT NULL,
    "role_id" UUID NOT NULL,
    "created_by_id" UUID,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "opco_name_key" ON "opco"("name");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_slug_key" ON "tenant"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_opco_name_key" ON "tenant"("opco_id", "name");

-- CreateIndex
CREATE INDEX "site_tenant_status_idx" ON "site"("tenant_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "site_tenant_name_key" ON "site"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "site_hub_spoke_priority_key" ON "site_hub"("spoke_site_id", "priority");

-- CreateIndex
CREATE UNIQUE INDEX "device_serial_key" ON "device"("serial");

-- CreateIndex
CREATE UNIQUE INDEX "device_site_role_key" ON "device"("site_id", "role");

-- CreateIndex
CREATE UNIQUE INDEX "device_site_hostname_key" ON "device"("site_id", "hostname");

-- CreateIndex
CREATE UNIQUE INDEX "interface_device_name_key" ON "interface"("device_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "wan_link_site_name_key" ON "wan_link"("site_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "wan_link_interface_key" ON "wan_link"("interface_id");

-- CreateIndex
CREATE UNIQUE INDEX "department_site_name_key" ON "department"("site_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "lan_segment_site_vlan_key" ON "lan_segment"("site_id", "vlan_id");

-- CreateIndex
CREATE UNIQUE INDEX "lan_segment_site_name_key" ON "lan_segment"("site_id", "name");

-- CreateIndex
CREATE INDEX "allocation_site_idx" ON "allocation"("site_id");

-- CreateIndex
CREATE UNIQUE INDEX "allocation_kind_value_key" ON "allocation"("kind", "value");

-- CreateIndex
CREATE UNIQUE INDEX "sla_profile_tenant_name_key" ON "sla_profile"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "app_sla_policy_tenant_name_key" ON "app_sla_policy"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "firewall_policy_tenant_name_key" ON "firewall_policy"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "nat_policy_tenant_name_key" ON "nat_policy"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "firmware_image_model_version_key" ON "firmware_image"("model", "version");

-- CreateIndex
CREATE UNIQUE INDEX "upgrade_campaign_tenant_name_key" ON "upgrade_campaign"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "vnf_package_name_version_key" ON "vnf_package"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "network_service_tenant_name_key" ON "network_service"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "vnf_instance_device_name_key" ON "vnf_instance"("device_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "config_version_device_version_key" ON "config_version"("device_id", "version");

-- CreateIndex
CREATE INDEX "link_switch_event_site_at_idx" ON "link_switch_event"("site_id", "at");

-- CreateIndex
CREATE INDEX "alarm_tenant_state_idx" ON "alarm"("tenant_id", "state", "raised_at");

-- CreateIndex
CREATE INDEX "audit_entry_tenant_at_idx" ON "audit_entry"("tenant_id", "at");

-- CreateIndex
CREATE INDEX "audit_entry_object_idx" ON "audit_entry"("object_type", "object_id");

-- CreateIndex
CREATE INDEX "run_summary_tenant_started_idx" ON "run_summary"("tenant_id", "started_at");

-- CreateIndex
CREATE INDEX "run_summary_ticket_idx" ON "run_summary"("ticket");

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "user_account"("email");

-- CreateIndex
CREATE UNIQUE INDEX "role_name_key" ON "role"("name");

-- CreateIndex
CREATE UNIQUE INDEX "user_role_binding_key" ON "user_role_binding"("user_id", "role_id", "opco_id", "tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_hash_key" ON "api_token"("token_hash");

-- AddForeignKey
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_opco_fkey" FOREIGN KEY ("opco_id") REFERENCES "opco"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "site" ADD CONSTRAINT "site_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "site_hub" ADD CONSTRAINT "site_hub_spoke_fkey" FOREIGN KEY ("spoke_site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "site_hub" ADD CONSTRAINT "site_hub_hub_fkey" FOREIGN KEY ("hub_site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "interface" ADD CONSTRAINT "interface_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_interface_fkey" FOREIGN KEY ("interface_id") REFERENCES "interface"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "department" ADD CONSTRAINT "department_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lan_segment" ADD CONSTRAINT "lan_segment_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lan_segment" ADD CONSTRAINT "lan_segment_department_fkey" FOREIGN KEY ("department_id") REFERENCES "department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allocation" ADD CONSTRAINT "allocation_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sla_profile" ADD CONSTRAINT "sla_profile_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_sla_policy" ADD CONSTRAINT "app_sla_policy_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_sla_policy" ADD CONSTRAINT "app_sla_policy_sla_profile_fkey" FOREIGN KEY ("sla_profile_id") REFERENCES "sla_profile"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "site_app_sla_policy" ADD CONSTRAINT "site_app_sla_policy_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "site_app_sla_policy" ADD CONSTRAINT "site_app_sla_policy_policy_fkey" FOREIGN KEY ("policy_id") REFERENCES "app_sla_policy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "firewall_policy" ADD CONSTRAINT "firewall_policy_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "nat_policy" ADD CONSTRAINT "nat_policy_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_target_image" ADD CONSTRAINT "tenant_target_image_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_target_image" ADD CONSTRAINT "tenant_target_image_image_fkey" FOREIGN KEY ("image_id") REFERENCES "firmware_image"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upgrade_campaign" ADD CONSTRAINT "upgrade_campaign_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upgrade_campaign" ADD CONSTRAINT "upgrade_campaign_image_fkey" FOREIGN KEY ("image_id") REFERENCES "firmware_image"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_device" ADD CONSTRAINT "campaign_device_campaign_fkey" FOREIGN KEY ("campaign_id") REFERENCES "upgrade_campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_device" ADD CONSTRAINT "campaign_device_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rma_record" ADD CONSTRAINT "rma_record_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rma_record" ADD CONSTRAINT "rma_record_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service" ADD CONSTRAINT "network_service_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_function" ADD CONSTRAINT "network_service_function_service_fkey" FOREIGN KEY ("service_id") REFERENCES "network_service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_service_function" ADD CONSTRAINT "network_service_function_package_fkey" FOREIGN KEY ("package_id") REFERENCES "vnf_package"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_package_fkey" FOREIGN KEY ("package_id") REFERENCES "vnf_package"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnf_instance" ADD CONSTRAINT "vnf_instance_service_fkey" FOREIGN KEY ("service_id") REFERENCES "network_service"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "config_version" ADD CONSTRAINT "config_version_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "link_switch_event" ADD CONSTRAINT "link_switch_event_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "link_switch_event" ADD CONSTRAINT "link_switch_event_from_fkey" FOREIGN KEY ("from_link_id") REFERENCES "wan_link"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "link_switch_event" ADD CONSTRAINT "link_switch_event_to_fkey" FOREIGN KEY ("to_link_id") REFERENCES "wan_link"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alarm" ADD CONSTRAINT "alarm_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alarm" ADD CONSTRAINT "alarm_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alarm" ADD CONSTRAINT "alarm_device_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_summary" ADD CONSTRAINT "run_summary_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_summary" ADD CONSTRAINT "run_summary_site_fkey" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_role_binding" ADD CONSTRAINT "user_role_binding_user_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_role_binding" ADD CONSTRAINT "user_role_binding_role_fkey" FOREIGN KEY ("role_id") REFERENCES "role"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_role_binding" ADD CONSTRAINT "user_role_binding_opco_fkey" FOREIGN KEY ("opco_id") REFERENCES "opco"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_role_binding" ADD CONSTRAINT "user_role_binding_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_tenant_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_role_fkey" FOREIGN KEY ("role_id") REFERENCES "role"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_created_by_fkey" FOREIGN KEY ("created_by_id") REFERENCES "user_account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Invariants Prisma's schema language cannot express, named so errors can be mapped by name.
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_slug_format" CHECK ("slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$');
ALTER TABLE "site_hub" ADD CONSTRAINT "site_hub_not_self" CHECK ("spoke_site_id" <> "hub_site_id");
ALTER TABLE "device" ADD CONSTRAINT "device_ports_range" CHECK ("netconf_port" BETWEEN 1 AND 65535 AND "snmp_port" BETWEEN 1 AND 65535);
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_bandwidth_positive" CHECK ("bandwidth_mbps" > 0);
ALTER TABLE "wan_link" ADD CONSTRAINT "wan_link_cost_not_negative" CHECK ("monthly_cost" >= 0);
ALTER TABLE "lan_segment" ADD CONSTRAINT "lan_segment_vlan_range" CHECK ("vlan_id" BETWEEN 1 AND 4094);
ALTER TABLE "lan_segment" ADD CONSTRAINT "lan_segment_prefix_is_cidr" CHECK (("prefix"::cidr)::text = "prefix");
ALTER TABLE "sla_profile" ADD CONSTRAINT "sla_profile_thresholds_not_negative" CHECK ("max_latency_ms" >= 0 AND "max_jitter_ms" >= 0 AND "max_loss_permille" BETWEEN 0 AND 1000);
ALTER TABLE "firmware_image" ADD CONSTRAINT "firmware_image_sha256_hex" CHECK ("sha256" ~ '^[0-9a-f]{64}$');
ALTER TABLE "firmware_image" ADD CONSTRAINT "firmware_image_size_positive" CHECK ("size_bytes" > 0);
ALTER TABLE "upgrade_campaign" ADD CONSTRAINT "upgrade_campaign_concurrency_positive" CHECK ("concurrency" > 0);
ALTER TABLE "upgrade_campaign" ADD CONSTRAINT "upgrade_campaign_failure_budget_range" CHECK ("failure_budget_pct" >= 0 AND "failure_budget_pct" <= 100);
ALTER TABLE "campaign_device" ADD CONSTRAINT "campaign_device_phase_not_negative" CHECK ("phase" >= 0);
ALTER TABLE "config_version" ADD CONSTRAINT "config_version_positive" CHECK ("version" > 0);
ALTER TABLE "config_version" ADD CONSTRAINT "config_version_sha256_hex" CHECK ("sha256" ~ '^[0-9a-f]{64}$');
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_hash_hex" CHECK ("token_hash" ~ '^[0-9a-f]{64}$');
ALTER TABLE "user_role_binding" ADD CONSTRAINT "user_role_binding_one_scope" CHECK ("opco_id" IS NULL OR "tenant_id" IS NULL);

-- One active alarm per condition: a repeat updates it instead of piling up.
CREATE UNIQUE INDEX "alarm_active_dedupe_key" ON "alarm" ("dedupe_key") WHERE "state" <> 'cleared';
