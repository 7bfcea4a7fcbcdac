// What an upgrade campaign reads and records, through inventory/campaigns.ts.
import type { PrismaClient } from '../prisma/client.ts';
import {
  campaignDevicesToStart, campaignPlan, recordCampaignDevice, setCampaignStatus, skipRemainingDevices,
  type CampaignCandidate, type CampaignDeviceStatus, type CampaignPlan, type CampaignStatus,
} from '../inventory/campaigns.ts';

// The workflow names these as its activities' types.
export type { CampaignCandidate, CampaignPlan };

export function createCampaignActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  return {
    async loadCampaign(input: { campaignId: string }): Promise<CampaignPlan> {
      return campaignPlan(prisma, input.campaignId);
    },

    /** The next devices of a phase still to start, in a stable order, after `after`. */
    async listCampaignDevices(input: { campaignId: string; phase: number; after?: string; limit: number }): Promise<CampaignCandidate[]> {
      return campaignDevicesToStart(prisma, input);
    },

    async recordCampaignDevice(input: { campaignId: string; deviceId: string; status: CampaignDeviceStatus; error?: string; started?: boolean }): Promise<void> {
      await recordCampaignDevice(prisma, input);
    },

    /** Devices never started (the campaign was aborted or halted) end as skipped. */
    async skipRemainingDevices(input: { campaignId: string; reason: string }): Promise<number> {
      return skipRemainingDevices(prisma, input);
    },

    async setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await setCampaignStatus(prisma, input);
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
